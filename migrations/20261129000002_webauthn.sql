-- Passkeys and security keys (WebAuthn, DESIGN §2 Authentication method and
-- Ceremony; §5). A WebAuthn method keeps webauthn-rs' credential (its public
-- key, counter and backup flags) sealed in `sealed_secret`, like a TOTP seed.

-- The credential id, base64url. webauthn-rs does not check that a
-- credential belongs to one user only; this index does.
ALTER TABLE auth_methods ADD COLUMN credential_id TEXT;
CREATE UNIQUE INDEX auth_methods_by_credential ON auth_methods (credential_id);

-- The authenticator's signature counter as last seen: a use must raise it
-- (or both stay 0, for authenticators without a counter). A lower value
-- means a cloned key; it is refused by a conditional update and audited.
ALTER TABLE auth_methods ADD COLUMN sign_count INTEGER;

-- The WebAuthn user handle: one stable random id per user object, made at
-- its first registration, never the user's id or name.
ALTER TABLE users ADD COLUMN webauthn_user_handle TEXT;
CREATE UNIQUE INDEX users_by_webauthn_user_handle ON users (webauthn_user_handle);

-- A registration or authentication in progress: webauthn-rs' state for it,
-- kept on the server and bound to the session that started it. Finishing
-- deletes the row first (`DELETE … RETURNING`), so each is used once; it
-- expires five minutes after it starts.
CREATE TABLE webauthn_ceremonies (
    id              TEXT    PRIMARY KEY NOT NULL,
    session_id_hash TEXT    NOT NULL REFERENCES sessions (id_hash) ON DELETE CASCADE,
    user_id         TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose         TEXT    NOT NULL CHECK (purpose IN ('register', 'authenticate')),
    -- webauthn-rs' PasskeyRegistration or PasskeyAuthentication, as JSON.
    state           TEXT    NOT NULL,
    -- A registration: the name the user gave the new method.
    display_name    TEXT,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX webauthn_ceremonies_by_user ON webauthn_ceremonies (user_id);
CREATE INDEX webauthn_ceremonies_by_expiry ON webauthn_ceremonies (expires_at);
