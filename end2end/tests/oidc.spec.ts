// Applications sign their users in through Gatehouse's OpenID Connect
// provider. The relying party is a real one: openid-client, a certified
// client library, in a process of its own (rp/relying-party.mjs).

import { randomBytes } from 'node:crypto';
import { apiToken, createApplication, createUser, inviteGuest, memberUnderSecurityDefaults } from './accounts';
import { VirtualAuthenticator } from './authenticator';
import { test, expect, RedeemPage } from './fixtures';
import { freePort, startRelyingParty, type RelyingParty } from './relying-party';

/** An application registered for this test and its relying party, started. */
async function relyingParty(
  baseURL: string,
  options: {
    public?: boolean;
    requireMfa?: boolean;
    /** A policy that wants MFA with a passkey or security key for it. */
    phishingResistant?: boolean;
    registered?: (rp: string) => string[];
  } = {},
): Promise<RelyingParty> {
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const redirectUris = options.registered?.(url) ?? [`${url}/callback`, `${url}/`];
  const name = `App ${randomBytes(3).toString('hex')}`;
  const app = await createApplication('woodgrove', name, redirectUris, options);
  if (options.phishingResistant) await requirePasskeysFor(baseURL, name, app.id);
  return startRelyingParty(`${baseURL}/woodgrove/v2.0`, app.clientId, app.clientSecret, port);
}

/** Woodgrove's policy for the application `id`: MFA, phishing-resistant only. */
async function requirePasskeysFor(baseURL: string, name: string, id: string): Promise<void> {
  const token = await apiToken('woodgrove');
  const response = await fetch(`${baseURL}/api/v1/policies`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      displayName: `Passkeys for ${name}`,
      state: 'enabled',
      conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: [id] } },
      grantControls: { builtInControls: ['mfa'], authenticationStrength: { phishingResistantOnly: true } },
    }),
  });
  expect(response.status, await response.text()).toBe(201);
}

test('a member signs in to an application through openid-client and signs out of both', async ({ page, baseURL, signInPage }) => {
  const member = await createUser('woodgrove');
  const rp = await relyingParty(baseURL!);
  try {
    await page.goto(`${rp.url}/login?login_hint=${encodeURIComponent(member.upn)}`);
    await expect(page).toHaveURL(/\/signin\?/);
    await expect(page.getByLabel('User name')).toHaveValue(member.upn);
    await signInPage.signIn(member.upn, member.password);

    await expect(page.locator('#signed-in')).toBeVisible();
    await expect(page.locator('#upn')).toHaveText(member.upn);
    await expect(page.locator('#userinfo-upn')).toHaveText(member.upn);
    await expect(page.locator('#amr')).toHaveText('["pwd"]');

    await page.locator('#logout').click();
    await expect(page.locator('#signed-out')).toBeVisible();
    await page.goto(`${rp.url}/login`);
    await expect(page).toHaveURL(/\/signin\?/);
  } finally {
    rp.stop();
  }
});

test('a public client signs in with PKCE alone; prompt=none without a session comes back as login_required', async ({ page, baseURL, signInPage }) => {
  const member = await createUser('woodgrove');
  const rp = await relyingParty(baseURL!, { public: true });
  try {
    await page.goto(`${rp.url}/login?prompt=none`);
    await expect(page.locator('#rp-error')).toContainText('login_required');

    await page.goto(`${rp.url}/login`);
    await signInPage.signIn(member.upn, member.password);
    await expect(page.locator('#upn')).toHaveText(member.upn);
    // Signed in at Gatehouse, a second sign-in to the application asks nothing.
    await page.goto(`${rp.url}/login?prompt=none`);
    await expect(page.locator('#upn')).toHaveText(member.upn);
  } finally {
    rp.stop();
  }
});

test('an application whose redirect URI is not registered gets Gatehouse’s error page, never a redirect', async ({ page, baseURL }) => {
  const rp = await relyingParty(baseURL!, { registered: (url) => [`${url}/elsewhere`] });
  try {
    await page.goto(`${rp.url}/login`);
    await expect(page.locator('#oidc-error')).toContainText('is not registered');
    expect(new URL(page.url()).origin).toBe(new URL(baseURL!).origin);
  } finally {
    rp.stop();
  }
});

