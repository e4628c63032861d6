import { expect, type Locator, type Page } from '@playwright/test';
import { Totp } from '../totp';
import { waitForHydration } from './hydration';

/** What a finished proof-up leaves the person with. */
export interface ProofUp {
  /** The authenticator app, as the test's own: it computes the codes. */
  totp: Totp;
  /** The recovery codes, shown once. */
  recoveryCodes: string[];
}

/**
 * `/mfa/setup?tenant=…&next=…`: proof-up with a tenant. Name the
 * authenticator app, scan the QR code (or type the secret), confirm with a
 * code, keep the recovery codes, continue.
 */
export class MfaSetupPage {
  /** "Set up your sign-in method for Woodgrove". */
  readonly heading: Locator;
  /** The UPN the method is set up for. */
  readonly upn: Locator;
  /** The key URI as an inline SVG QR code. */
  readonly qrCode: Locator;
  /** The secret, base32 in groups of four. */
  readonly secret: Locator;
  /** A refused code or name. */
  readonly error: Locator;
  /** "Your sign-in method is set up." */
  readonly done: Locator;
  /** One item per recovery code. */
  readonly recoveryCodes: Locator;
  readonly downloadLink: Locator;
  /** Goes on to where the step was asked for. */
  readonly continueLink: Locator;
  private readonly methodName: Locator;
  private readonly showQrCodeButton: Locator;
  private readonly code: Locator;
  private readonly confirmButton: Locator;
  private readonly passkeyName: Locator;
  private readonly addPasskeyButton: Locator;

  constructor(private readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1 });
    this.upn = page.locator('strong#mfa-upn');
    this.methodName = page.locator('input#method-name');
    this.showQrCodeButton = page.getByRole('button', { name: 'Show the QR code' });
    this.qrCode = page.locator('div.qr svg');
    this.secret = page.locator('code#totp-secret');
    this.code = page.locator('input#totp-code');
    this.confirmButton = page.getByRole('button', { name: 'Confirm' });
    this.error = page.locator('p.field-error[role="alert"]');
    this.done = page.locator('#mfa-done');
    this.recoveryCodes = page.locator('ol#recovery-codes li code');
    this.downloadLink = page.getByRole('link', { name: 'Download as text' });
    this.continueLink = page.locator('a#mfa-continue');
    this.passkeyName = page.locator('input#passkey-name');
    this.addPasskeyButton = page.getByRole('button', { name: 'Add a passkey or security key' });
  }

  /**
   * Adds a passkey or security key named `name`: the browser asks the
   * authenticator (in the tests, Chromium's virtual one).
   */
  async addPasskey(name: string): Promise<void> {
    await waitForHydration(this.page);
    await this.passkeyName.fill(name);
    await this.addPasskeyButton.click();
  }

  /** Opens proof-up with tenant `slug`; `next` is where it continues to. */
  async open(slug: string, next?: string): Promise<void> {
    const query = next === undefined ? '' : `&next=${encodeURIComponent(next)}`;
    await this.page.goto(`/mfa/setup?tenant=${slug}${query}`);
    await waitForHydration(this.page);
  }

  /**
   * Asks for the QR code (naming the app `name`, or keeping the name the
   * form suggests) and reads the secret shown beside it.
   */
  async showQrCode(name?: string): Promise<Totp> {
    await waitForHydration(this.page);
    if (name !== undefined) await this.methodName.fill(name);
    await this.showQrCodeButton.click();
    await expect(this.qrCode).toBeVisible();
    await expect(this.secret).toHaveText(/^([A-Z2-7]{4} )*[A-Z2-7]{1,4}$/);
    return new Totp(await this.secret.innerText());
  }

  /** Types `code` from the app and confirms. */
  async confirm(code: string): Promise<void> {
    await this.code.fill(code);
    await this.confirmButton.click();
  }

  /** The whole step: the QR code, a right code, and the recovery codes it brings. */
  async proofUp(): Promise<ProofUp> {
    const totp = await this.showQrCode();
    await this.confirm(totp.next());
    await expect(this.done).toBeVisible();
    return { totp, recoveryCodes: await this.recoveryCodes.allInnerTexts() };
  }

  /** Follows "Continue". */
  async continue(): Promise<void> {
    await this.continueLink.click();
  }
}
