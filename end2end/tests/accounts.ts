// Accounts made for one test, through the CLI on the e2e server's database
// (playwright.config.ts puts its URL, the binary and the repository root in
// the environment). Tests that run in parallel against one server each get
// their own admin: an authenticator app's steps cannot be shared safely.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** A member account that a test made, with what it signs in with. */
export interface Account {
  upn: string;
  /** Display name, unique like the UPN. */
  name: string;
  password: string;
}

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set: playwright.config.ts sets it`);
  return value;
}

/** Runs the gatehouse CLI on the e2e server's database; `input` goes to stdin. */
async function gatehouse(args: string[], input?: string): Promise<string> {
  const all = [...args, '--database-url', env('GATEHOUSE_E2E_DATABASE_URL')];
  return new Promise<string>((resolve, reject) => {
    const child = execFile(env('GATEHOUSE_E2E_BINARY'), all, { cwd: env('GATEHOUSE_E2E_ROOT') }, (error, stdout, stderr) => {
      if (error) reject(new Error(`gatehouse ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
    // A command that reads no input may have exited before the write: the
    // broken pipe is no failure of its own (the exit status says).
    child.stdin?.on('error', () => {});
    child.stdin?.end(input ?? '');
  });
}

/** Creates a new member of tenant `slug` (whose domain is `${slug}.test`), an admin if `admin`. */
async function createMember(slug: string, admin: boolean): Promise<Account> {
  const id = randomBytes(4).toString('hex');
  const role = admin ? 'admin' : 'member';
  const account: Account = {
    upn: `${role}-${id}@${slug}.test`,
    name: `${admin ? 'Admin' : 'Member'} ${id}`,
    password: `password for ${role} ${id}`,
  };
  const args = ['user', 'create', '--tenant', slug, '--upn', account.upn, '--name', account.name, '--password-stdin'];
  await gatehouse(admin ? [...args, '--admin'] : args, `${account.password}\n`);
  return account;
}

/** Creates a new member of tenant `slug` who is not an admin. */
export async function createUser(slug: string): Promise<Account> {
  return createMember(slug, false);
}

/** An application registered for one test: its client id and, unless public, its secret. */
export interface Application {
  /** The object id (policies name applications by it). */
  id: string;
  clientId: string;
  clientSecret?: string;
}

/** Registers an application in tenant `slug` with `gatehouse app create`. */
export async function createApplication(
  slug: string,
  name: string,
  redirectUris: string[],
  options: { public?: boolean; requireMfa?: boolean } = {},
): Promise<Application> {
  const args = ['app', 'create', '--tenant', slug, '--name', name, '--format', 'json'];
  for (const uri of redirectUris) args.push('--redirect-uri', uri);
  if (options.public) args.push('--public');
  if (options.requireMfa) args.push('--require-mfa');
  const created = JSON.parse(await gatehouse(args));
  return { id: created.id, clientId: created.appId, clientSecret: created.clientSecret ?? undefined };
}

/** A REST API token of tenant `slug` (`gatehouse token create`). */
export async function apiToken(slug: string): Promise<string> {
  const lines = (await gatehouse(['token', 'create', '--tenant', slug])).trim().split('\n');
  return lines[lines.length - 1];
}

/** Invites `email` to tenant `slug` without e-mail; the redeem link's path and query. */
export async function inviteGuest(slug: string, email: string, redirect: string): Promise<string> {
  const printed = await gatehouse([
    'invite', '--tenant', slug, email, '--redirect', redirect, '--no-email',
    '--secret-key-file', `${env('GATEHOUSE_E2E_DIR')}/secret.key`,
  ]);
  const lines = printed.trim().split('\n');
  // The CLI writes the default public URL into the link: keep the path.
  const url = new URL(lines[lines.length - 1]);
  return `${url.pathname}${url.search}`;
}

/** Creates a new admin of tenant `slug` (whose domain is `${slug}.test`). */
export async function createAdmin(slug: string): Promise<Account> {
  return createMember(slug, true);
}

/** Creates a tenant of its own for one test: `sd-…`, named `Tenant sd-…`. */
export async function createTenant(): Promise<string> {
  const slug = `sd-${randomBytes(4).toString('hex')}`;
  await gatehouse(['tenant', 'create', '--slug', slug, '--name', `Tenant ${slug}`, '--domain', `${slug}.test`]);
  return slug;
}

/**
 * Creates a tenant of its own for one test, with security defaults on, and
 * a member of it: `gatehouse tenant create`, `tenant set`, `user create`.
 */
export async function memberUnderSecurityDefaults(): Promise<{ slug: string; member: Account }> {
  const slug = await createTenant();
  await gatehouse(['tenant', 'set', '--slug', slug, '--security-defaults', 'on']);
  return { slug, member: await createMember(slug, false) };
}

/** Puts tenant `slug` on the premium plan with `seats` seats: `gatehouse tenant set-plan`. */
export async function makePremium(slug: string, seats = 1): Promise<void> {
  await gatehouse(['tenant', 'set-plan', '--slug', slug, '--plan', 'premium', '--seats', String(seats)]);
}

/**
 * Moves every MFA that `upn`'s sessions passed `minutes` into the past, as
 * if that much time had gone by since: the server under test runs on the
 * real clock, and a browser test cannot wait ten minutes for a step-up to
 * fall due. Written straight into the database with Debian's `sqlite3`
 * (`make test` installs it); the server reads the row on its next request.
 */
export async function ageMfa(upn: string, minutes: number): Promise<void> {
  if (!/^[\w.#@-]+$/.test(upn)) throw new Error(`'${upn}' is not a UPN this helper quotes safely`);
  const file = env('GATEHOUSE_E2E_DATABASE_URL').replace(/^sqlite:/, '');
  const sql =
    `UPDATE session_mfa SET mfa_at = mfa_at - ${Math.round(minutes * 60)} ` +
    `WHERE session_id_hash IN (SELECT s.id_hash FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.user_principal_name = '${upn}');` +
    'SELECT changes();';
  const changed = await new Promise<string>((resolve, reject) => {
    execFile('sqlite3', ['-cmd', '.timeout 5000', file, sql], (error, stdout, stderr) => {
      if (error) reject(new Error(`sqlite3 failed: ${error.message}\n${stderr}`));
      else resolve(stdout.trim());
    });
  });
  if (Number(changed) < 1) throw new Error(`no MFA of ${upn} to age`);
}
