import type { Locator, Page } from '@playwright/test';
import { waitForHydration } from './hydration';

/** `/signin`: a member signs in with user name and password. */
export class SignInPage {
  /** The form's error, about a field or the whole sign-in. */
  readonly error: Locator;
  private readonly userName: Locator;
  private readonly password: Locator;
  private readonly submit: Locator;

  constructor(private readonly page: Page) {
    this.error = page.getByRole('alert');
    this.userName = page.getByLabel('User name');
    this.password = page.getByLabel('Password');
    this.submit = page.getByRole('button', { name: 'Sign in' });
  }

  /** Opens the page; `next` is where a successful sign-in goes on to. */
  async open(next?: string): Promise<void> {
    const query = next === undefined ? '' : `?next=${encodeURIComponent(next)}`;
    await this.page.goto(`/signin${query}`);
    await waitForHydration(this.page);
  }

  async signIn(upn: string, password: string): Promise<void> {
    await waitForHydration(this.page);
    await this.submitForm(upn, password);
  }

  /** Fills in and submits the form as it is — also in a browser that runs no scripts. */
  async submitForm(upn: string, password: string): Promise<void> {
    await this.userName.fill(upn);
    await this.password.fill(password);
    await this.submit.click();
  }
}
