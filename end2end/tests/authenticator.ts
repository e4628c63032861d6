import type { CDPSession, Page } from '@playwright/test';

/** A credential as Chromium's virtual authenticator holds it. */
interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
}

/**
 * Chromium's virtual authenticator (WebAuthn domain of the DevTools
 * protocol), attached to one page: a CTAP2 security key that verifies its
 * user (PIN or biometrics) and answers without a touch. What WebAuthn does
 * in the page is real: the browser's own `navigator.credentials`.
 */
export class VirtualAuthenticator {
  private constructor(
    private readonly cdp: CDPSession,
    private readonly authenticatorId: string,
  ) {}

  static async attach(page: Page): Promise<VirtualAuthenticator> {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'usb',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    return new VirtualAuthenticator(cdp, authenticatorId);
  }

  /** The credentials the key holds. */
  async credentials(): Promise<VirtualCredential[]> {
    const { credentials } = await this.cdp.send('WebAuthn.getCredentials', {
      authenticatorId: this.authenticatorId,
    });
    return credentials;
  }

  /**
   * Turns the key into a clone of its earlier self: the same private keys
   * with the signature counter set back to `signCount`.
   */
  async rewindCounter(signCount: number): Promise<void> {
    for (const credential of await this.credentials()) {
      await this.cdp.send('WebAuthn.removeCredential', {
        authenticatorId: this.authenticatorId,
        credentialId: credential.credentialId,
      });
      await this.cdp.send('WebAuthn.addCredential', {
        authenticatorId: this.authenticatorId,
        credential: { ...credential, signCount },
      });
    }
  }
}
