// The certified Node OpenID provider (`oidc-provider`) set up for the
// token-exchange benchmark (bench/src/token_exchange.rs) as Gatehouse's token
// endpoint is measured: one confidential client authenticating with
// `client_secret_basic`, PKCE S256, RS256 ID tokens (an RSA 2048 key), the
// provider's in-memory adapter.
//
// `node provider.mjs COUNT` mints COUNT authorization codes beforehand — each
// with its own grant, bound to an account, the client's redirect URI, a
// PKCE challenge and a nonce, as the authorization endpoint would have saved
// them — starts answering on a free loopback port, and prints one line of
// JSON on stdout: its version, the token endpoint, the JWKS, the client and
// the codes.
// It serves until its standard input closes.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import * as jose from 'jose';
import Provider from 'oidc-provider';
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';
import LRU from 'oidc-provider/lib/helpers/lru.js';

const count = Number.parseInt(process.argv[2] ?? '', 10);
if (!Number.isInteger(count) || count < 1) {
  console.error('usage: node provider.mjs COUNT');
  process.exit(2);
}

const CLIENT_ID = 'bench-client';
const CLIENT_SECRET = 'the-client-secret-of-the-bench-0123456789abcdef';
const REDIRECT_URI = 'https://rp.bench.test/callback';
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'; // S256 of VERIFIER (RFC 7636 App. B)
const SCOPE = 'openid profile email';
const ACCOUNTS = 16;

const { privateKey } = await jose.generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
const jwk = { ...(await jose.exportJWK(privateKey)), kid: 'bench-rs256', alg: 'RS256', use: 'sig' };

const server = await new Promise((resolve) => {
  // The port first, so that the issuer can name it.
  const listening = createServer();
  listening.listen(0, '127.0.0.1', () => resolve(listening));
});
const { port } = server.address();
const issuer = `http://127.0.0.1:${port}`;

// The provider's own in-memory adapter, with room for every code, grant and
// token of the run: its default store keeps the latest 1 000 entries only.
const store = new LRU({ maxSize: 10 * count + 1000 });

const provider = new Provider(issuer, {
  adapter: (model) => new MemoryAdapter(model, store),
  clients: [{
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
  }],
  jwks: { keys: [jwk] },
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username'],
    email: ['email'],
  },
  // The profile and email claims in the ID token, as Gatehouse's carries them.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: false } },
  pkce: { required: () => true },
  ttl: {
    // Long enough for the codes minted before the run to outlive it.
    AuthorizationCode: 600,
    AccessToken: 3600,
    IdToken: 3600,
    Grant: 3600,
  },
  async findAccount(_ctx, accountId) {
    return {
      accountId,
      async claims() {
        return {
          sub: accountId,
          name: `Bench user ${accountId}`,
          preferred_username: `${accountId}@bench.test`,
          email: `${accountId}@bench.test`,
        };
      },
    };
  },
});

const client = await provider.Client.find(CLIENT_ID);
const authTime = Math.floor(Date.now() / 1000);
const codes = [];
for (let i = 0; i < count; i += 1) {
  const accountId = `user-${i % ACCOUNTS}`;
  const grant = new provider.Grant({ accountId, clientId: CLIENT_ID });
  grant.addOIDCScope(SCOPE);
  const grantId = await grant.save();
  const code = new provider.AuthorizationCode({
    accountId,
    client,
    grantId,
    scope: SCOPE,
    redirectUri: REDIRECT_URI,
    codeChallenge: CHALLENGE,
    codeChallengeMethod: 'S256',
    nonce: `nonce-${i}`,
    authTime,
    acr: '1',
    amr: ['pwd'],
  });
  codes.push(await code.save());
}

server.on('request', provider.callback());
const { version } = JSON.parse(readFileSync(
  new URL('./node_modules/oidc-provider/package.json', import.meta.url),
));
process.stdout.write(`${JSON.stringify({
  version,
  issuer,
  token_endpoint: `${issuer}/token`,
  jwks_uri: `${issuer}/jwks`,
  client_id: CLIENT_ID,
  client_secret: CLIENT_SECRET,
  redirect_uri: REDIRECT_URI,
  code_verifier: VERIFIER,
  codes,
})}\n`);

process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
