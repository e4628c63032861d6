import type { Locator, Page } from '@playwright/test';
import { waitForHydration } from './hydration';

/** `/`: what Gatehouse is, and in demo mode the accounts to walk the story with. */
export class HomePage {
  /** The "Walk the demo" card: the demo accounts and their password. */
  readonly demo: Locator;

  constructor(private readonly page: Page) {
    this.demo = page.locator('#demo');
  }

  async open(): Promise<void> {
    await this.page.goto('/');
    await waitForHydration(this.page);
  }
}
