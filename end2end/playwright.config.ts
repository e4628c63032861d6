import { defineConfig } from '@playwright/test';

// Gatehouse under test: the release build that `make e2e` makes (what
// `make run` serves; GATEHOUSE_E2E_BINARY names another build), started on
// its own port with a fresh database in a new temporary folder,
// the demo data seeded. WebAuthn needs `localhost` (not 127.0.0.1) as RP ID,
// so the browser and the public URL both use it.
const port = Number(process.env.GATEHOUSE_E2E_PORT ?? 3100);
const baseURL = `http://localhost:${port}`;
const binary = process.env.GATEHOUSE_E2E_BINARY ?? './target/release/gatehouse';

export default defineConfig({
  testDir: './tests',
  fullyParallel: true,
  workers: 2,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [['list']],
  timeout: 30_000,
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
      `dir=$(mktemp -d) && exec ${binary} serve --addr 127.0.0.1:${port} ` +
      `--public-url ${baseURL} --database-url "sqlite:$dir/gatehouse.db" ` +
      `--secret-key-file "$dir/secret.key" --site-root target/site --demo --log warn`,
    cwd: '..',
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
