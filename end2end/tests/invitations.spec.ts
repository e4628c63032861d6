import { test, expect, hydrated, readMail, readCode, DEMO_PASSWORD, SignInPage, type Page } from './fixtures';

const PASSWORD = 'a long enough password';

async function signInAsAdmin(page: Page) {
  const signIn = new SignInPage(page);
  await signIn.open();
  await signIn.signIn('admin@woodgrove.test', DEMO_PASSWORD);
  await expect(page).toHaveURL(/\/t\/woodgrove\/admin\/users$/);
}

/** Invites `email` on the admin's Invitations page; returns the redeem URL when not e-mailed. */
async function inviteInPortal(page: Page, email: string, sendEmail: boolean): Promise<string | null> {
  await page.goto('/t/woodgrove/admin/invitations');
  await hydrated(page);
  await page.getByLabel('E-mail address').fill(email);
  const send = page.getByLabel('Send the invitation by e-mail');
  if (sendEmail) await send.check(); else await send.uncheck();
  await page.getByRole('button', { name: 'Invite', exact: true }).click();
  const result = page.locator('#invite-result');
  await expect(result).toContainText(`Invited ${email}`);
  await expect(page.locator(`tr[data-email="${email}"]`)).toContainText('PendingAcceptance');
  return sendEmail ? null : await result.locator('code.redeem-url').textContent();
}

async function accept(page: Page, tenant = 'Woodgrove') {
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Review permissions' })).toBeVisible();
  await expect(page.locator('#consent')).toContainText(`${tenant} will be able to see`);
  await page.getByRole('button', { name: 'Accept' }).click();
  await expect(page).toHaveURL(/\/myapps$/);
  await expect(page.locator('.memberships')).toContainText(`${tenant} — Guest`);
}

test('an admin invites Bob, Bob creates a personal account from the mail and becomes an accepted guest', async ({ page, browser }) => {
  await signInAsAdmin(page);
  await inviteInPortal(page, 'bob@fabrikam.test', true);

  // Bob, in his own browser, opens the link from the invitation mail.
  const bob = await (await browser.newContext()).newPage();
  const mail = await readMail(bob, 'bob@fabrikam.test', 'invited you to access applications within Woodgrove');
  const link = mail.match(/https?:\/\/\S+\/redeem\?ticket=[\w-]+/)![0];
  await bob.goto(link);
  await hydrated(bob);
  await expect(bob.getByRole('heading', { level: 1 })).toHaveText('Woodgrove Admin invited you to access applications within Woodgrove');

  await bob.getByRole('button', { name: 'Send a verification code to bob@fabrikam.test' }).click();
  await expect(bob.getByText('We sent a code to your address')).toBeVisible();
  const code = await readCode(await bob.context().newPage(), 'bob@fabrikam.test');
  await bob.getByLabel('Verification code').fill(code);
  await bob.getByLabel('Your name').fill('Bob Fabrikam');
  await bob.getByLabel('Choose a password').fill(PASSWORD);
  await bob.getByRole('button', { name: 'Create account' }).click();
  await accept(bob);

  // The admin sees Bob as an accepted guest.
  await page.goto('/t/woodgrove/admin/users');
  const row = page.locator('tr[data-upn="bob_fabrikam.test#EXT#@woodgrove.test"]');
  await expect(row).toContainText('Guest');
  await expect(row).toContainText('Accepted');
});

test('a Contoso work account redeems after signing in at home', async ({ page, browser }) => {
  await signInAsAdmin(page);
  const link = await inviteInPortal(page, 'alice@contoso.test', false);

  const alice = await (await browser.newContext()).newPage();
  await alice.goto(link!);
  await hydrated(alice);
  await expect(alice.getByText('alice@contoso.test is a Contoso work account.')).toBeVisible();
  await alice.getByRole('link', { name: 'Sign in with Contoso' }).click();
  await expect(alice).toHaveURL(/\/signin\?next=/);
  await hydrated(alice);
  await new SignInPage(alice).signIn('alice@contoso.test', DEMO_PASSWORD);
  await expect(alice).toHaveURL(/\/redeem\?ticket=/);
  await accept(alice);
  await expect(alice.locator('.memberships')).toContainText('Contoso — Member');

  await page.goto('/t/woodgrove/admin/users');
  await expect(page.locator('tr[data-upn="alice_contoso.test#EXT#@woodgrove.test"]')).toContainText('Accepted');
});

test('a guest without an account redeems with an e-mailed one-time passcode', async ({ page, browser }) => {
  await signInAsAdmin(page);
  const link = await inviteInPortal(page, 'carol@fabrikam.test', false);

  const carol = await (await browser.newContext()).newPage();
  await carol.goto(link!);
  await hydrated(carol);
  await carol.getByRole('button', { name: 'E-mail a passcode to carol@fabrikam.test' }).click();
  await expect(carol.getByText('We sent an 8-digit passcode')).toBeVisible();
  const code = await readCode(await carol.context().newPage(), 'carol@fabrikam.test');
  await carol.getByLabel('Passcode').fill(code);
  await carol.getByRole('button', { name: 'Sign in' }).click();
  await accept(carol);
});

test('a forwarded link opened by a different identity is refused', async ({ page, browser }) => {
  await signInAsAdmin(page);
  const link = await inviteInPortal(page, 'dave@fabrikam.test', false);

  const other = await (await browser.newContext()).newPage();
  const signIn = new SignInPage(other);
  await signIn.open();
  await signIn.signIn('admin@contoso.test', DEMO_PASSWORD);
  await expect(other).toHaveURL(/\/t\/contoso\/admin\/users$/);
  await other.goto(link!);
  await hydrated(other);
  await expect(other.locator('#wrong-identity')).toContainText(
    'This invitation was sent to dave@fabrikam.test, but you are signed in as admin@contoso.test.',
  );
  await expect(other.getByRole('button', { name: 'Accept' })).toHaveCount(0);

  await page.goto('/t/woodgrove/admin/invitations?status=PendingAcceptance');
  await expect(page.locator('tr[data-email="dave@fabrikam.test"]')).toContainText('PendingAcceptance');
});

test('an admin bulk-invites from a CSV file and sees a result for every row', async ({ page }) => {
  await signInAsAdmin(page);
  await page.goto('/t/woodgrove/admin/invitations');
  await hydrated(page);
  await page.getByLabel('CSV file').setInputFiles({
    name: 'guests.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('email,display name\nerin@fabrikam.test,Erin\nnot-an-address,Nobody\nfrank@fabrikam.test,Frank\n'),
  });
  await expect(page.getByLabel(/^Rows/)).toHaveValue(/erin@fabrikam\.test/);
  await page.getByRole('button', { name: 'Invite all' }).click();
  await expect(page.locator('#bulk-summary')).toHaveText('2 of 3 rows invited.');
  await expect(page.locator('table.bulk-results tr.failed')).toContainText('not-an-address');
  await expect(page.locator('tr[data-email="frank@fabrikam.test"]')).toContainText('PendingAcceptance');
});
