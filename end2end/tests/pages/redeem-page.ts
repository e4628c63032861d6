import { expect, type Locator, type Page } from '@playwright/test';
import { waitForHydration } from './hydration';

/** A redeem link, as an invitation mail or the Invitations page gives it. */
export const REDEEM_URL = /^https?:\/\/\S+\/redeem\?ticket=[\w-]+$/;

/** What a new guest types to create a personal account. */
export interface PersonalAccount {
  /** The verification code mailed to the invited address. */
  code: string;
  name: string;
  password: string;
}

/**
 * `/redeem?ticket=…`: who invited you to what; sign in (at home, with a new
 * personal account or with a one-time passcode); review and accept.
 */
export class RedeemPage {
  /** "Woodgrove Admin invited you to access applications within Woodgrove". */
  readonly heading: Locator;
  /** Shown when the signed-in identity is not the invited one. */
  readonly wrongIdentity: Locator;
  /** The consent step: what the tenant will see. */
  readonly consent: Locator;
  readonly reviewPermissions: Locator;
  readonly acceptButton: Locator;
  private readonly card: Locator;
  private readonly createAccount: Locator;
  private readonly oneTimePasscode: Locator;

  constructor(private readonly page: Page) {
    this.card = page.locator('section.redeem');
    this.heading = this.card.getByRole('heading', { level: 1 });
    this.wrongIdentity = page.locator('#wrong-identity');
    this.consent = page.locator('#consent');
    this.reviewPermissions = this.consent.getByRole('heading', { name: 'Review permissions' });
    this.acceptButton = page.getByRole('button', { name: 'Accept' });
    this.createAccount = page.locator('#create-account');
    this.oneTimePasscode = page.locator('#one-time-passcode');
  }

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await waitForHydration(this.page);
  }

  /** A sentence the invitation card shows. */
  says(text: string): Locator {
    return this.card.getByText(text);
  }

  /** Follows "Sign in with {tenant}" to the home tenant's sign-in page. */
  async signInAtHome(tenant: string): Promise<void> {
    await waitForHydration(this.page);
    await this.card.getByRole('link', { name: `Sign in with ${tenant}` }).click();
  }

  /** Asks for a verification code to `email` and waits until the page says it was sent. */
  async sendVerificationCode(email: string): Promise<void> {
    await waitForHydration(this.page);
    await this.createAccount.getByRole('button', { name: `Send a verification code to ${email}` }).click();
    await expect(this.createAccount.getByText('We sent a code to your address')).toBeVisible();
  }

  async createPersonalAccount({ code, name, password }: PersonalAccount): Promise<void> {
    await this.createAccount.getByLabel('Verification code').fill(code);
    await this.createAccount.getByLabel('Your name').fill(name);
    await this.createAccount.getByLabel('Choose a password').fill(password);
    await this.createAccount.getByRole('button', { name: 'Create account' }).click();
  }

  /** Asks for a one-time passcode to `email` and waits until the page says it was sent. */
  async sendPasscode(email: string): Promise<void> {
    await waitForHydration(this.page);
    await this.oneTimePasscode.getByRole('button', { name: `E-mail a passcode to ${email}` }).click();
    await expect(this.oneTimePasscode.getByText('We sent an 8-digit passcode')).toBeVisible();
  }

  async signInWithPasscode(code: string): Promise<void> {
    await this.oneTimePasscode.getByLabel('Passcode').fill(code);
    await this.oneTimePasscode.getByRole('button', { name: 'Sign in' }).click();
  }

  /** Accepts on the consent step. */
  async accept(): Promise<void> {
    await waitForHydration(this.page);
    await this.acceptButton.click();
  }
}
