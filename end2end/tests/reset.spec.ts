// The seed's admin story (issue 9, DESIGN §3.4): a guest's methods are
// reset by Woodgrove's admin on the user page — after a step-up challenge,
// the admin's own MFA being older than ten minutes — the guest sets up a method
// again at the next access — a passkey this time — and the admin sees the
// new method type in the Users table and both steps in the audit log.

import { ageMfa, createApplication, createUser, inviteGuest } from './accounts';
import { VirtualAuthenticator } from './authenticator';
import { test, expect, mfaStep, RedeemPage, SignInPage } from './fixtures';
import { AuditPage } from './pages/audit-page';
import { MfaSetupPage } from './pages/mfa-setup-page';
import { MfaVerifyPage } from './pages/mfa-verify-page';
import { UserPage } from './pages/user-page';
import { freePort, startRelyingParty } from './relying-party';

test('an admin resets a guest’s MFA after a step-up; the guest proofs up again with a passkey; the Users table and the audit log show it', async ({ admin, guest, baseURL, usersPage }) => {
  const alice = await createUser('contoso');
  const guestUpn = `${alice.upn.replace('@', '_')}#EXT#@woodgrove.test`;
  const search = alice.upn.split('@')[0]!;
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const app = await createApplication('woodgrove', `Reset ${port}`, [`${url}/callback`, `${url}/`], { requireMfa: true });
  const rp = await startRelyingParty(`${baseURL}/woodgrove/v2.0`, app.clientId, app.clientSecret, port);
  try {
    // Alice, in a browser of her own, redeems and sets up an authenticator app.
    const link = await inviteGuest('woodgrove', alice.upn, `${rp.url}/login`);
    const redeem = new RedeemPage(guest);
    await redeem.open(link);
    await redeem.signInAtHome('Contoso');
    await new SignInPage(guest).signIn(alice.upn, alice.password);
    await redeem.accept();
    const setup = new MfaSetupPage(guest);
    await expect(guest).toHaveURL(/\/mfa\/setup\?tenant=woodgrove/);
    await setup.proofUp();
    await setup.continue();
    await expect(guest.locator('#amr')).toHaveText('["pwd","mfa","otp"]');

    // The admin finds her among the users with methods and resets her MFA.
    // The admin's own MFA is eleven minutes old by then: Woodgrove asks for
    // it again first, and brings the admin back to the open confirmation.
    await usersPage.open('woodgrove', { hasMethods: true, search });
    await expect(usersPage.row(guestUpn).method('totp')).toBeVisible();
    await usersPage.row(guestUpn).link.click();
    const userPage = new UserPage(admin.page);
    await expect(userPage.upn).toHaveText(guestUpn);
    await expect(userPage.methodRows).toHaveCount(1);
    const userPath = new URL(admin.page.url()).pathname;
    await ageMfa(admin.upn, 11);
    await userPage.resetMfa(guestUpn);
    await expect(admin.page).toHaveURL(mfaStep('verify', 'woodgrove', `${userPath}?confirm=reset`));
    await new MfaVerifyPage(admin.page).verify(admin.totp.next());
    await expect(admin.page).toHaveURL(`${userPath}?confirm=reset`);
    await expect(userPage.methodRows).toHaveCount(1);
    await userPage.confirmReset(guestUpn);
    await expect(userPage.done).toHaveText(
      'MFA reset: their sign-in methods and recovery codes no longer work; they set up a new method the next time MFA is asked of them.',
    );
    await expect(userPage.methodRows).toHaveCount(0);
    await expect(userPage.recoveryCodes).toHaveText('0 unused recovery codes');

    // Alice opens the application again: Woodgrove wants a new method first.
    await VirtualAuthenticator.attach(guest);
    await guest.goto(`${rp.url}/login`);
    await expect(guest).toHaveURL(/\/mfa\/setup\?tenant=woodgrove/);
    await setup.addPasskey('YubiKey');
    await expect(setup.done).toBeVisible();
    await setup.continue();
    await expect(guest.locator('#amr')).toHaveText(/^\["pwd","mfa","(hwk|swk)"\]$/);

    // The admin sees the passkey in place of the app, and both steps in the log.
    await usersPage.open('woodgrove', { search });
    await expect(usersPage.row(guestUpn).method('webauthn')).toBeVisible();
    await expect(usersPage.row(guestUpn).method('totp')).toHaveCount(0);
    const audit = new AuditPage(admin.page);
    await audit.open('woodgrove', { target: guestUpn });
    await audit.expectEvent({ action: 'mfa.reset', actor: admin.upn, target: guestUpn, outcome: 'success' });
    await audit.expectEvent({ action: 'mfa.method_added', target: guestUpn, outcome: 'success' });
  } finally {
    rp.stop();
  }
});
