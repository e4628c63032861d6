import { expect, type Locator, type Page } from '@playwright/test';
import { waitForHydration } from './hydration';
import { REDEEM_URL } from './redeem-page';

/** Where an invitation stands, as the Invitations page names it. */
export type InvitationStatus = 'PendingAcceptance' | 'Accepted' | 'Expired' | 'Revoked';

/** What the admin types into the New invitation form. */
export interface NewInvitation {
  email: string;
  /** Display name; Gatehouse derives one when left out. */
  name?: string;
  /** Where the guest goes after accepting; My Apps when left out. */
  redirectUrl?: string;
  /** Mail the link to the guest, or show it once to the admin. */
  sendEmail: boolean;
}

/** `/t/{slug}/admin/invitations`: invite one guest or a CSV file of them, and see every invitation. */
export class InvitationsPage {
  /** The bulk form's text box, filled from the chosen file. */
  readonly bulkRows: Locator;
  /** "2 of 3 rows invited." */
  readonly bulkSummary: Locator;
  /** The bulk results' rows that were not invited. */
  readonly failedBulkRows: Locator;
  private readonly email: Locator;
  private readonly displayName: Locator;
  private readonly redirectUrl: Locator;
  private readonly sendByEmail: Locator;
  private readonly inviteButton: Locator;
  private readonly inviteResult: Locator;
  private readonly csvFile: Locator;
  private readonly inviteAllButton: Locator;

  constructor(private readonly page: Page) {
    this.email = page.getByLabel('E-mail address');
    this.displayName = page.getByLabel('Display name (optional)');
    this.redirectUrl = page.getByLabel('Send the guest to, after accepting (optional)');
    this.sendByEmail = page.getByLabel('Send the invitation by e-mail');
    this.inviteButton = page.getByRole('button', { name: 'Invite', exact: true });
    this.inviteResult = page.locator('#invite-result');
    this.csvFile = page.getByLabel('CSV file');
    this.bulkRows = page.getByLabel(/^Rows/);
    this.inviteAllButton = page.getByRole('button', { name: 'Invite all' });
    this.bulkSummary = page.locator('#bulk-summary');
    this.failedBulkRows = page.locator('table.bulk-results tr.failed');
  }

  /** Opens tenant `slug`'s page, optionally listing only invitations in one status. */
  async open(slug: string, filter: { status?: InvitationStatus } = {}): Promise<void> {
    const query = filter.status === undefined ? '' : `?status=${filter.status}`;
    await this.page.goto(`/t/${slug}/admin/invitations${query}`);
    await waitForHydration(this.page);
  }

  /**
   * Invites a guest and waits until the page confirms it and lists the
   * invitation as pending. Not sent by e-mail, the redeem URL the page shows
   * (once) is returned for the admin to pass on.
   */
  invite(invitation: NewInvitation & { sendEmail: true }): Promise<void>;
  invite(invitation: NewInvitation & { sendEmail: false }): Promise<string>;
  async invite(invitation: NewInvitation): Promise<string | void> {
    const { email, name, redirectUrl, sendEmail } = invitation;
    await waitForHydration(this.page);
    await this.email.fill(email);
    if (name !== undefined) await this.displayName.fill(name);
    if (redirectUrl !== undefined) await this.redirectUrl.fill(redirectUrl);
    await this.sendByEmail.setChecked(sendEmail);
    await this.inviteButton.click();
    await expect(this.inviteResult).toContainText(`Invited ${email}`);
    await expect(this.row(email).status).toHaveText('PendingAcceptance');
    if (sendEmail) return;
    const shown = this.inviteResult.locator('code.redeem-url');
    await expect(shown).toHaveText(REDEEM_URL);
    return shown.innerText();
  }

  /** The row of the invitation sent to `email`. */
  row(email: string): InvitationRow {
    return new InvitationRow(this.page.locator(`tr[data-email="${email}"]`));
  }

  /** Chooses a CSV file for the bulk form, which reads it into its text box. */
  async chooseCsvFile(name: string, contents: string): Promise<void> {
    await waitForHydration(this.page);
    await this.csvFile.setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(contents) });
  }

  async inviteAll(): Promise<void> {
    await this.inviteAllButton.click();
  }
}

/** One invitation of the Invitations table, a cell per column. */
export class InvitationRow {
  readonly email: Locator;
  /** The guest's user principal name. */
  readonly guest: Locator;
  readonly status: Locator;
  readonly sent: Locator;
  readonly expires: Locator;
  /** Resend, Revoke or Reset redemption, as the status allows. */
  readonly actions: Locator;

  constructor(readonly root: Locator) {
    const cells = root.getByRole('cell');
    this.email = cells.nth(0);
    this.guest = cells.nth(1);
    this.status = cells.nth(2);
    this.sent = cells.nth(3);
    this.expires = cells.nth(4);
    this.actions = cells.nth(5);
  }
}
