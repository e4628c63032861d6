/**
 * Whether a URL is the MFA step `step` with tenant `slug` that continues to
 * `next` — however the query is encoded. For `expect(page).toHaveURL(…)`.
 */
export function mfaStep(step: 'setup' | 'verify', slug: string, next: string): (url: URL) => boolean {
  return (url) =>
    url.pathname === `/mfa/${step}` &&
    url.searchParams.get('tenant') === slug &&
    url.searchParams.get('next') === next;
}
