import { expect, type Locator, type Page } from '@playwright/test';
import { waitForHydration } from './hydration';

/**
 * `/security-info?tenant=…`: the signed-in person's sign-in methods with one
 * of their tenants, their recovery codes and their sessions.
 */
export class SecurityInfoPage {
  /** "Security info". */
  readonly heading: Locator;
  /** The UPN of the person's user object in the tenant shown. */
  readonly upn: Locator;
  /** Every method row. */
  readonly methods: Locator;
  /** A refusal of the last change ("… requires MFA for you …"). */
  readonly error: Locator;
  /** "N unused recovery codes". */
  readonly recoveryCodesLeft: Locator;
  /** Shown with a new set: the old codes no longer work. */
  readonly newCodesNotice: Locator;
  /** The new codes, one item each (shown once). */
  readonly recoveryCodes: Locator;
  readonly addMethodLink: Locator;
  /** One row per live session of the person. */
  readonly sessions: Locator;
  private readonly newCodesButton: Locator;

  constructor(private readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1, name: 'Security info' });
    this.upn = page.locator('strong#security-info-upn');
    this.methods = page.locator('tr[data-method]');
    this.error = page.locator('#security-info-error');
    this.recoveryCodesLeft = page.locator('#recovery-codes-left');
    this.newCodesNotice = page.locator('#new-recovery-codes');
    this.recoveryCodes = page.locator('ol#recovery-codes li code');
    this.addMethodLink = page.locator('a#add-method');
    this.sessions = page.locator('table.sessions tbody tr');
    this.newCodesButton = page.getByRole('button', { name: 'New recovery codes' });
  }

  /** Opens the page, for tenant `slug` or the default one. */
  async open(slug?: string): Promise<void> {
    await this.page.goto(slug === undefined ? '/security-info' : `/security-info?tenant=${slug}`);
    await waitForHydration(this.page);
  }

  /** The method named `name`. */
  method(name: string): MethodRow {
    return new MethodRow(this.page.locator(`tr[data-method="${name}"]`));
  }

  /** Renames the method `from` to `to`. */
  async rename(from: string, to: string): Promise<void> {
    const row = this.method(from);
    await row.renameToggle.click();
    await row.newName.fill(to);
    await row.saveButton.click();
  }

  /** Asks to remove the method `name`. */
  async remove(name: string): Promise<void> {
    await this.method(name).removeButton.click();
  }

  /** Asks for a new set of recovery codes and reads them off the page. */
  async newRecoveryCodes(): Promise<string[]> {
    await waitForHydration(this.page);
    await this.newCodesButton.click();
    await expect(this.newCodesNotice).toBeVisible();
    return this.recoveryCodes.allInnerTexts();
  }
}

/** One method of the table. */
export class MethodRow {
  /** "Authenticator app", "Security key or passkey". */
  readonly kind: Locator;
  readonly name: Locator;
  readonly renameToggle: Locator;
  readonly newName: Locator;
  readonly saveButton: Locator;
  readonly removeButton: Locator;

  constructor(readonly root: Locator) {
    const cells = root.getByRole('cell');
    this.kind = cells.nth(0);
    this.name = cells.nth(1);
    this.renameToggle = root.getByText('Rename', { exact: true });
    this.newName = root.getByLabel('New name');
    this.saveButton = root.getByRole('button', { name: 'Save' });
    this.removeButton = root.getByRole('button', { name: 'Remove' });
  }
}