/** Woodgrove's tenant id, as its REST API's organization says. */
async function woodgroveId(baseURL: string): Promise<string> {
  const token = await apiToken('woodgrove');
  const response = await fetch(`${baseURL}/api/v1/organization`, { headers: { authorization: `Bearer ${token}` } });
  return (await response.json()).id;
}

test('the seed’s story: a Contoso guest redeems to Foo, proofs up with Woodgrove inside the redemption, gets in, and is challenged the next time', async ({ page, baseURL, signInPage, mfaSetupPage, mfaVerifyPage }) => {
  const alice = await createUser('contoso');
  const guestUpn = `${alice.upn.replace('@', '_')}#EXT#@woodgrove.test`;
  const rp = await relyingParty(baseURL!, { requireMfa: true });
  try {
    const link = await inviteGuest('woodgrove', alice.upn, `${rp.url}/login`);
    const redeem = new RedeemPage(page);
    await redeem.open(link);
    await redeem.signInAtHome('Contoso');
    await signInPage.signIn(alice.upn, alice.password);
    await expect(page).toHaveURL(/\/redeem\?ticket=/);
    await redeem.accept();

    // Woodgrove's MFA, set up with Woodgrove: no second sign-in on the way.
    await expect(page).toHaveURL(/\/mfa\/setup\?tenant=woodgrove/);
    const { totp } = await mfaSetupPage.proofUp();
    await mfaSetupPage.continue();

    await expect(page.locator('#upn')).toHaveText(guestUpn);
    await expect(page.locator('#amr')).toHaveText('["pwd","mfa","otp"]');
    await expect(page.locator('#acr')).toHaveText('2');
    const claims = JSON.parse(await page.locator('#claims').innerText());
    expect(claims.tid).toBe(await woodgroveId(baseURL!));
    expect(claims.iss).toBe(`${baseURL}/woodgrove/v2.0`);

    // Signed out of both, Foo again: sign in at home, then Woodgrove's challenge.
    await page.locator('#logout').click();
    await expect(page.locator('#signed-out')).toBeVisible();
    await page.goto(`${rp.url}/login`);
    await signInPage.signIn(alice.upn, alice.password);
    await expect(page).toHaveURL(/\/mfa\/verify\?tenant=woodgrove/);
    await mfaVerifyPage.verify(totp.next());
    await expect(page.locator('#upn')).toHaveText(guestUpn);
    await expect(page.locator('#amr')).toHaveText('["pwd","mfa","otp"]');
  } finally {
    rp.stop();
  }
});

test('a guest with an authenticator app only is refused by an application that wants a passkey', async ({ page, baseURL, signInPage, mfaSetupPage }) => {
  const carol = await createUser('contoso');
  const rp = await relyingParty(baseURL!, { requireMfa: true });
  const strict = await relyingParty(baseURL!, { phishingResistant: true });
  try {
    const link = await inviteGuest('woodgrove', carol.upn, `${rp.url}/login`);
    const redeem = new RedeemPage(page);
    await redeem.open(link);
    await redeem.signInAtHome('Contoso');
    await signInPage.signIn(carol.upn, carol.password);
    await redeem.accept();
    await expect(page).toHaveURL(/\/mfa\/setup\?tenant=woodgrove/);
    await mfaSetupPage.proofUp();
    await mfaSetupPage.continue();
    await expect(page.locator('#amr')).toHaveText('["pwd","mfa","otp"]');

    // Her fresh app code does not meet the passkey policy: no way in
    // without one, and an application that asks silently is told so.
    await page.goto(`${strict.url}/login?prompt=none`);
    await expect(page.locator('#rp-error')).toContainText('interaction_required');
    await page.goto(`${strict.url}/login`);
    await expect(page).toHaveURL(/\/mfa\/setup\?tenant=woodgrove/);
    await expect(page.locator('#signed-in')).toHaveCount(0);
  } finally {
    rp.stop();
    strict.stop();
  }
});

