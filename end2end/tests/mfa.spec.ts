import { test, expect, mfaStep, MfaVerifyPage, SignInPage, WOODGROVE_USERS } from './fixtures';

const WRONG_CODE = "That code didn't work. Wait for the next code from your app and try again.";

test('an admin signs in, sets up an authenticator app, keeps ten recovery codes and continues to the Users page', async ({ page, newAdmin, signInPage, mfaSetupPage, usersPage }) => {
  await signInPage.open();
  await signInPage.signIn(newAdmin.upn, newAdmin.password);

  await expect(page).toHaveURL(mfaStep('setup', 'woodgrove', WOODGROVE_USERS));
  await expect(mfaSetupPage.heading).toHaveText('Set up your sign-in method for Woodgrove');
  await expect(mfaSetupPage.upn).toHaveText(newAdmin.upn);

  const totp = await mfaSetupPage.showQrCode('Phone');
  await mfaSetupPage.confirm(totp.next());

  await expect(mfaSetupPage.done).toBeVisible();
  await expect(mfaSetupPage.recoveryCodes).toHaveCount(10);
  const codes = await mfaSetupPage.recoveryCodes.allInnerTexts();
  for (const code of codes) expect(code).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
  expect(new Set(codes).size).toBe(10);
  await expect(mfaSetupPage.downloadLink).toBeVisible();
  await expect(mfaSetupPage.continueLink).toHaveAttribute('href', WOODGROVE_USERS);

  await mfaSetupPage.continue();
  await expect(page).toHaveURL(WOODGROVE_USERS);
  await expect(usersPage.row(newAdmin.upn).role).toHaveText('Admin');
});

test('an admin who signs in again is challenged, a wrong code is refused and the right one passes', async ({ admin, page, topBar, signInPage, mfaVerifyPage, usersPage }) => {
  await topBar.signOut();
  await signInPage.open();
  await signInPage.signIn(admin.upn, admin.password);

  await expect(page).toHaveURL(mfaStep('verify', 'woodgrove', WOODGROVE_USERS));
  await expect(mfaVerifyPage.heading).toHaveText('Verify your identity for Woodgrove');
  await expect(mfaVerifyPage.upn).toHaveText(admin.upn);
  await mfaVerifyPage.verify(admin.totp.wrong());
  await expect(mfaVerifyPage.codeError).toHaveText(WRONG_CODE);
  await expect(page).toHaveURL(mfaStep('verify', 'woodgrove', WOODGROVE_USERS));

  await mfaVerifyPage.verify(admin.totp.next());
  await expect(page).toHaveURL(WOODGROVE_USERS);
  await expect(usersPage.heading).toBeVisible();
});

test('without JavaScript the challenge refuses a wrong code beside the code field and lets the right one through', async ({ admin, browser }) => {
  // The same admin signing in again, in a browser that runs no scripts.
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`/signin?next=${encodeURIComponent(WOODGROVE_USERS)}`);
  await new SignInPage(page).submitForm(admin.upn, admin.password);
  await expect(page).toHaveURL(mfaStep('verify', 'woodgrove', WOODGROVE_USERS));

  const mfaVerifyPage = new MfaVerifyPage(page);
  await mfaVerifyPage.submitCode(admin.totp.wrong());
  await expect(mfaVerifyPage.codeError).toHaveText(WRONG_CODE);
  await expect(mfaVerifyPage.recoveryCodeError).toHaveCount(0);

  await mfaVerifyPage.submitCode(admin.totp.next());
  await expect(page).toHaveURL(WOODGROVE_USERS);
  await context.close();
});

test('a code from the authenticator app passes once and is refused the second time', async ({ admin, page, topBar, signInPage, mfaVerifyPage, usersPage }) => {
  await topBar.signOut();
  await signInPage.open();
  await signInPage.signIn(admin.upn, admin.password);
  await expect(page).toHaveURL(mfaStep('verify', 'woodgrove', WOODGROVE_USERS));
  await mfaVerifyPage.verify(admin.totp.next());
  await expect(page).toHaveURL(WOODGROVE_USERS);
  await expect(usersPage.heading).toBeVisible();

  await topBar.signOut();
  await signInPage.open();
  await signInPage.signIn(admin.upn, admin.password);
  await expect(page).toHaveURL(mfaStep('verify', 'woodgrove', WOODGROVE_USERS));
  await mfaVerifyPage.verify(admin.totp.used());
  await expect(mfaVerifyPage.codeError).toHaveText(WRONG_CODE);
  await expect(page).toHaveURL(mfaStep('verify', 'woodgrove', WOODGROVE_USERS));
});

test('a recovery code gets an admin in once and not twice', async ({ admin, page, topBar, signInPage, mfaVerifyPage, usersPage }) => {
  const [code] = admin.recoveryCodes;
  if (code === undefined) throw new Error('The proof-up showed no recovery codes.');

  await topBar.signOut();
  await signInPage.open();
  await signInPage.signIn(admin.upn, admin.password);
  await expect(page).toHaveURL(mfaStep('verify', 'woodgrove', WOODGROVE_USERS));
  await mfaVerifyPage.useRecoveryCode(code);
  await expect(page).toHaveURL(WOODGROVE_USERS);
  await expect(usersPage.heading).toBeVisible();

  await topBar.signOut();
  await signInPage.open();
  await signInPage.signIn(admin.upn, admin.password);
  await expect(page).toHaveURL(mfaStep('verify', 'woodgrove', WOODGROVE_USERS));
  await mfaVerifyPage.useRecoveryCode(code);
  await expect(mfaVerifyPage.recoveryCodeError).toHaveText("That recovery code didn't work.");
  await expect(page).toHaveURL(mfaStep('verify', 'woodgrove', WOODGROVE_USERS));
});

test('someone not signed in who opens proof-up is sent to sign in first', async ({ page, mfaSetupPage }) => {
  await mfaSetupPage.open('woodgrove');
  await expect(page).toHaveURL(/\/signin\?next=%2Fmfa%2Fsetup%3Ftenant%3Dwoodgrove$/);
});
