import { expect, type Download, type Locator, type Page, type Response } from '@playwright/test';
import { waitForHydration } from './hydration';

/** The audit log's filters, as its form and URL name them; left out means any. */
export interface AuditFilters {
  /** Who acted, exactly as the log names them (`admin@woodgrove.test`). */
  actor?: string;
  /** What was acted on, exactly as the log names it. */
  target?: string;
  /** An audit name: `signin`, `mfa.challenge_passed`, `policy.update`, … */
  action?: string;
  outcome?: 'success' | 'failure';
  /** A day, `YYYY-MM-DD` (UTC). */
  from?: string;
  /** A day, `YYYY-MM-DD` (UTC), included. */
  to?: string;
}

/**
 * `/t/{slug}/admin/audit`: the tenant's audit log, newest first, 50 a page.
 * The filters are a plain GET form, so they live in the URL.
 */
export class AuditPage {
  readonly heading: Locator;
  /** The events table (its caption is "Audit events"). */
  readonly table: Locator;
  /** Every event row shown, newest first. */
  readonly rows: Locator;
  readonly actor: Locator;
  readonly target: Locator;
  /** A select of every audit action, "Any action" first. */
  readonly action: Locator;
  /** A select: "Any outcome", "Success", "Failure". */
  readonly outcome: Locator;
  readonly from: Locator;
  readonly to: Locator;
  readonly filterButton: Locator;
  readonly clearFilters: Locator;
  /** Downloads every event the current filters match, as CSV. */
  readonly exportLink: Locator;
  /** The next (older) page, when there is one. */
  readonly olderEvents: Locator;
  readonly newestEvents: Locator;
  /** "No events match these filters." */
  readonly empty: Locator;
  /** A refused filter's message, under its field. */
  readonly fieldErrors: Locator;

  constructor(private readonly page: Page) {
    this.heading = page.getByRole('heading', { name: 'Audit log' });
    this.table = page.getByRole('table', { name: 'Audit events' });
    this.rows = this.table.locator('tbody tr');
    const form = page.getByRole('search', { name: 'Filter the audit log' });
    this.actor = form.getByLabel('Actor');
    this.target = form.getByLabel('Target');
    this.action = form.getByLabel('Action');
    this.outcome = form.getByLabel('Outcome');
    this.from = form.getByLabel('From (UTC)');
    this.to = form.getByLabel('To (UTC, inclusive)');
    this.filterButton = form.getByRole('button', { name: 'Filter' });
    this.clearFilters = form.getByRole('link', { name: 'Clear filters' });
    this.exportLink = page.getByRole('link', { name: 'Export CSV' });
    this.olderEvents = page.getByRole('link', { name: 'Older events' });
    this.newestEvents = page.getByRole('link', { name: 'Newest events' });
    this.empty = page.getByText('No events match these filters.');
    this.fieldErrors = form.locator('.field-error');
  }

  /** Opens tenant `slug`'s log with `filters` in the URL; the response says whether it was allowed. */
  async open(slug: string, filters: AuditFilters = {}): Promise<Response | null> {
    const query = new URLSearchParams(
      Object.entries(filters).filter((entry): entry is [string, string] => entry[1] !== undefined),
    ).toString();
    const response = await this.page.goto(`/t/${slug}/admin/audit${query ? `?${query}` : ''}`);
    await waitForHydration(this.page);
    return response;
  }

  /** Fills the form with `filters` (clearing the others) and submits it. */
  async filter(filters: AuditFilters): Promise<void> {
    await this.actor.fill(filters.actor ?? '');
    await this.target.fill(filters.target ?? '');
    await this.action.selectOption(filters.action ?? '');
    await this.outcome.selectOption(filters.outcome ?? '');
    await this.from.fill(filters.from ?? '');
    await this.to.fill(filters.to ?? '');
    await Promise.all([this.page.waitForURL(/\/admin\/audit\?/), this.filterButton.click()]);
    await waitForHydration(this.page);
  }

  /** Clicks *Export CSV*; the downloaded file. */
  async exportCsv(): Promise<Download> {
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.exportLink.click()]);
    return download;
  }

  /** Clicks *Export CSV*; the downloaded file's text. */
  async exportCsvText(): Promise<string> {
    const download = await this.exportCsv();
    const stream = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.from(chunk));
    return Buffer.concat(chunks).toString('utf8');
  }

  /** The shown events of `action` (an audit name), optionally by `actor` or on `target`, newest first. */
  events(match: { action: string; actor?: string; target?: string }): Locator {
    let rows = this.rows.filter({ has: this.page.getByRole('cell', { name: match.action, exact: true }) });
    if (match.actor !== undefined) {
      rows = rows.filter({ has: this.page.getByRole('cell', { name: match.actor, exact: true }) });
    }
    if (match.target !== undefined) {
      rows = rows.filter({ has: this.page.getByRole('cell', { name: match.target, exact: true }) });
    }
    return rows;
  }

  /** The newest shown event of `action` (see {@link events}). */
  event(match: { action: string; actor?: string; target?: string }): AuditRow {
    return new AuditRow(this.events(match).first());
  }

  /** Waits until the log shows an event of `action` by `actor` on `target`. */
  async expectEvent(match: { action: string; actor?: string; target?: string; outcome?: 'success' | 'failure' }): Promise<void> {
    const row = this.event(match);
    await expect(row.root).toBeVisible();
    if (match.outcome !== undefined) await expect(row.outcome).toHaveText(match.outcome);
  }
}

/** One event of the audit log table, a cell per column. */
export class AuditRow {
  /** `YYYY-MM-DD HH:MM:SS UTC`, in a `<time datetime>`. */
  readonly time: Locator;
  readonly actor: Locator;
  readonly action: Locator;
  readonly target: Locator;
  /** "success" or "failure". */
  readonly outcome: Locator;
  readonly ip: Locator;
  /** The event's facts as compact JSON (empty when none). */
  readonly detail: Locator;

  constructor(readonly root: Locator) {
    const cells = root.getByRole('cell');
    this.time = cells.nth(0);
    this.actor = cells.nth(1);
    this.action = cells.nth(2);
    this.target = cells.nth(3);
    this.outcome = cells.nth(4);
    this.ip = cells.nth(5);
    this.detail = cells.nth(6);
  }
}
