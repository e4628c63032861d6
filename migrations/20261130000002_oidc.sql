-- The OpenID Connect provider of each tenant (DESIGN §4).

-- A tenant's RS256 signing keys. The private key (PKCS#8 DER) is sealed with
-- the secret key, bound to the row's kid; the public half is kept as a JWK.
-- The newest unretired key signs; a retired key stays in the JWKS until the
-- tokens it signed have expired (`retired_at` + the ID token lifetime).
CREATE TABLE signing_keys (
    kid         TEXT    PRIMARY KEY NOT NULL,
    tenant_id   TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    sealed_key  BLOB    NOT NULL,
    public_jwk  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    retired_at  INTEGER
) STRICT;

CREATE INDEX signing_keys_by_tenant ON signing_keys (tenant_id, created_at);
-- At most one key of a tenant signs.
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (tenant_id) WHERE retired_at IS NULL;

-- Authorization codes: only the SHA-256 of the code is stored. Single-use
-- (`used_at` set by a conditional update), 60 seconds, bound to the client,
-- the redirect URI and the PKCE challenge.
CREATE TABLE authorization_codes (
    code_hash       TEXT    PRIMARY KEY NOT NULL,
    tenant_id       TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    application_id  TEXT    NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    -- The user object in the resource tenant.
    user_id         TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id_hash TEXT    REFERENCES sessions (id_hash) ON DELETE SET NULL,
    redirect_uri    TEXT    NOT NULL,
    -- PKCE S256 challenge (base64url); NULL when a confidential client sent none.
    code_challenge  TEXT,
    nonce           TEXT,
    scope           TEXT    NOT NULL,
    auth_time       INTEGER NOT NULL,
    -- JSON: the ID token's `amr`, `acr` and `idp` as decided at authorize.
    claims          TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    used_at         INTEGER
) STRICT;

CREATE INDEX authorization_codes_by_expiry ON authorization_codes (expires_at);

-- Access tokens for `userinfo`: opaque, only their SHA-256 is stored, so a
-- second use of a code can revoke what the first one issued.
CREATE TABLE access_tokens (
    token_hash     TEXT    PRIMARY KEY NOT NULL,
    code_hash      TEXT    NOT NULL REFERENCES authorization_codes (code_hash) ON DELETE CASCADE,
    tenant_id      TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    application_id TEXT    NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    user_id        TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scope          TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    revoked_at     INTEGER
) STRICT;

CREATE INDEX access_tokens_by_code ON access_tokens (code_hash);
