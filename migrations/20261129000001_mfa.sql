-- MFA with the resource tenant (DESIGN §2, Authentication method; §5): the
-- methods a user object has, its recovery codes, and the failure counts
-- that throttle guessing. A guest's methods hang off the guest object in the
-- resource tenant, so they are that tenant's and nobody else's.

-- An MFA method. Its secret — a TOTP seed, or later a WebAuthn credential —
-- is sealed with the server's key and bound to the row's id.
CREATE TABLE auth_methods (
    id             TEXT    PRIMARY KEY NOT NULL,
    user_id        TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind           TEXT    NOT NULL CHECK (kind IN ('totp', 'webauthn')),
    display_name   TEXT    NOT NULL,
    sealed_secret  BLOB    NOT NULL,
    -- TOTP: the last step accepted; a code is accepted once per step, by a
    -- conditional update that raises it (the replay guard).
    last_used_step INTEGER,
    -- NULL until the first correct code proves the app holds the secret; a
    -- method that is not active cannot be used.
    activated_at   INTEGER,
    created_at     INTEGER NOT NULL,
    last_used_at   INTEGER
) STRICT;

CREATE INDEX auth_methods_by_user ON auth_methods (user_id, kind);

-- Ten single-use codes issued with a user's first method, kept as keyed
-- hashes (HMAC-SHA256 under a subkey of the server's key), so a copy of the
-- database cannot be brute-forced for them. Regenerating replaces the set.
CREATE TABLE recovery_codes (
    user_id    TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    used_at    INTEGER,
    PRIMARY KEY (user_id, code_hash)
) STRICT;

-- Consecutive failures of one kind of check for one subject, e.g. the TOTP
-- codes of a user object, or the passwords of an account or client address.
-- A success deletes the row; the lock expires by itself.
CREATE TABLE throttles (
    scope           TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    failures        INTEGER NOT NULL CHECK (failures > 0),
    last_failure_at INTEGER NOT NULL,
    locked_until    INTEGER,
    PRIMARY KEY (scope, subject)
) STRICT;

-- How a session passed MFA with each resource tenant: the `amr` values of
-- that MFA (e.g. ["otp","mfa"]), kept per tenant so that a token for one
-- tenant never claims an MFA done with another. `sessions.amr` keeps the
-- home sign-in's own factors.
ALTER TABLE session_mfa ADD COLUMN amr TEXT NOT NULL DEFAULT '[]';

-- Sessions signed in with an e-mailed passcode stored "otp" before the
-- authenticator app took that name; they now say "email".
UPDATE sessions SET amr = '["email"]' WHERE email IS NOT NULL AND amr = '["otp"]';
