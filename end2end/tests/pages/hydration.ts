import { expect, type Page } from '@playwright/test';

/**
 * Waits until the WebAssembly has hydrated the page. The server's HTML shows
 * (and can be clicked) before that, but its buttons do not act yet, so a page
 * object waits for this before it acts. `App` sets the marker on `<body>`.
 */
export async function waitForHydration(page: Page): Promise<void> {
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
}
