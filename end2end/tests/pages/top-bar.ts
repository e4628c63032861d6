import { expect, type Locator, type Page } from '@playwright/test';
import { waitForHydration } from './hydration';

/** The bar at the top of every page: the product's name and who is signed in. */
export class TopBar {
  /** The signed-in person's display name. */
  readonly signedInName: Locator;
  /** Shown to nobody signed in. */
  readonly signInLink: Locator;
  /** The signed-in person's own methods and sessions. */
  readonly securityInfoLink: Locator;
  private readonly signOutButton: Locator;

  constructor(private readonly page: Page) {
    const bar = page.getByRole('banner');
    this.signedInName = bar.locator('.who-name');
    this.signInLink = bar.getByRole('link', { name: 'Sign in' });
    this.securityInfoLink = bar.getByRole('link', { name: 'Security info' });
    this.signOutButton = bar.getByRole('button', { name: 'Sign out' });
  }

  async signIn(): Promise<void> {
    await waitForHydration(this.page);
    await this.signInLink.click();
  }

  /**
   * Signs out and waits until the bar shows nobody signed in, so that the
   * next navigation does not cut the sign-out short.
   */
  async signOut(): Promise<void> {
    await waitForHydration(this.page);
    await this.signOutButton.click();
    await expect(this.signInLink).toBeVisible();
  }
}
