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
