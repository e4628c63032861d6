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

/** Creates a new admin of tenant `slug` (whose domain is `${slug}.test`). */
export async function createAdmin(slug: string): Promise<Account> {
  const id = randomBytes(4).toString('hex');
  const account: Account = {
    upn: `admin-${id}@${slug}.test`,
    name: `Admin ${id}`,
    password: `password for admin ${id}`,
  };
  const args = [
    'user', 'create',
    '--database-url', env('GATEHOUSE_E2E_DATABASE_URL'),
    '--tenant', slug,
    '--upn', account.upn,
    '--name', account.name,
    '--admin',
    '--password-stdin',
  ];
  await new Promise<void>((resolve, reject) => {
    const child = execFile(env('GATEHOUSE_E2E_BINARY'), args, { cwd: env('GATEHOUSE_E2E_ROOT') }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`gatehouse user create ${account.upn} failed: ${error.message}\n${stderr}`));
      else resolve();
    });
    child.stdin?.end(`${account.password}\n`);
  });
  return account;
}
