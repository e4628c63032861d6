import { expect, type Locator, type Page } from '@playwright/test';
import { waitForHydration } from './hydration';

/** What the admin types into the New application form. */
export interface NewApplication {
  name: string;
  /** One a line in the form. */
  redirectUris: string[];
  /** A public client (PKCE, no secret); confidential when left out. */
  publicClient?: boolean;
  assignmentRequired?: boolean;
}

/** What the page shows once, right after registering. */
export interface Credentials {
  clientId: string;
  /** A confidential client's secret; shown only this once. */
  clientSecret?: string;
}

/** `/t/{slug}/admin/applications`: the tenant's applications and the New application form. */
export class ApplicationsPage {
  readonly heading: Locator;
  /** The notice with the new application's client id and secret. */
  readonly credentials: Locator;
  /** Every secret on the page. */
  readonly secrets: Locator;
  private readonly name: Locator;
  private readonly redirectUris: Locator;
  private readonly publicClient: Locator;
  private readonly assignmentRequired: Locator;
  private readonly registerButton: Locator;

  constructor(private readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'Applications', exact: true });
    this.credentials = page.locator('#new-application');
    this.secrets = page.locator('code.client-secret');
    this.name = page.getByLabel('Name', { exact: true });
    this.redirectUris = page.getByLabel(/^Redirect URIs/);
    this.publicClient = page.getByLabel(/Public client/);
    this.assignmentRequired = page.getByLabel('Only assigned users may sign in');
    this.registerButton = page.getByRole('button', { name: 'Register application' });
  }

  async open(slug: string): Promise<void> {
    await this.page.goto(`/t/${slug}/admin/applications`);
    await waitForHydration(this.page);
  }

  /** Registers an application and reads what the page shows once. */
  async register(application: NewApplication): Promise<Credentials> {
    await waitForHydration(this.page);
    await this.name.fill(application.name);
    await this.redirectUris.fill(application.redirectUris.join('\n'));
    await this.publicClient.setChecked(application.publicClient ?? false);
    await this.assignmentRequired.setChecked(application.assignmentRequired ?? false);
    await this.registerButton.click();
    await expect(this.credentials).toBeVisible();
    await expect(this.row(application.name).root).toBeVisible();
    const clientId = await this.credentials.locator('code.client-id').innerText();
    const secret = this.credentials.locator('code.client-secret');
    const clientSecret = (await secret.count()) === 0 ? undefined : await secret.innerText();
    return { clientId, clientSecret };
  }

  /** The row of the application named `name`. */
  row(name: string): ApplicationRow {
    return new ApplicationRow(this.page.locator(`tr[data-application="${name}"]`));
  }

  /** Opens the application named `name` from its row. */
  async openApplication(name: string): Promise<ApplicationPage> {
    await this.row(name).name.getByRole('link').click();
    const application = new ApplicationPage(this.page);
    await expect(application.heading).toHaveText(name);
    await waitForHydration(this.page);
    return application;
  }
}

/** One application of the Applications table, a cell per column. */
export class ApplicationRow {
  readonly name: Locator;
  readonly clientId: Locator;
  /** "Confidential" or "Public". */
  readonly type: Locator;
  /** How many redirect URIs it has. */
  readonly redirectUris: Locator;
  /** "Yes" or "No". */
  readonly assignmentRequired: Locator;

  constructor(readonly root: Locator) {
    const cells = root.getByRole('cell');
    this.name = cells.nth(0);
    this.clientId = cells.nth(1);
    this.type = cells.nth(2);
    this.redirectUris = cells.nth(3);
    this.assignmentRequired = cells.nth(4);
  }
}

/** `/t/{slug}/admin/applications/{id}`: one application's settings, users, secret. */
export class ApplicationPage {
  readonly heading: Locator;
  readonly clientId: Locator;
  /** The redirect URIs, one a line. */
  readonly redirectUris: Locator;
  /** The message under the redirect URIs when they were refused. */
  readonly redirectUrisError: Locator;
  /** "Saved." after a save. */
  readonly saved: Locator;
  private readonly saveButton: Locator;

  constructor(private readonly page: Page) {
    this.heading = page.locator('h1#application-name');
    this.clientId = page.locator('code#client-id');
    this.redirectUris = page.getByLabel(/^Redirect URIs/);
    this.redirectUrisError = page.locator('#app-redirect-uris + p.field-error');
    this.saved = page.locator('#application-saved');
    this.saveButton = page.getByRole('button', { name: 'Save', exact: true });
  }

  /** Replaces the redirect URIs and saves the settings form. */
  async saveRedirectUris(uris: string[]): Promise<void> {
    await this.redirectUris.fill(uris.join('\n'));
    await this.saveButton.click();
  }
}
