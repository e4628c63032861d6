import { test, expect, mfaStep, DEMO_PASSWORD, MyAppsPage, REDEEM_URL, RedeemPage, SignInPage, WOODGROVE_USERS, type Page } from './fixtures';
import { apiToken, createTenant, createUser, inviteGuest } from './accounts';
import { ErrorPage } from './pages/error-page';

const PASSWORD = 'a long enough password';

// Every test starts as an admin of Woodgrove of its own, signed in and past
// the MFA step, on the Users page.
test.beforeEach(async ({ admin }) => {
  await expect(admin.page).toHaveURL(WOODGROVE_USERS);
});

/** Reviews what `tenant` will see, accepts, and lands on My Apps as its guest. */
async function acceptInvitation(guest: Page, tenant = 'Woodgrove'): Promise<MyAppsPage> {
  const redeem = new RedeemPage(guest);
  await expect(redeem.reviewPermissions).toBeVisible();
  await expect(redeem.consent).toContainText(`${tenant} will be able to see`);
  await redeem.accept();
  await expect(guest).toHaveURL(/\/myapps$/);
  const myApps = new MyAppsPage(guest);
  await expect(myApps.memberships).toContainText(`${tenant} — Guest`);
  return myApps;
}

test('an admin invites Bob, Bob creates a personal account from the mail and becomes an accepted guest', async ({ admin, invitationsPage, usersPage, guest: bob, outbox }) => {
  await invitationsPage.open('woodgrove');
  await invitationsPage.invite({ email: 'bob@fabrikam.test', sendEmail: true });

  // Bob, in his own browser, opens the link from the invitation mail.
  const mail = await outbox.newestMail('bob@fabrikam.test', 'invited you to access applications within Woodgrove');
  const redeem = new RedeemPage(bob);
  await redeem.open(await mail.link(REDEEM_URL));
  await expect(redeem.heading).toHaveText(`${admin.name} invited you to access applications within Woodgrove`);

  await redeem.sendVerificationCode('bob@fabrikam.test');
  const code = await outbox.verificationCode('bob@fabrikam.test');
  await redeem.createPersonalAccount({ code, name: 'Bob Fabrikam', password: PASSWORD });
  await acceptInvitation(bob);

  // The admin sees Bob as an accepted guest.
  await usersPage.open('woodgrove');
  const row = usersPage.row('bob_fabrikam.test#EXT#@woodgrove.test');
  await expect(row.userType).toHaveText('Guest');
  await expect(row.state).toHaveText('Accepted');
});

test('a Contoso work account redeems after signing in at home', async ({ invitationsPage, usersPage, guest: alice }) => {
  await invitationsPage.open('woodgrove');
  const link = await invitationsPage.invite({ email: 'alice@contoso.test', sendEmail: false });

  const redeem = new RedeemPage(alice);
  await redeem.open(link);
  await expect(redeem.says('alice@contoso.test is a Contoso work account.')).toBeVisible();
  await redeem.signInAtHome('Contoso');
  await expect(alice).toHaveURL(/\/signin\?next=/);
  await new SignInPage(alice).signIn('alice@contoso.test', DEMO_PASSWORD);
  await expect(alice).toHaveURL(/\/redeem\?ticket=/);
  const myApps = await acceptInvitation(alice);
  await expect(myApps.memberships).toContainText('Contoso — Member');

  await usersPage.open('woodgrove');
  await expect(usersPage.row('alice_contoso.test#EXT#@woodgrove.test').state).toHaveText('Accepted');
});

test('a guest without an account redeems with an e-mailed one-time passcode', async ({ invitationsPage, guest: carol, outbox }) => {
  await invitationsPage.open('woodgrove');
  const link = await invitationsPage.invite({ email: 'carol@fabrikam.test', sendEmail: false });

  const redeem = new RedeemPage(carol);
  await redeem.open(link);
  await redeem.sendPasscode('carol@fabrikam.test');
  await redeem.signInWithPasscode(await outbox.verificationCode('carol@fabrikam.test'));
  await acceptInvitation(carol);
});

test('a forwarded link opened by a different identity is refused', async ({ invitationsPage, guest: other }) => {
  await invitationsPage.open('woodgrove');
  const link = await invitationsPage.invite({ email: 'dave@fabrikam.test', sendEmail: false });

  const signIn = new SignInPage(other);
  await signIn.open();
  await signIn.signIn('admin@contoso.test', DEMO_PASSWORD);
  // Signed in: the admin portal asks for Contoso's MFA, which redeeming does not need.
  await expect(other).toHaveURL(mfaStep('setup', 'contoso', '/t/contoso/admin/users'));
  const redeem = new RedeemPage(other);
  await redeem.open(link);
  await expect(redeem.wrongIdentity).toContainText(
    'This invitation was sent to dave@fabrikam.test, but you are signed in as admin@contoso.test.',
  );
  await expect(redeem.acceptButton).toHaveCount(0);

  await invitationsPage.open('woodgrove', { status: 'PendingAcceptance' });
  await expect(invitationsPage.row('dave@fabrikam.test').status).toHaveText('PendingAcceptance');
});

test('an admin bulk-invites from a CSV file and sees a result for every row', async ({ invitationsPage }) => {
  await invitationsPage.open('woodgrove');
  await invitationsPage.chooseCsvFile(
    'guests.csv',
    'email,display name\nerin@fabrikam.test,Erin\nnot-an-address,Nobody\nfrank@fabrikam.test,Frank\n',
  );
  await expect(invitationsPage.bulkRows).toHaveValue(/erin@fabrikam\.test/);
  await invitationsPage.inviteAll();
  await expect(invitationsPage.bulkSummary).toHaveText('2 of 3 rows invited.');
  await expect(invitationsPage.failedBulkRows).toContainText('not-an-address');
  await expect(invitationsPage.row('frank@fabrikam.test').status).toHaveText('PendingAcceptance');
});

test('without JavaScript, accepting an invitation revoked meanwhile says so on the invitation page', async ({ browser, request }) => {
  const inviter = await createTenant();
  const guest = await createUser(await createTenant());
  const link = await inviteGuest(inviter, guest.upn, 'https://app.example.test/start');

  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`/signin?next=${encodeURIComponent(link)}`);
  await new SignInPage(page).submitForm(guest.upn, guest.password);
  const redeem = new RedeemPage(page);
  await expect(redeem.reviewPermissions).toBeVisible();

  // The inviting tenant revokes the invitation while the page is open.
  const headers = { Authorization: `Bearer ${await apiToken(inviter)}` };
  const listed = await (await request.get('/api/v1/invitations', { headers })).json();
  const invitation = listed.value.find((row: { invitedUserEmailAddress: string }) => row.invitedUserEmailAddress === guest.upn);
  expect((await request.delete(`/api/v1/invitations/${invitation.id}`, { headers })).status()).toBe(204);

  await redeem.acceptButton.click();
  await expect(page).toHaveURL(/\/redeem\?ticket=/);
  await expect(new ErrorPage(page).heading).toHaveText('Invitation not valid');
  await context.close();
});
