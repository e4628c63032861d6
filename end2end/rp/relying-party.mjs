// A relying party for the browser tests: a tiny web app that signs its users
// in through Gatehouse's OpenID Connect provider with `openid-client` — a
// certified client library — as any application would (DESIGN §4).
//
// Configured by the environment: RP_ISSUER, RP_CLIENT_ID, RP_CLIENT_SECRET
// (unset: a public client, PKCE alone), RP_PORT (0: any free port). It
// prints `listening on <port>` once it accepts connections.
//
//   GET /login[?prompt=…&login_hint=…&max_age=…]  → the authorization request
//   GET /callback                                  → the code for tokens, the
//                                                    claims and userinfo shown
//   GET /logout                                    → RP-initiated logout
//   GET /                                          → where logout returns

import http from 'node:http';
import * as client from 'openid-client';

const issuer = new URL(required('RP_ISSUER'));
const clientId = required('RP_CLIENT_ID');
const clientSecret = process.env.RP_CLIENT_SECRET;
const port = Number(process.env.RP_PORT ?? 0);

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const config = await client.discovery(
  issuer,
  clientId,
  undefined,
  clientSecret ? client.ClientSecretBasic(clientSecret) : client.None(),
  { execute: [client.allowInsecureRequests] },
);

/** The one sign-in in progress (one browser per test). */
let pending;
/** The ID token of the signed-in user, for logout. */
let idToken;

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(response, status, body) {
  response.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  response.end(`<!DOCTYPE html><html><head><title>Relying party</title></head><body>${body}</body></html>`);
}

function redirect(response, location) {
  response.writeHead(302, { location: location.href ?? location });
  response.end();
}

const server = http.createServer(async (request, response) => {
  const here = new URL(request.url, `http://localhost:${server.address().port}`);
  const redirectUri = new URL('/callback', here).href;
  try {
    if (here.pathname === '/login') {
      const codeVerifier = client.randomPKCECodeVerifier();
      pending = { codeVerifier, state: client.randomState(), nonce: client.randomNonce() };
      const parameters = {
        redirect_uri: here.searchParams.get('redirect_uri') ?? redirectUri,
        scope: 'openid profile email',
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
      };
      for (const name of ['prompt', 'login_hint', 'max_age']) {
        const value = here.searchParams.get(name);
        if (value !== null) parameters[name] = value;
      }
      return redirect(response, client.buildAuthorizationUrl(config, parameters));
    }
    if (here.pathname === '/callback') {
      const tokens = await client.authorizationCodeGrant(config, here, {
        pkceCodeVerifier: pending?.codeVerifier,
        expectedState: pending?.state,
        expectedNonce: pending?.nonce,
        idTokenExpected: true,
      });
      pending = undefined;
      idToken = tokens.id_token;
      const claims = tokens.claims();
      const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
      return page(
        response,
        200,
        `<h1 id="signed-in">Signed in</h1>
         <p>as <span id="upn">${escape(claims.upn)}</span> (<span id="userinfo-upn">${escape(info.upn)}</span>)</p>
         <p>amr <span id="amr">${escape(JSON.stringify(claims.amr))}</span>, acr <span id="acr">${escape(claims.acr)}</span></p>
         <pre id="claims">${escape(JSON.stringify(claims, null, 2))}</pre>
         <a id="logout" href="/logout">Sign out</a>`,
      );
    }
    if (here.pathname === '/logout') {
      const end = client.buildEndSessionUrl(config, {
        post_logout_redirect_uri: new URL('/', here).href,
        id_token_hint: idToken,
      });
      idToken = undefined;
      return redirect(response, end);
    }
    if (here.pathname === '/') {
      return page(response, 200, '<h1 id="signed-out">Signed out of the relying party</h1>');
    }
    page(response, 404, '<h1>Not found</h1>');
  } catch (error) {
    const code = error.error ?? error.code ?? error.name;
    const description = error.error_description ?? error.message;
    page(response, 400, `<p id="rp-error">${escape(code)}: ${escape(description)}</p>`);
  }
});

server.listen(port, '127.0.0.1', () => {
  console.log(`listening on ${server.address().port}`);
});
