import { expect, type Locator, type Page } from '@playwright/test';

/** `/dev/mail`: the outbox the demo server shows, newest first; how a test reads its mail. */
export class Outbox {
  constructor(private readonly page: Page) {}

  /** The newest mail to `to` whose subject contains `subject`, waiting for it to be written. */
  async newestMail(to: string, subject: string): Promise<Mail> {
    await this.page.goto('/dev/mail');
    const card = this.page
      .locator(`article.mail[data-to="${to}"]`)
      .filter({ has: this.page.locator('.mail-subject', { hasText: subject }) })
      .first();
    await expect(card).toBeVisible();
    return new Mail(card);
  }

  /** The 8-digit code in the newest verification-code mail to `to`. */
  async verificationCode(to: string): Promise<string> {
    const text = await (await this.newestMail(to, 'verification code')).text();
    const code = /code is (\d{8})/.exec(text)?.[1];
    assertPresent(code, `a verification code in the mail to ${to}:\n${text}`);
    return code;
  }
}

/** One mail of the outbox. */
export class Mail {
  private readonly textPart: Locator;

  constructor(card: Locator) {
    this.textPart = card.locator('pre.mail-text');
  }

  /** The plain-text part. */
  text(): Promise<string> {
    return this.textPart.innerText();
  }

  /** The address of the one link in the text part that `pattern` matches. */
  async link(pattern: RegExp): Promise<string> {
    const link = this.textPart.getByRole('link', { name: pattern });
    await expect(link).toBeVisible();
    const href = await link.getAttribute('href');
    assertPresent(href, 'the link has an address');
    expect(href).toMatch(pattern);
    return href;
  }
}

function assertPresent<T>(value: T, what: string): asserts value is NonNullable<T> {
  expect(value, what).toBeTruthy();
}
