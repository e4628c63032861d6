// The relying party of the OpenID Connect tests (`rp/relying-party.mjs`,
// openid-client): a process of its own per test, as a real application
// beside Gatehouse would be.

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface RelyingParty {
  /** `http://localhost:<port>`. */
  url: string;
  /** Its sign-in redirect URI and its post-logout URI, to register. */
  redirectUri: string;
  homeUri: string;
  stop(): void;
}

/** Where the relying party listens: its port is chosen before registration. */
export async function startRelyingParty(issuer: string, clientId: string, clientSecret?: string, port = 0): Promise<RelyingParty> {
  const env = { ...process.env, RP_ISSUER: issuer, RP_CLIENT_ID: clientId, RP_PORT: String(port) };
  if (clientSecret !== undefined) env.RP_CLIENT_SECRET = clientSecret;
  else delete env.RP_CLIENT_SECRET;
  const child: ChildProcess = spawn(process.execPath, [path.join(__dirname, '..', 'rp', 'relying-party.mjs')], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const listening = await new Promise<number>((resolve, reject) => {
    let errors = '';
    child.stderr?.on('data', (chunk) => (errors += chunk));
    child.stdout?.on('data', (chunk: Buffer) => {
      const match = /listening on (\d+)/.exec(chunk.toString());
      if (match) resolve(Number(match[1]));
    });
    child.on('exit', (code) => reject(new Error(`the relying party exited (${code}): ${errors}`)));
  });
  const url = `http://localhost:${listening}`;
  return { url, redirectUri: `${url}/callback`, homeUri: `${url}/`, stop: () => child.kill() };
}

/** A free port on the loopback interface, for a relying party to come. */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}
