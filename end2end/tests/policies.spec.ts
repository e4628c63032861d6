import { createAdmin, createTenant, makePremium } from './accounts';
import { test, expect, mfaStep } from './fixtures';
import { PoliciesPage } from './pages/policies-page';

// Each test has a tenant of its own: a policy in a shared demo tenant
// would change what other specs' sign-ins to its applications require.

test('an admin of a premium tenant creates an MFA policy for guests and sees it listed', async ({ page, signInPage, mfaSetupPage }) => {
  const slug = await createTenant();
  await makePremium(slug);
  const admin = await createAdmin(slug);
  await signInPage.open();
  await signInPage.signIn(admin.upn, admin.password);
  await expect(page).toHaveURL(mfaStep('setup', slug, `/t/${slug}/admin/users`));
  await mfaSetupPage.proofUp();

  const policies = new PoliciesPage(page);
  await policies.open(slug);
  await expect(policies.premiumNotice).toHaveCount(0);
  await expect(policies.empty).toBeVisible();
  await policies.name.fill('MFA for guests');
  await policies.include('guests');
  await expect(policies.requireMfa).toBeChecked();
  await policies.freshness.fill('60');
  await policies.save();
  await expect(policies.saved).toBeVisible();

  const row = policies.row('MFA for guests');
  await expect(row.locator('td').nth(1)).toHaveText('On');
  await expect(row.locator('td').nth(2)).toHaveText('Guests');
  await expect(row.locator('td').nth(3)).toHaveText('All applications');
  await expect(row.locator('td').nth(4)).toHaveText('Require MFA, fresh for 60 min');

  // Still there when the page is opened afresh; edited to report-only.
  await policies.open(slug);
  await policies.row('MFA for guests').getByRole('link', { name: 'Edit' }).click();
  await expect(policies.formHeading).toHaveText('Edit policy');
  await expect(policies.name).toHaveValue('MFA for guests');
  await expect(policies.freshness).toHaveValue('60');
  await policies.state.selectOption('report_only');
  await policies.save();
  await expect(policies.row('MFA for guests').locator('td').nth(1)).toHaveText('Report-only');

  await policies.row('MFA for guests').getByRole('button', { name: 'Delete' }).click();
  await expect(policies.empty).toBeVisible();
});

test('a free tenant is told MFA policies need premium and cannot turn one on', async ({ page, signInPage, mfaSetupPage }) => {
  const slug = await createTenant();
  const admin = await createAdmin(slug);
  await signInPage.open();
  await signInPage.signIn(admin.upn, admin.password);
  await expect(page).toHaveURL(mfaStep('setup', slug, `/t/${slug}/admin/users`));
  await mfaSetupPage.proofUp();

  const policies = new PoliciesPage(page);
  await policies.open(slug);
  await expect(policies.premiumNotice).toContainText('MFA policies need the premium plan');
  await policies.name.fill('MFA for everyone');
  await policies.include('all');
  await policies.save();
  await expect(policies.error).toContainText('MFA policies need the premium plan');

  await policies.open(slug);
  await expect(policies.empty).toBeVisible();
});
