// Authenticator-app codes computed from the secret the proof-up page shows
// (RFC 6238 over RFC 4226: HMAC-SHA1, 6 digits, 30-second steps), so a test
// never waits for the clock. The server accepts a code one step ahead or
// behind, and each step at most once per method: a `Totp` hands out the
// current step, or the next one when the current one is used, and never
// one twice.

import { createHmac } from 'node:crypto';

const STEP_SECONDS = 30;
const DIGITS = 6;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The step the real clock is in. */
export function currentStep(now = Date.now()): number {
  return Math.floor(now / 1000 / STEP_SECONDS);
}

/** RFC 4648 base32 (no padding needed; spaces, as the page groups it, ignored). */
export function base32Decode(text: string): Buffer {
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of text.replace(/[\s=]/g, '').toUpperCase()) {
    const digit = BASE32.indexOf(char);
    if (digit < 0) throw new Error(`'${char}' is not a base32 digit in '${text}'`);
    value = (value << 5) | digit;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

/** The code for `step` of the key `key`. */
export function totpCode(key: Buffer, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const number = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(number % 10 ** DIGITS).padStart(DIGITS, '0');
}

/** One authenticator app: its secret and the steps it has given codes for. */
export class Totp {
  private readonly key: Buffer;
  private lastStep = Number.NEGATIVE_INFINITY;

  /** `secret` as the page shows it: base32 in groups of four. */
  constructor(readonly secret: string) {
    this.key = base32Decode(secret);
  }

  /**
   * A code for a step not used yet, for a submission that is meant to pass:
   * the current step, or the next if the current one is taken.
   */
  next(): string {
    const now = currentStep();
    const step = Math.max(now, this.lastStep + 1);
    if (step > now + 1) {
      throw new Error('Both the current and the next step are used: a third code now would need a wait.');
    }
    this.lastStep = step;
    return totpCode(this.key, step);
  }

  /** The code handed out last, which the server has seen once already. */
  used(): string {
    if (!Number.isFinite(this.lastStep)) throw new Error('No code has been handed out yet.');
    return totpCode(this.key, this.lastStep);
  }

  /** Six digits that no step near now gives, so the server refuses them. */
  wrong(): string {
    const now = currentStep();
    const near = new Set([-2, -1, 0, 1, 2].map((delta) => totpCode(this.key, now + delta)));
    for (let n = 0; ; n++) {
      const code = String(n).padStart(DIGITS, '0');
      if (!near.has(code)) return code;
    }
  }
}
