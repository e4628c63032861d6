import { test, expect, hydrated, DEMO_PASSWORD } from './fixtures';

test('a newcomer signs in as the Woodgrove admin and sees the users table', async ({ page, signInPage, usersPage }) => {
  await page.goto('/');
  await hydrated(page);
  const demo = page.locator('#demo');
  await expect(demo).toContainText('admin@woodgrove.test');
  await expect(demo).toContainText(DEMO_PASSWORD);

  await page.getByRole('link', { name: 'Sign in' }).first().click();
  await expect(page).toHaveURL(/\/signin$/);
  await hydrated(page);
  await signInPage.signIn('admin@woodgrove.test', DEMO_PASSWORD);

  await expect(page).toHaveURL(/\/t\/woodgrove\/admin\/users$/);
  await expect(usersPage.heading()).toBeVisible();
  await expect(usersPage.row('admin@woodgrove.test')).toContainText('Member');
  await expect(usersPage.row('megan@woodgrove.test')).toContainText('Megan Bowen');
  await expect(page.locator('tr[data-upn="alice@contoso.test"]')).toHaveCount(0);
  await expect(page.locator('.who-name')).toHaveText('Woodgrove Admin');
});

test('a wrong password shows the error and keeps the person on the sign-in page', async ({ page, signInPage }) => {
  await signInPage.open();
  await signInPage.signIn('not a user name', 'whatever');
  await expect(signInPage.error()).toHaveText('A user name looks like megan@woodgrove.test.');

  await signInPage.signIn('admin@woodgrove.test', 'not the password');
  await expect(signInPage.error()).toHaveText('The user name or password is incorrect.');
  await expect(page).toHaveURL(/\/signin$/);
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();
});

test('a member who is not an admin gets the 403 page', async ({ page, signInPage }) => {
  await signInPage.open();
  await signInPage.signIn('megan@woodgrove.test', DEMO_PASSWORD);
  await expect(page).toHaveURL(/\/myapps$/);
  await expect(page.getByRole('heading', { name: 'My Apps' })).toBeVisible();

  const response = await page.goto('/t/woodgrove/admin/users');
  expect(response?.status()).toBe(403);
  await expect(page.getByRole('heading', { name: 'Access denied' })).toBeVisible();
  await expect(page.locator('tr[data-upn]')).toHaveCount(0);
});

test('signing in from a protected page comes back to it, and signing out ends the session', async ({ page, signInPage, usersPage }) => {
  await page.goto('/t/woodgrove/admin/users');
  await expect(page).toHaveURL(/\/signin\?next=%2Ft%2Fwoodgrove%2Fadmin%2Fusers$/);
  await hydrated(page);
  await signInPage.signIn('admin@woodgrove.test', DEMO_PASSWORD);
  await expect(page).toHaveURL(/\/t\/woodgrove\/admin\/users$/);
  await expect(usersPage.heading()).toBeVisible();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('link', { name: 'Sign in' }).first()).toBeVisible();
  await page.goto('/t/woodgrove/admin/users');
  await expect(page).toHaveURL(/\/signin\?next=/);
});