test('a second guest proofs up with a passkey at first access', async ({ page, baseURL, signInPage, mfaSetupPage }) => {
  await VirtualAuthenticator.attach(page);
  const bob = await createUser('contoso');
  const rp = await relyingParty(baseURL!, { requireMfa: true });
  try {
    const link = await inviteGuest('woodgrove', bob.upn, `${rp.url}/login`);
    const redeem = new RedeemPage(page);
    await redeem.open(link);
    await redeem.signInAtHome('Contoso');
    await signInPage.signIn(bob.upn, bob.password);
    await redeem.accept();
    await expect(page).toHaveURL(/\/mfa\/setup\?tenant=woodgrove/);
    await mfaSetupPage.addPasskey('YubiKey');
    await expect(mfaSetupPage.done).toBeVisible();
    await mfaSetupPage.continue();
    await expect(page.locator('#amr')).toHaveText(/^\["pwd","mfa","(hwk|swk)"\]$/);
  } finally {
    rp.stop();
  }
});

test('Woodgrove trusting a partner’s MFA lets its guest in on the home MFA; without trust Woodgrove asks for its own', async ({ page, baseURL, signInPage, mfaSetupPage }) => {
  const { slug, member } = await memberUnderSecurityDefaults();
  const token = await apiToken('woodgrove');
  const trust = async (on: boolean) => {
    const response = await fetch(`${baseURL}/api/v1/partners/${slug}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ inboundTrust: { isMfaAccepted: on } }),
    });
    expect(response.ok, await response.text()).toBe(true);
  };
  await trust(true);
  const rp = await relyingParty(baseURL!, { requireMfa: true });
  try {
    const link = await inviteGuest('woodgrove', member.upn, `${rp.url}/login`);
    const redeem = new RedeemPage(page);
    await redeem.open(link);
    await redeem.signInAtHome(`Tenant ${slug}`);
    await signInPage.signIn(member.upn, member.password);
    // Security defaults: the sign-in at home completes with the home tenant's MFA.
    await expect(page).toHaveURL(/\/mfa\/setup\?/);
    expect(new URL(page.url()).searchParams.get('tenant')).toBe(slug);
    await mfaSetupPage.proofUp();
    await mfaSetupPage.continue();
    await redeem.accept();

    // Trusted: into the application on the home tenant's MFA.
    await expect(page.locator('#amr')).toHaveText('["pwd","mfa","otp"]');
    const claims = JSON.parse(await page.locator('#claims').innerText());
    expect(claims.mfa_idp).toBe(`${baseURL}/${slug}/v2.0`);
    expect(claims.idp).toBe(`${baseURL}/${slug}/v2.0`);

    // Not trusted: Woodgrove asks for its own MFA, home MFA or not.
    await trust(false);
    await page.goto(`${rp.url}/login`);
    await expect(page).toHaveURL(/\/mfa\/setup\?tenant=woodgrove/);
  } finally {
    rp.stop();
  }
});

test('/demo/foo works for a newcomer: sign in, set up Woodgrove’s MFA, see the claims, sign out', async ({ page, signInPage, mfaSetupPage }) => {
  const member = await createUser('woodgrove');
  await page.goto('/');
  await page.locator('#demo-foo').getByRole('link', { name: 'sign in to Foo' }).click();
  await expect(page).toHaveURL(/\/signin\?/);
  await signInPage.signIn(member.upn, member.password);
  await expect(page).toHaveURL(/\/mfa\/setup\?tenant=woodgrove/);
  await mfaSetupPage.proofUp();
  await mfaSetupPage.continue();
  await expect(page.locator('#foo-upn')).toHaveText(member.upn);
  await expect(page.locator('#foo-amr')).toHaveText('["pwd","mfa","otp"]');
  await page.locator('#foo-sign-out').click();
  await expect(page.locator('#foo-signed-out')).toBeVisible();
});
