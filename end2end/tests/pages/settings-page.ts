import type { Locator, Page } from '@playwright/test';
import { waitForHydration } from './hydration';

/** `/t/{slug}/admin/settings`: the tenant's settings, one form. */
export class SettingsPage {
  readonly heading: Locator;
  readonly membersCanInvite: Locator;
  readonly emailOtp: Locator;
  readonly securityDefaults: Locator;
  readonly invitationTtlDays: Locator;
  readonly privacyUrl: Locator;
  /** "Saved." after a save. */
  readonly saved: Locator;
  /** A refused value. */
  readonly error: Locator;
  private readonly saveButton: Locator;

  constructor(private readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'Settings' });
    this.membersCanInvite = page.locator('input#members-can-invite');
    this.emailOtp = page.locator('input#email-otp');
    this.securityDefaults = page.locator('input#security-defaults');
    this.invitationTtlDays = page.locator('input#invitation-ttl-days');
    this.privacyUrl = page.locator('input#privacy-url');
    this.saved = page.locator('#settings-saved');
    this.error = page.locator('form.settings p.field-error[role="alert"]');
    this.saveButton = page.getByRole('button', { name: 'Save' });
  }

  /** Opens the page without waiting for the WASM (a browser may run no scripts). */
  async goto(slug: string): Promise<void> {
    await this.page.goto(`/t/${slug}/admin/settings`);
  }

  async open(slug: string): Promise<void> {
    await this.goto(slug);
    await waitForHydration(this.page);
  }

  async save(): Promise<void> {
    await this.saveButton.click();
  }
}
