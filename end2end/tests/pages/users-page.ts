import type { Locator, Page, Response } from '@playwright/test';
import { waitForHydration } from './hydration';

/** The Users list's filters, as its query string carries them. */
export interface UsersFilter {
  userType?: 'Guest' | 'Member';
  hasMethods?: boolean;
  /** A prefix of a UPN, display name or e-mail address, any case. */
  search?: string;
}

/** `/t/{slug}/admin/users`: a tenant's members and guests with their MFA methods. */
export class UsersPage {
  readonly heading: Locator;
  /** Every user row of the table. */
  readonly rows: Locator;
  readonly search: Locator;
  readonly nextPage: Locator;

  constructor(private readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'Users' });
    this.rows = page.locator('tr[data-upn]');
    this.search = page.getByRole('searchbox');
    this.nextPage = page.getByRole('link', { name: 'Next page' });
  }

  /** Opens the page of tenant `slug`, filtered; the response says whether it was allowed. */
  async open(slug: string, filter: UsersFilter = {}): Promise<Response | null> {
    const pairs: [string, string | undefined][] = [
      ['userType', filter.userType],
      ['hasMethods', filter.hasMethods === undefined ? undefined : String(filter.hasMethods)],
      ['search', filter.search],
    ];
    const query = pairs
      .filter((pair): pair is [string, string] => pair[1] !== undefined)
      .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
      .join('&');
    const response = await this.page.goto(`/t/${slug}/admin/users${query ? `?${query}` : ''}`);
    await waitForHydration(this.page);
    return response;
  }

  /** Clicks one of the filter links ("Guests", "Has methods", "All users", …). */
  async filter(name: string): Promise<void> {
    await this.page.getByRole('link', { name, exact: true }).click();
  }

  /** The row of the user signing in as `upn`. */
  row(upn: string): UserRow {
    return new UserRow(this.page.locator(`tr[data-upn="${upn}"]`));
  }
}

/** One user of the Users table, a cell per column. */
export class UserRow {
  readonly upn: Locator;
  /** The UPN's link to the user's own page. */
  readonly link: Locator;
  readonly displayName: Locator;
  /** "Member" or "Guest". */
  readonly userType: Locator;
  /** A guest's redemption state ("PendingAcceptance", "Accepted"), "—" for a member; ", disabled" / "Disabled" once disabled. */
  readonly state: Locator;
  /** "Admin" or empty. */
  readonly role: Locator;
  /** A line per kind of method ("Authenticator app · last used …", "Recovery codes: 10 left"); "—" for none. */
  readonly methods: Locator;

  constructor(readonly root: Locator) {
    const cells = root.getByRole('cell');
    this.upn = cells.nth(0);
    this.link = this.upn.getByRole('link');
    this.displayName = cells.nth(1);
    this.userType = cells.nth(2);
    this.state = cells.nth(3);
    this.role = cells.nth(4);
    this.methods = cells.nth(5);
  }

  /** The Methods cell's line for one kind: `totp`, `webauthn` or `recoveryCodes`. */
  method(type: 'totp' | 'webauthn' | 'recoveryCodes'): Locator {
    return this.methods.locator(`[data-method="${type}"]`);
  }
}
