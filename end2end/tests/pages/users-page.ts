import type { Locator, Page, Response } from '@playwright/test';
import { waitForHydration } from './hydration';

/** `/t/{slug}/admin/users`: a tenant's members and guests. */
export class UsersPage {
  readonly heading: Locator;
  /** Every user row of the table. */
  readonly rows: Locator;

  constructor(private readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'Users' });
    this.rows = page.locator('tr[data-upn]');
  }

  /** Opens the page of tenant `slug`; the response says whether it was allowed. */
  async open(slug: string): Promise<Response | null> {
    const response = await this.page.goto(`/t/${slug}/admin/users`);
    await waitForHydration(this.page);
    return response;
  }

  /** The row of the user signing in as `upn`. */
  row(upn: string): UserRow {
    return new UserRow(this.page.locator(`tr[data-upn="${upn}"]`));
  }
}

/** One user of the Users table, a cell per column. */
export class UserRow {
  readonly upn: Locator;
  readonly displayName: Locator;
  /** "Member" or "Guest". */
  readonly userType: Locator;
  /** A guest's redemption state ("PendingAcceptance", "Accepted"); "—" for a member. */
  readonly state: Locator;
  /** "Admin" or empty. */
  readonly role: Locator;

  constructor(readonly root: Locator) {
    const cells = root.getByRole('cell');
    this.upn = cells.nth(0);
    this.displayName = cells.nth(1);
    this.userType = cells.nth(2);
    this.state = cells.nth(3);
    this.role = cells.nth(4);
  }
}
