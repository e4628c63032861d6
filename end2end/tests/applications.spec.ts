import { randomBytes } from 'node:crypto';
import { test, expect, WOODGROVE_USERS } from './fixtures';
import { ApplicationsPage } from './pages/applications-page';
import { waitForHydration } from './pages/hydration';

test('an admin registers an application, sees its secret once, and edits its redirect URIs', async ({ admin, page }) => {
  await expect(admin.page).toHaveURL(WOODGROVE_USERS);
  // Woodgrove is shared by the tests running beside this one.
  const name = `Payroll ${randomBytes(3).toString('hex')}`;
  const applications = new ApplicationsPage(page);
  await applications.open('woodgrove');
  const { clientId, clientSecret } = await applications.register({
    name,
    redirectUris: ['https://payroll.woodgrove.test/callback'],
  });
  expect(clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  await expect(applications.credentials).toContainText('it will not be shown again');
  const row = applications.row(name);
  await expect(row.clientId).toHaveText(clientId);
  await expect(row.type).toHaveText('Confidential');
  await expect(row.redirectUris).toHaveText('1');
  await expect(row.assignmentRequired).toHaveText('No');

  // A reload shows the application, never its secret.
  await page.reload();
  await waitForHydration(page);
  await expect(applications.row(name).clientId).toHaveText(clientId);
  await expect(applications.secrets).toHaveCount(0);
  expect(await page.content()).not.toContain(clientSecret);

  const application = await applications.openApplication(name);
  await expect(application.clientId).toHaveText(clientId);
  await expect(application.redirectUris).toHaveValue('https://payroll.woodgrove.test/callback');
  const edited = ['https://payroll.woodgrove.test/callback', 'http://localhost:8400/callback'];
  await application.saveRedirectUris(edited);
  await expect(application.saved).toBeVisible();

  // A URI over plain http to another host is refused, and nothing changes.
  await application.saveRedirectUris(['http://payroll.woodgrove.test/callback']);
  await expect(application.redirectUrisError).toContainText('uses http');
  await page.reload();
  await waitForHydration(page);
  await expect(application.redirectUris).toHaveValue([...edited].sort().join('\n'));
  expect(await page.content()).not.toContain(clientSecret);
});
