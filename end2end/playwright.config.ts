import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';

// Gatehouse under test: the release build that `make e2e` makes (what
// `make run` serves; GATEHOUSE_E2E_BINARY names another build, relative to
// the repository's root), started on its own port with a fresh database in
// a new temporary folder, the demo data seeded. WebAuthn needs `localhost`
// (not 127.0.0.1) as RP ID, so the browser and the public URL both use it.
const port = Number(process.env.GATEHOUSE_E2E_PORT ?? 3100);
const baseURL = `http://localhost:${port}`;

// Tests make accounts of their own with the CLI on the server's database,
// so the folder is made here and the binary, the root (the CLI's working
// directory) and the database URL reach them through the environment. The
// workers load this file again with the runner's environment: they find
// the folder made and make none.
process.env.GATEHOUSE_E2E_BINARY ??= './target/release/gatehouse';
process.env.GATEHOUSE_E2E_ROOT = path.resolve(__dirname, '..');
if (process.env.GATEHOUSE_E2E_DIR === undefined) {
  const made = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-e2e-'));
  process.env.GATEHOUSE_E2E_DIR = made;
  process.on('exit', () => fs.rmSync(made, { recursive: true, force: true }));
}
const binary = process.env.GATEHOUSE_E2E_BINARY;
const dir = process.env.GATEHOUSE_E2E_DIR;
process.env.GATEHOUSE_E2E_DATABASE_URL = `sqlite:${dir}/gatehouse.db`;

export default defineConfig({
  testDir: './tests',
  fullyParallel: true,
  workers: 2,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [['list']],
  // Bounds, not pacing: every wait is on something the page shows. Since the
  // pages are server-rendered with islands, a story is a dozen full page
  // loads; on two cores with Chromium, Node and the server all busy, the
  // longest stories (two browsers, OIDC, passkeys) took up to 33 s and a
  // page up to several seconds to show its answer.
  timeout: 60_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      // This machine has no outside network: keep Chromium from trying.
      args: [
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: {
    command:
      `exec ${binary} serve --addr 127.0.0.1:${port} ` +
      `--public-url ${baseURL} --database-url "${process.env.GATEHOUSE_E2E_DATABASE_URL}" ` +
      `--secret-key-file "${dir}/secret.key" --site-root target/site --demo --log ${process.env.GATEHOUSE_E2E_LOG ?? "warn"}`,
    cwd: '..',
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
