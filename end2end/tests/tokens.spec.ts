import { test, expect } from './fixtures';
import { TokensPage } from './pages/tokens-page';

test('an admin makes an API token, sees it once, and revokes it', async ({ admin, page, request }) => {
  const tokens = new TokensPage(page);
  await tokens.open('woodgrove');
  await tokens.create('HR provisioning');
  await expect(tokens.newToken).toHaveText(/\S{20,}/);
  const token = (await tokens.newToken.textContent()) ?? '';
  await expect(tokens.row('HR provisioning').lastUsed).toHaveText('never');

  const users = await request.get('/api/v1/users', { headers: { Authorization: `Bearer ${token}` } });
  expect(users.status()).toBe(200);

  await tokens.row('HR provisioning').revoke.click();
  await expect(tokens.row('HR provisioning').state).toHaveText('Revoked');
  const refused = await request.get('/api/v1/users', { headers: { Authorization: `Bearer ${token}` } });
  expect(refused.status()).toBe(401);

  // A reload does not show the token again.
  await tokens.open('woodgrove');
  await expect(tokens.newToken).toHaveCount(0);
  expect(await page.content()).not.toContain(token);
});

test('without JavaScript, Create token waits: a token posted as a plain form would never be seen', async ({ admin, page, browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false, storageState: await page.context().storageState() });
  const tokens = new TokensPage(await context.newPage());
  await tokens.goto('woodgrove');
  await expect(tokens.heading).toBeVisible();
  await expect(tokens.createButton).toBeDisabled();
  await context.close();
});
