import { createAdmin, createTenant } from './accounts';
import { test, expect, mfaStep } from './fixtures';
import { SettingsPage } from './pages/settings-page';

test('an admin turns on security defaults and sets the privacy statement; a bad value is refused and changes nothing', async ({ page, signInPage, mfaSetupPage }) => {
  const slug = await createTenant();
  const admin = await createAdmin(slug);
  const settings = new SettingsPage(page);
  await signInPage.open();
  await signInPage.signIn(admin.upn, admin.password);
  await expect(page).toHaveURL(mfaStep('setup', slug, `/t/${slug}/admin/users`));
  await mfaSetupPage.proofUp();

  await settings.open(slug);
  await expect(settings.securityDefaults).not.toBeChecked();
  await expect(settings.invitationTtlDays).toHaveValue('30');
  await settings.securityDefaults.check();
  await settings.privacyUrl.fill(`https://${slug}.test/privacy`);
  await settings.save();
  await expect(settings.saved).toBeVisible();

  await settings.invitationTtlDays.fill('0');
  await settings.save();
  await expect(settings.error).toHaveText('Invitations stay valid from 1 to 365 days.');

  await settings.open(slug);
  await expect(settings.securityDefaults).toBeChecked();
  await expect(settings.membersCanInvite).toBeChecked();
  await expect(settings.privacyUrl).toHaveValue(`https://${slug}.test/privacy`);
  await expect(settings.invitationTtlDays).toHaveValue('30');
});

test('without JavaScript the settings save, say so once, and a bad value is refused beside its field', async ({ page, signInPage, mfaSetupPage, browser }) => {
  const slug = await createTenant();
  const admin = await createAdmin(slug);
  await signInPage.open();
  await signInPage.signIn(admin.upn, admin.password);
  await expect(page).toHaveURL(mfaStep('setup', slug, `/t/${slug}/admin/users`));
  await mfaSetupPage.proofUp();

  // The same admin, in a browser that runs no scripts.
  const context = await browser.newContext({ javaScriptEnabled: false, storageState: await page.context().storageState() });
  const settings = new SettingsPage(await context.newPage());
  await settings.goto(slug);
  await settings.privacyUrl.fill(`https://${slug}.test/privacy`);
  await settings.save();
  await expect(settings.saved).toBeVisible();
  await expect(settings.privacyUrl).toHaveValue(`https://${slug}.test/privacy`);

  await settings.invitationTtlDays.fill('400');
  await settings.save();
  await expect(settings.error).toHaveText('Invitations stay valid from 1 to 365 days.');
  await expect(settings.saved).toBeHidden();

  await settings.goto(slug);
  await expect(settings.saved).toBeHidden();
  await expect(settings.invitationTtlDays).toHaveValue('30');
  await context.close();
});
