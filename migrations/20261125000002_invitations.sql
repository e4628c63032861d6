-- Invitations, guests' home identities and API tokens (DESIGN §2, §4).

-- A guest is bound to one home identity once it has redeemed; before, none.
--   work:      home_ref = the user id of a member of another tenant here,
--              home_tenant_id = that tenant;
--   personal:  home_ref = the personal account's user id;
--   email_otp: home_ref = the verified e-mail address.
ALTER TABLE users ADD COLUMN home_kind TEXT
    CHECK (home_kind IS NULL OR home_kind IN ('work', 'personal', 'email_otp'));
ALTER TABLE users ADD COLUMN home_ref TEXT;
ALTER TABLE users ADD COLUMN home_tenant_id TEXT REFERENCES tenants (id);

-- One guest object per home identity per resource tenant.
CREATE UNIQUE INDEX users_home_identity ON users (tenant_id, home_kind, home_ref)
    WHERE home_kind IS NOT NULL;
-- Guests of a tenant, for licence counting and the API's userType filter.
CREATE INDEX users_by_tenant_type ON users (tenant_id, user_type);

CREATE TABLE invitations (
    id                 TEXT    PRIMARY KEY NOT NULL,
    tenant_id          TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    guest_user_id      TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    invited_email      TEXT    NOT NULL,
    invited_name       TEXT,
    redirect_url       TEXT    NOT NULL,
    -- Plain text, shown escaped; never HTML.
    message            TEXT,
    -- The admin allowed any identity to redeem (not only the invited address's owner).
    allow_any_identity INTEGER NOT NULL DEFAULT 0 CHECK (allow_any_identity IN (0, 1)),
    -- SHA-256 of the 256-bit redeem token; the token itself is never stored.
    -- A resend writes a new hash, which kills the old link.
    token_hash         TEXT    NOT NULL UNIQUE,
    -- Expired is not stored: a PendingAcceptance row past expires_at is expired.
    status             TEXT    NOT NULL CHECK (status IN ('PendingAcceptance', 'Accepted', 'Revoked')),
    -- Who invites, as the mail and the redeem page name them: a person's
    -- display name, or the tenant's for the API and the CLI.
    inviter_name       TEXT    NOT NULL,
    created_by         TEXT    NOT NULL,
    created_at         INTEGER NOT NULL,
    expires_at         INTEGER NOT NULL,
    redeemed_at        INTEGER,
    send_email         INTEGER NOT NULL DEFAULT 1 CHECK (send_email IN (0, 1))
) STRICT;

-- At most one live invitation per guest; a resend replaces its token in place.
CREATE UNIQUE INDEX invitations_one_pending_per_guest ON invitations (guest_user_id)
    WHERE status = 'PendingAcceptance';
CREATE INDEX invitations_by_tenant ON invitations (tenant_id, created_at, id);

-- Bearer tokens for the REST API, made by an admin or the CLI, shown once.
CREATE TABLE api_tokens (
    id           TEXT    PRIMARY KEY NOT NULL,
    tenant_id    TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    -- SHA-256 of the token.
    token_hash   TEXT    NOT NULL UNIQUE,
    created_by   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
) STRICT;

-- E-mailed codes: 8 digits, 30 minutes, 5 attempts (DESIGN §3.2). `signup`
-- proves an address before a personal account is made for it; `otp` signs a
-- guest in with the address alone. Only a digest of the code is stored.
CREATE TABLE email_codes (
    id          TEXT    PRIMARY KEY NOT NULL,
    email       TEXT    NOT NULL,
    purpose     TEXT    NOT NULL CHECK (purpose IN ('signup', 'otp')),
    code_hash   TEXT    NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    consumed_at INTEGER
) STRICT;

-- One live code per address and purpose: a new request replaces the old.
CREATE UNIQUE INDEX email_codes_live ON email_codes (email, purpose) WHERE consumed_at IS NULL;
