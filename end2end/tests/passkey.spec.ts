import { VirtualAuthenticator } from './authenticator';
import { test, expect, mfaStep, WOODGROVE_USERS } from './fixtures';

const KEY_REFUSED = 'Your security key or passkey could not be verified. Try again.';

test('an admin sets up a security key at proof-up and signs in with it the next time', async ({ page, newAdmin, topBar, signInPage, mfaSetupPage, mfaVerifyPage, usersPage }) => {
  const key = await VirtualAuthenticator.attach(page);
  await signInPage.open();
  await signInPage.signIn(newAdmin.upn, newAdmin.password);
  await expect(page).toHaveURL(mfaStep('setup', 'woodgrove', WOODGROVE_USERS));

  await mfaSetupPage.addPasskey('YubiKey');
  await expect(mfaSetupPage.done).toBeVisible();
  await expect(mfaSetupPage.recoveryCodes).toHaveCount(10);
  const [credential] = await key.credentials();
  expect(credential?.rpId).toBe('localhost');
  await mfaSetupPage.continue();
  await expect(page).toHaveURL(WOODGROVE_USERS);
  await expect(usersPage.heading).toBeVisible();

  await topBar.signOut();
  await signInPage.open();
  await signInPage.signIn(newAdmin.upn, newAdmin.password);
  await expect(page).toHaveURL(mfaStep('verify', 'woodgrove', WOODGROVE_USERS));
  await expect(mfaVerifyPage.codeForm).toHaveCount(0);
  await mfaVerifyPage.usePasskey();
  await expect(page).toHaveURL(WOODGROVE_USERS);
  await expect(usersPage.heading).toBeVisible();
});

test('a cloned security key, its counter set back, is refused', async ({ page, newAdmin, topBar, signInPage, mfaSetupPage, mfaVerifyPage, usersPage }) => {
  const key = await VirtualAuthenticator.attach(page);
  await signInPage.open();
  await signInPage.signIn(newAdmin.upn, newAdmin.password);
  await mfaSetupPage.addPasskey('YubiKey');
  await mfaSetupPage.continue();
  await expect(usersPage.heading).toBeVisible();

  // Two sign-ins raise the key's counter; then the clone answers with a
  // counter the server has seen.
  for (let i = 0; i < 2; i++) {
    await topBar.signOut();
    await signInPage.open();
    await signInPage.signIn(newAdmin.upn, newAdmin.password);
    await mfaVerifyPage.usePasskey();
    await expect(usersPage.heading).toBeVisible();
  }
  const [credential] = await key.credentials();
  expect(credential?.signCount).toBeGreaterThan(1);
  await key.rewindCounter(1);

  await topBar.signOut();
  await signInPage.open();
  await signInPage.signIn(newAdmin.upn, newAdmin.password);
  await mfaVerifyPage.usePasskey();
  await expect(mfaVerifyPage.passkeyError).toHaveText(KEY_REFUSED);
  await expect(page).toHaveURL(mfaStep('verify', 'woodgrove', WOODGROVE_USERS));
});

test('an admin with an authenticator app adds a passkey after passing MFA, and is offered both', async ({ admin, page, topBar, signInPage, mfaSetupPage, mfaVerifyPage, usersPage }) => {
  await VirtualAuthenticator.attach(page);
  await mfaSetupPage.open('woodgrove', WOODGROVE_USERS);
  await mfaSetupPage.addPasskey('MacBook');
  await expect(mfaSetupPage.done).toBeVisible();
  await expect(mfaSetupPage.recoveryCodes).toHaveCount(0);

  await topBar.signOut();
  await signInPage.open();
  await signInPage.signIn(admin.upn, admin.password);
  await expect(mfaVerifyPage.passkeyButton).toBeVisible();
  await expect(mfaVerifyPage.codeForm).toBeVisible();
  await mfaVerifyPage.verify(admin.totp.next());
  await expect(page).toHaveURL(WOODGROVE_USERS);
  await expect(usersPage.heading).toBeVisible();
});
