import { test, expect, mfaStep, MyAppsPage, SignInPage, DEMO_PASSWORD, WOODGROVE_USERS } from './fixtures';

// The demo admin's authenticator app is set up here, and so this is the
// only test that signs in as admin@woodgrove.test: the others make admins
// of their own.
test('a newcomer signs in as the Woodgrove admin and sees the users table', async ({ page, homePage, topBar, signInPage, mfaSetupPage, usersPage }) => {
  await homePage.open();
  await expect(homePage.demo).toContainText('admin@woodgrove.test');
  await expect(homePage.demo).toContainText(DEMO_PASSWORD);

  await topBar.signIn();
  await expect(page).toHaveURL(/\/signin$/);
  await signInPage.signIn('admin@woodgrove.test', DEMO_PASSWORD);

  await expect(page).toHaveURL(mfaStep('setup', 'woodgrove', WOODGROVE_USERS));
  await mfaSetupPage.proofUp();
  await mfaSetupPage.continue();

  await expect(page).toHaveURL(WOODGROVE_USERS);
  await expect(usersPage.heading).toBeVisible();
  await expect(usersPage.row('admin@woodgrove.test').userType).toHaveText('Member');
  await expect(usersPage.row('megan@woodgrove.test').displayName).toHaveText('Megan Bowen');
  await expect(usersPage.row('alice@contoso.test').root).toHaveCount(0);
  await expect(topBar.signedInName).toHaveText('Woodgrove Admin');
});

test('a wrong password shows the error and keeps the person on the sign-in page', async ({ page, topBar, signInPage }) => {
  await signInPage.open();
  await signInPage.signIn('not a user name', 'whatever');
  await expect(signInPage.error).toHaveText('A user name looks like megan@woodgrove.test.');

  await signInPage.signIn('admin@woodgrove.test', 'not the password');
  await expect(signInPage.error).toHaveText('The user name or password is incorrect.');
  await expect(page).toHaveURL(/\/signin$/);
  await expect(topBar.signInLink).toBeVisible();
});

test('a member who is not an admin gets the 403 page', async ({ page, signInPage, myAppsPage, usersPage, errorPage }) => {
  await signInPage.open();
  await signInPage.signIn('megan@woodgrove.test', DEMO_PASSWORD);
  await expect(page).toHaveURL(/\/myapps$/);
  await expect(myAppsPage.heading).toBeVisible();

  const response = await usersPage.open('woodgrove');
  expect(response?.status()).toBe(403);
  await expect(errorPage.heading).toBeVisible();
  await expect(errorPage.heading).toHaveText('Access denied');
  await expect(usersPage.rows).toHaveCount(0);
});

test('signing in from a protected page comes back to it, and signing out ends the session', async ({ page, newAdmin, topBar, signInPage, mfaSetupPage, usersPage }) => {
  await usersPage.open('woodgrove');
  await expect(page).toHaveURL(/\/signin\?next=%2Ft%2Fwoodgrove%2Fadmin%2Fusers$/);
  await signInPage.signIn(newAdmin.upn, newAdmin.password);
  await expect(page).toHaveURL(mfaStep('setup', 'woodgrove', WOODGROVE_USERS));
  await mfaSetupPage.proofUp();
  await mfaSetupPage.continue();
  await expect(page).toHaveURL(WOODGROVE_USERS);
  await expect(usersPage.heading).toBeVisible();

  await topBar.signOut();
  await expect(page).toHaveURL(/\/$/);
  await expect(topBar.signInLink).toBeVisible();
  await usersPage.open('woodgrove');
  await expect(page).toHaveURL(/\/signin\?next=/);
});

test('without JavaScript a wrong password comes back to the sign-in page with the error, and the right one signs in', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const signInPage = new SignInPage(page);
  await page.goto('/signin?next=%2Fmyapps');
  await signInPage.submitForm('megan@woodgrove.test', 'not the password');
  await expect(signInPage.error).toHaveText('The user name or password is incorrect.');
  await expect(page).toHaveURL(/\/signin\?next=%2Fmyapps&.*__err=/);

  await signInPage.submitForm('megan@woodgrove.test', DEMO_PASSWORD);
  await expect(page).toHaveURL('/myapps');
  await expect(new MyAppsPage(page).heading).toBeVisible();
  await context.close();
});
