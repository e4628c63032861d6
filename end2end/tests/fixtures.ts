// The test object every spec imports: page objects on `page` as fixtures,
// a `guest` who browses in a context of their own, and the outbox.

import { test as base, expect, type Page } from '@playwright/test';
import { ErrorPage } from './pages/error-page';
import { HomePage } from './pages/home-page';
import { InvitationsPage } from './pages/invitations-page';
import { MyAppsPage } from './pages/my-apps-page';
import { Outbox } from './pages/outbox';
import { SignInPage } from './pages/sign-in-page';
import { TopBar } from './pages/top-bar';
import { UsersPage } from './pages/users-page';

/** Every demo account's password (the server under test runs with `--demo`). */
export const DEMO_PASSWORD = 'correct horse battery staple';

type Fixtures = {
  homePage: HomePage;
  topBar: TopBar;
  signInPage: SignInPage;
  myAppsPage: MyAppsPage;
  usersPage: UsersPage;
  invitationsPage: InvitationsPage;
  errorPage: ErrorPage;
  /**
   * Someone other than the person on `page`: a page in a browser context of
   * its own (no cookies shared), closed after the test.
   */
  guest: Page;
  /** The outbox, read in a browser context of its own, as a mail client would. */
  outbox: Outbox;
};

export const test = base.extend<Fixtures>({
  homePage: async ({ page }, use) => use(new HomePage(page)),
  topBar: async ({ page }, use) => use(new TopBar(page)),
  signInPage: async ({ page }, use) => use(new SignInPage(page)),
  myAppsPage: async ({ page }, use) => use(new MyAppsPage(page)),
  usersPage: async ({ page }, use) => use(new UsersPage(page)),
  invitationsPage: async ({ page }, use) => use(new InvitationsPage(page)),
  errorPage: async ({ page }, use) => use(new ErrorPage(page)),
  guest: async ({ browser }, use) => {
    const context = await browser.newContext();
    await use(await context.newPage());
    await context.close();
  },
  outbox: async ({ browser }, use) => {
    const context = await browser.newContext();
    await use(new Outbox(await context.newPage()));
    await context.close();
  },
});

export { expect };
export type { Page };
export { MyAppsPage, SignInPage };
export { RedeemPage, REDEEM_URL } from './pages/redeem-page';
