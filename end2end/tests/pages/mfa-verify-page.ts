import type { Locator, Page } from '@playwright/test';
import { waitForHydration } from './hydration';

/**
 * `/mfa/verify?tenant=…&next=…`: the MFA challenge with a tenant, passed
 * with a passkey or security key, a code from the authenticator app, or a
 * recovery code.
 */
export class MfaVerifyPage {
  /** "Verify your identity for Woodgrove". */
  readonly heading: Locator;
  /** The UPN being verified. */
  readonly upn: Locator;
  /** A refused app code. */
  readonly codeError: Locator;
  /** A refused recovery code. */
  readonly recoveryCodeError: Locator;
  /** A refused passkey or security key. */
  readonly passkeyError: Locator;
  /** "Use your security key or passkey", shown to someone who has one. */
  readonly passkeyButton: Locator;
  /** The authenticator-app form, shown to someone who has an app. */
  readonly codeForm: Locator;
  private readonly code: Locator;
  private readonly verifyButton: Locator;
  private readonly recovery: Locator;
  private readonly recoveryCode: Locator;
  private readonly useRecoveryCodeButton: Locator;

  constructor(private readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1 });
    this.upn = page.locator('strong#mfa-upn');
    this.code = page.locator('input#mfa-code');
    this.verifyButton = page.getByRole('button', { name: 'Verify' });
    this.codeError = page.locator('form', { has: this.code }).locator('p.field-error[role="alert"]');
    this.recovery = page.locator('details', { has: page.getByText('Use a recovery code') });
    this.recoveryCode = this.recovery.locator('input#recovery-code');
    this.useRecoveryCodeButton = this.recovery.getByRole('button', { name: 'Use this code' });
    this.recoveryCodeError = this.recovery.locator('p.field-error[role="alert"]');
    this.passkeyButton = page.getByRole('button', { name: 'Use your security key or passkey' });
    this.passkeyError = page.locator('.passkey-challenge p.field-error[role="alert"]');
    this.codeForm = page.locator('form', { has: this.code });
  }

  /** Answers with the passkey or security key (the browser asks it). */
  async usePasskey(): Promise<void> {
    await waitForHydration(this.page);
    await this.passkeyButton.click();
  }

  /** Opens the challenge of tenant `slug`; `next` is where passing goes on to. */
  async open(slug: string, next?: string): Promise<void> {
    const query = next === undefined ? '' : `&next=${encodeURIComponent(next)}`;
    await this.page.goto(`/mfa/verify?tenant=${slug}${query}`);
    await waitForHydration(this.page);
  }

  /** Types `code` from the authenticator app and verifies. */
  async verify(code: string): Promise<void> {
    await waitForHydration(this.page);
    await this.submitCode(code);
  }

  /** Types `code` and submits the form as it is — also in a browser that runs no scripts. */
  async submitCode(code: string): Promise<void> {
    await this.code.fill(code);
    await this.verifyButton.click();
  }

  /** Opens "Use a recovery code" (if it is closed) and uses `code`. */
  async useRecoveryCode(code: string): Promise<void> {
    await waitForHydration(this.page);
    if (!(await this.recoveryCode.isVisible())) {
      await this.recovery.getByText('Use a recovery code').click();
    }
    await this.recoveryCode.fill(code);
    await this.useRecoveryCodeButton.click();
  }
}
