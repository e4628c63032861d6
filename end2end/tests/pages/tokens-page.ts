import type { Locator, Page } from '@playwright/test';
import { waitForHydration } from './hydration';

/** `/t/{slug}/admin/tokens`: the tenant's REST API tokens. */
export class TokensPage {
  readonly heading: Locator;
  /** "Create token": waits for the page's WASM, as the token is shown once. */
  readonly createButton: Locator;
  /** The new token, shown once under the form. */
  readonly newToken: Locator;
  private readonly name: Locator;

  constructor(private readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'API tokens', level: 1 });
    this.name = page.locator('input#token-name');
    this.createButton = page.getByRole('button', { name: 'Create token' });
    this.newToken = page.locator('#new-token code.token');
  }

  /** Opens the page without waiting for the WASM (a browser may run no scripts). */
  async goto(slug: string): Promise<void> {
    await this.page.goto(`/t/${slug}/admin/tokens`);
  }

  async open(slug: string): Promise<void> {
    await this.goto(slug);
    await waitForHydration(this.page);
  }

  async create(name: string): Promise<void> {
    await this.name.fill(name);
    await this.createButton.click();
  }

  /** The table row of the token named `name`. */
  row(name: string) {
    const row = this.page.locator(`tr[data-token="${name}"]`);
    return {
      lastUsed: row.locator('td').nth(3),
      state: row.locator('td').nth(4),
      revoke: row.getByRole('button', { name: 'Revoke' }),
    };
  }
}
