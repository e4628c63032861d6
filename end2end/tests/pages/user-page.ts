import { expect, type Locator, type Page } from '@playwright/test';
import { waitForHydration } from './hydration';

/** `/t/{slug}/admin/users/{id}`: one user, and the admin's actions on them. */
export class UserPage {
  readonly name: Locator;
  readonly upn: Locator;
  /** The rows of the sign-in methods table, one per method. */
  readonly methodRows: Locator;
  readonly recoveryCodes: Locator;
  /** What the last action did ("MFA reset: 1 method and 10 recovery codes removed."). */
  readonly done: Locator;
  readonly error: Locator;
  /** The confirmation *Reset MFA…* opens: whom it names and what happens. */
  readonly resetWarning: Locator;
  private readonly resetToggle: Locator;
  private readonly resetButton: Locator;

  constructor(private readonly page: Page) {
    this.name = page.locator('#user-name');
    this.upn = page.locator('#user-upn');
    this.methodRows = page.locator('#user-methods tr[data-method]');
    this.recoveryCodes = page.locator('#user-recovery-codes');
    this.done = page.locator('#user-done');
    this.error = page.locator('#user-error');
    this.resetWarning = page.locator('#reset-mfa-warning');
    this.resetToggle = page.locator('#reset-mfa summary');
    this.resetButton = page.locator('#reset-mfa-confirm');
  }

  /** Opens *Reset MFA…*, checks that it names `who`, and confirms. */
  async resetMfa(who: string): Promise<void> {
    await waitForHydration(this.page);
    await this.resetToggle.click();
    await expect(this.resetWarning).toContainText(who);
    await this.resetButton.click();
  }

  /**
   * Confirms the reset whose confirmation is already open (the page opens
   * it again after the step-up challenge), checking that it names `who`.
   */
  async confirmReset(who: string): Promise<void> {
    await waitForHydration(this.page);
    await expect(this.resetWarning).toBeVisible();
    await expect(this.resetWarning).toContainText(who);
    await this.resetButton.click();
  }
}
