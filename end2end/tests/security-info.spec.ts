import { VirtualAuthenticator } from './authenticator';
import { test, expect, mfaStep, WOODGROVE_USERS } from './fixtures';
import { SecurityInfoPage } from './pages/security-info-page';

test('an admin renames their authenticator app, gets new recovery codes and cannot remove their only method', async ({ admin, page, topBar, securityInfoPage: securityInfo }) => {
  await topBar.securityInfoLink.click();
  await expect(securityInfo.heading).toBeVisible();
  await expect(securityInfo.upn).toHaveText(admin.upn);
  await expect(securityInfo.methods).toHaveCount(1);
  const app = securityInfo.method('Authenticator app');
  await expect(app.kind).toHaveText('Authenticator app');
  await expect(securityInfo.recoveryCodesLeft).toHaveText('10 unused recovery codes');
  await expect(securityInfo.sessions).toHaveCount(1);
  await expect(securityInfo.sessions).toContainText('This session');

  await securityInfo.rename('Authenticator app', 'Work phone');
  await expect(securityInfo.method('Work phone').name).toHaveText('Work phone');
  await expect(securityInfo.methods).toHaveCount(1);

  const codes = await securityInfo.newRecoveryCodes();
  expect(codes).toHaveLength(10);
  expect(new Set(codes).size).toBe(10);
  for (const code of codes) {
    expect(code).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    expect(admin.recoveryCodes).not.toContain(code);
  }
  await expect(page.getByRole('link', { name: 'Download as text' })).toBeVisible();
  await expect(securityInfo.recoveryCodesLeft).toHaveText('10 unused recovery codes');

  await securityInfo.remove('Work phone');
  await expect(securityInfo.error).toHaveText(
    'This is your only sign-in method and Woodgrove requires MFA for you. Add another method before you remove this one.',
  );
  await expect(securityInfo.method('Work phone').root).toBeVisible();

  // Still there for anyone who looks again.
  await securityInfo.open('woodgrove');
  await expect(securityInfo.methods).toHaveCount(1);
  await expect(securityInfo.method('Work phone').kind).toHaveText('Authenticator app');
});

test('before the WebAssembly loads, renaming works and a refused removal is explained', async ({ admin, page, browser }) => {
  // The same person in a browser that runs no scripts at all.
  const context = await browser.newContext({ javaScriptEnabled: false, storageState: await page.context().storageState() });
  const plain = await context.newPage();
  const securityInfo = new SecurityInfoPage(plain);
  await plain.goto('/security-info?tenant=woodgrove');
  await expect(securityInfo.upn).toHaveText(admin.upn);

  await securityInfo.rename('Authenticator app', 'Old phone');
  await expect(securityInfo.method('Old phone').name).toHaveText('Old phone');

  await securityInfo.remove('Old phone');
  await expect(securityInfo.error).toContainText('Woodgrove requires MFA for you');
  await expect(securityInfo.methods).toHaveCount(1);
  await context.close();
});

test('an admin adds a security key from Security info, then removes the authenticator app and signs in with the key', async ({ admin, page, topBar, signInPage, mfaSetupPage, mfaVerifyPage, usersPage, securityInfoPage: securityInfo }) => {
  await VirtualAuthenticator.attach(page);
  await securityInfo.open('woodgrove');
  await securityInfo.addMethodLink.click();
  await expect(page).toHaveURL(mfaStep('setup', 'woodgrove', '/security-info?tenant=woodgrove'));
  await mfaSetupPage.addPasskey('YubiKey');
  await expect(mfaSetupPage.done).toBeVisible();
  await mfaSetupPage.continue();

  await expect(securityInfo.methods).toHaveCount(2);
  await expect(securityInfo.method('YubiKey').kind).toHaveText('Security key or passkey');
  await securityInfo.remove('Authenticator app');
  await expect(securityInfo.methods).toHaveCount(1);
  await expect(securityInfo.method('YubiKey').root).toBeVisible();

  await topBar.signOut();
  await signInPage.open();
  await signInPage.signIn(admin.upn, admin.password);
  await expect(mfaVerifyPage.codeForm).toHaveCount(0);
  await mfaVerifyPage.usePasskey();
  await expect(page).toHaveURL(WOODGROVE_USERS);
  await expect(usersPage.heading).toBeVisible();
});
