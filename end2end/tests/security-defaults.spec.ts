import { memberUnderSecurityDefaults } from './accounts';
import { test, expect, mfaStep } from './fixtures';

test('under security defaults a member sets up MFA with their own tenant at sign-in, and is challenged the next time', async ({ page, topBar, signInPage, mfaSetupPage, mfaVerifyPage, myAppsPage }) => {
  const { slug, member } = await memberUnderSecurityDefaults();
  await signInPage.open();
  await signInPage.signIn(member.upn, member.password);
  await expect(page).toHaveURL(mfaStep('setup', slug, '/myapps'));
  await expect(mfaSetupPage.heading).toHaveText(`Set up your sign-in method for Tenant ${slug}`);
  const { totp } = await mfaSetupPage.proofUp();
  await mfaSetupPage.continue();
  await expect(page).toHaveURL('/myapps');
  await expect(myAppsPage.heading).toBeVisible();

  await topBar.signOut();
  await signInPage.open();
  await signInPage.signIn(member.upn, member.password);
  await expect(page).toHaveURL(mfaStep('verify', slug, '/myapps'));
  // The sign-in is not complete yet: My Apps sends them back to the
  // challenge with their own tenant (named by no slug).
  await page.goto('/myapps');
  await expect(page).toHaveURL(mfaStep('verify', '', '/myapps'));
  await expect(mfaVerifyPage.heading).toHaveText(`Verify your identity for Tenant ${slug}`);
  await mfaVerifyPage.verify(totp.next());
  await expect(page).toHaveURL('/myapps');
  await expect(myAppsPage.heading).toBeVisible();
});
