// The test object every spec imports: page objects on `page` as fixtures,
// a `guest` who browses in a context of their own, the outbox, and admins
// of Woodgrove made for the test alone.

import { test as base, expect, type Page } from '@playwright/test';
import { createAdmin, type Account } from './accounts';
import { ErrorPage } from './pages/error-page';
import { HomePage } from './pages/home-page';
import { InvitationsPage } from './pages/invitations-page';
import { MfaSetupPage, type ProofUp } from './pages/mfa-setup-page';
import { mfaStep } from './pages/mfa-step';
import { MfaVerifyPage } from './pages/mfa-verify-page';
import { MyAppsPage } from './pages/my-apps-page';
import { Outbox } from './pages/outbox';
import { SecurityInfoPage } from './pages/security-info-page';
import { SignInPage } from './pages/sign-in-page';
import { TopBar } from './pages/top-bar';
import { UsersPage } from './pages/users-page';

/** Every demo account's password (the server under test runs with `--demo`). */
export const DEMO_PASSWORD = 'correct horse battery staple';

/** Where a Woodgrove admin lands after signing in. */
export const WOODGROVE_USERS = '/t/woodgrove/admin/users';

/** An admin made for one test, signed in on `page` and past the MFA step. */
export interface SignedInAdmin extends Account, ProofUp {
  page: Page;
}

type Fixtures = {
  homePage: HomePage;
  topBar: TopBar;
  signInPage: SignInPage;
  myAppsPage: MyAppsPage;
  usersPage: UsersPage;
  invitationsPage: InvitationsPage;
  errorPage: ErrorPage;
  mfaSetupPage: MfaSetupPage;
  mfaVerifyPage: MfaVerifyPage;
  securityInfoPage: SecurityInfoPage;
  /** A new admin of Woodgrove, made for this test and not signed in. */
  newAdmin: Account;
  /**
   * A new admin of Woodgrove, signed in on `page`, who has set up an
   * authenticator app (proof-up) and is on the Users page.
   */
  admin: SignedInAdmin;
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
  mfaSetupPage: async ({ page }, use) => use(new MfaSetupPage(page)),
  mfaVerifyPage: async ({ page }, use) => use(new MfaVerifyPage(page)),
  securityInfoPage: async ({ page }, use) => use(new SecurityInfoPage(page)),
  newAdmin: async ({}, use) => use(await createAdmin('woodgrove')),
  admin: async ({ page, newAdmin, signInPage, mfaSetupPage, usersPage }, use) => {
    await signInPage.open();
    await signInPage.signIn(newAdmin.upn, newAdmin.password);
    await expect(page).toHaveURL(mfaStep('setup', 'woodgrove', WOODGROVE_USERS));
    const proofUp = await mfaSetupPage.proofUp();
    await mfaSetupPage.continue();
    await expect(page).toHaveURL(WOODGROVE_USERS);
    await expect(usersPage.heading).toBeVisible();
    await use({ ...newAdmin, ...proofUp, page });
  },
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
export { MfaVerifyPage, MyAppsPage, SignInPage, mfaStep };
export { RedeemPage, REDEEM_URL } from './pages/redeem-page';
