import type { Locator, Page } from '@playwright/test';

/** The page shown instead of one that is denied, missing or failed. */
export class ErrorPage {
  /** "Access denied", "Not found", … */
  readonly heading: Locator;

  constructor(page: Page) {
    this.heading = page.locator('.error-page').getByRole('heading', { level: 1 });
  }
}
