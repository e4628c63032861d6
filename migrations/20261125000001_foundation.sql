-- Gatehouse foundation: tenants, users, sessions and the audit trail.
-- Times are Unix seconds (UTC). Ids are UUIDs as text.

-- A tenant is one organisation's directory (DESIGN §2).
CREATE TABLE tenants (
    id                  TEXT    PRIMARY KEY NOT NULL,
    slug                TEXT    NOT NULL UNIQUE,
    display_name        TEXT    NOT NULL,
    domain              TEXT    NOT NULL UNIQUE,
    plan                TEXT    NOT NULL CHECK (plan IN ('free', 'premium')),
    -- A free tenant has no seats; a premium tenant has at least one.
    premium_seats       INTEGER NOT NULL CHECK (
                            (plan = 'free' AND premium_seats = 0)
                         OR (plan = 'premium' AND premium_seats >= 1)),
    members_can_invite  INTEGER NOT NULL DEFAULT 1 CHECK (members_can_invite IN (0, 1)),
    email_otp_enabled   INTEGER NOT NULL DEFAULT 1 CHECK (email_otp_enabled IN (0, 1)),
    security_defaults   INTEGER NOT NULL DEFAULT 0 CHECK (security_defaults IN (0, 1)),
    invitation_ttl_days INTEGER NOT NULL DEFAULT 30 CHECK (invitation_ttl_days BETWEEN 1 AND 365),
    created_at          INTEGER NOT NULL
) STRICT;

-- Members and guests of a tenant. A guest is a user object of the resource
-- tenant; its home identity is bound at redemption (a later migration).
CREATE TABLE users (
    id                  TEXT    PRIMARY KEY NOT NULL,
    tenant_id           TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        -- Lower-case but for a guest's "#EXT#" marker; unique across the deployment.
    user_principal_name TEXT    NOT NULL UNIQUE,
    display_name        TEXT    NOT NULL,
    mail                TEXT,
    user_type           TEXT    NOT NULL CHECK (user_type IN ('Member', 'Guest')),
    -- Guests only: PendingAcceptance until redeemed, then Accepted.
    external_user_state TEXT    CHECK (
                            (user_type = 'Member' AND external_user_state IS NULL)
                         OR (user_type = 'Guest' AND external_user_state IN ('PendingAcceptance', 'Accepted'))),
    state_changed_at    INTEGER,
    -- Tenant administrator (the portal's admin role).
    is_admin            INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    account_enabled     INTEGER NOT NULL DEFAULT 1 CHECK (account_enabled IN (0, 1)),
    -- argon2id PHC string; members only. NULL: cannot sign in with a password.
    password_hash       TEXT,
    invited_by          TEXT    REFERENCES users (id) ON DELETE SET NULL,
    created_at          INTEGER NOT NULL
) STRICT;

-- Keyset pagination of a tenant's users by UPN (admin Users page, API).
CREATE INDEX users_by_tenant_upn ON users (tenant_id, user_principal_name);

-- The personal directory (the Microsoft-account analogue): people with no
-- work account here sign up with a verified e-mail address and a password.
CREATE TABLE personal_accounts (
    id                TEXT    PRIMARY KEY NOT NULL,
    -- Lower-case; verified by an e-mailed code before the account exists.
    email             TEXT    NOT NULL UNIQUE,
    display_name      TEXT    NOT NULL,
    -- argon2id PHC string.
    password_hash     TEXT    NOT NULL,
    email_verified_at INTEGER NOT NULL,
    created_at        INTEGER NOT NULL
) STRICT;

-- Server-side sessions. The cookie holds a random 128-bit id; only its
-- SHA-256 is stored, so a copy of the database does not hand out sessions.
CREATE TABLE sessions (
    id_hash          TEXT    PRIMARY KEY NOT NULL,
    -- The identity that signed in at home: exactly one of a work account
    -- (a member user), a personal account, or an e-mail address proven with
    -- a one-time passcode.
    user_id             TEXT REFERENCES users (id) ON DELETE CASCADE,
    personal_account_id TEXT REFERENCES personal_accounts (id) ON DELETE CASCADE,
    email               TEXT,
    authenticated_at INTEGER NOT NULL,
    -- JSON array of authentication method references, e.g. ["pwd"].
    amr              TEXT    NOT NULL DEFAULT '[]',
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    revoked_at       INTEGER,
    CHECK ((user_id IS NOT NULL) + (personal_account_id IS NOT NULL) + (email IS NOT NULL) = 1)
) STRICT;

CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_personal_account ON sessions (personal_account_id);

-- When this session last passed MFA with a resource tenant (DESIGN §2).
CREATE TABLE session_mfa (
    session_id_hash TEXT    NOT NULL REFERENCES sessions (id_hash) ON DELETE CASCADE,
    tenant_id       TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    mfa_at          INTEGER NOT NULL,
    PRIMARY KEY (session_id_hash, tenant_id)
) STRICT;

-- Append-only record of admin actions and security events.
CREATE TABLE audit_events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        INTEGER NOT NULL,
    -- No ON DELETE action: a tenant with an audit trail is not deleted silently.
    tenant_id TEXT    REFERENCES tenants (id),
    actor     TEXT,
    action    TEXT    NOT NULL,
    target    TEXT,
    outcome   TEXT    NOT NULL CHECK (outcome IN ('success', 'failure')),
    ip        TEXT,
    detail    TEXT    NOT NULL DEFAULT '{}'
) STRICT;

CREATE INDEX audit_events_by_tenant ON audit_events (tenant_id, id);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
