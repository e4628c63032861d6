import type { Locator, Page } from '@playwright/test';

/** `/myapps`: where a signed-in person starts; the organisations they belong to. */
export class MyAppsPage {
  readonly heading: Locator;
  /** One line per organisation: "Woodgrove — Guest". */
  readonly memberships: Locator;

  constructor(page: Page) {
    this.heading = page.getByRole('heading', { name: 'My Apps' });
    this.memberships = page.locator('.memberships');
  }
}
