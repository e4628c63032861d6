import { test as base, expect, type Page } from '@playwright/test';

export const DEMO_PASSWORD = 'correct horse battery staple';

/** Waits until the WebAssembly has hydrated the page (App sets the marker). */
export async function hydrated(page: Page) {
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
}

/** The sign-in page. */
export class SignInPage {
  constructor(private readonly page: Page) {}

  async open(next?: string) {
    const query = next ? `?next=${encodeURIComponent(next)}` : '';
    await this.page.goto(`/signin${query}`);
    await hydrated(this.page);
  }

  async signIn(upn: string, password: string) {
    await this.page.getByLabel('User name').fill(upn);
    await this.page.getByLabel('Password').fill(password);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
  }

  error() {
    return this.page.getByRole('alert');
  }
}

/** The admin portal's Users page. */
export class UsersPage {
  constructor(private readonly page: Page) {}

  heading() {
    return this.page.getByRole('heading', { name: 'Users' });
  }

  row(upn: string) {
    return this.page.locator(`tr[data-upn="${upn}"]`);
  }
}

export const test = base.extend<{ signInPage: SignInPage; usersPage: UsersPage }>({
  signInPage: async ({ page }, use) => use(new SignInPage(page)),
  usersPage: async ({ page }, use) => use(new UsersPage(page)),
});

export { expect };

/** The text part of the newest mail to `to` whose subject contains `subject`, read at /dev/mail. */
export async function readMail(page: Page, to: string, subject: string): Promise<string> {
  await page.goto('/dev/mail');
  const mail = page.locator(`article.mail[data-to="${to}"]`).filter({ hasText: subject }).first();
  await expect(mail).toBeVisible();
  return (await mail.locator('pre.mail-text').textContent()) ?? '';
}

/** The 8-digit code in the newest code mail to `to`. */
export async function readCode(page: Page, to: string): Promise<string> {
  const text = await readMail(page, to, 'verification code');
  const match = text.match(/code is (\d{8})/);
  expect(match, text).not.toBeNull();
  return match![1];
}
