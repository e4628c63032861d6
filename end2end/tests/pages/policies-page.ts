import type { Locator, Page } from '@playwright/test';
import { waitForHydration } from './hydration';

/** `/t/{slug}/admin/policies`: the tenant's policies, and one form to make or edit one. */
export class PoliciesPage {
  readonly heading: Locator;
  /** "New policy" or "Edit policy". */
  readonly formHeading: Locator;
  /** On a free tenant: "MFA policies need the premium plan…". */
  readonly premiumNotice: Locator;
  /** "No policies yet." */
  readonly empty: Locator;
  readonly name: Locator;
  readonly state: Locator;
  readonly freshness: Locator;
  readonly requireMfa: Locator;
  /** "Saved." after a save. */
  readonly saved: Locator;
  /** A refusal shown in the form. */
  readonly error: Locator;
  private readonly saveButton: Locator;

  constructor(private readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'Policies', exact: true });
    this.formHeading = page.locator('#policy-form-heading');
    this.premiumNotice = page.locator('#premium-required');
    this.empty = page.locator('#no-policies');
    this.name = page.locator('input#policy-name');
    this.state = page.locator('select#policy-state');
    this.freshness = page.locator('input#policy-freshness');
    this.requireMfa = page.locator('input#policy-require-mfa');
    this.saved = page.locator('#policy-saved');
    this.error = page.locator('form.policy p.field-error[role="alert"]');
    this.saveButton = page.getByRole('button', { name: 'Save policy' });
  }

  async open(slug: string): Promise<void> {
    await this.page.goto(`/t/${slug}/admin/policies`);
    await waitForHydration(this.page);
  }

  /** Who the policy includes: 'all', 'guests', 'members' or 'listed'. */
  async include(who: 'all' | 'guests' | 'members' | 'listed'): Promise<void> {
    await this.page.locator(`input#include-${who}`).check();
  }

  async save(): Promise<void> {
    await this.saveButton.click();
  }

  /** The table row of the policy named `name`. */
  row(name: string): Locator {
    return this.page.locator(`tr[data-policy="${name}"]`);
  }
}
