-- Applications (DESIGN §2 Application, Assignment): the relying parties of a
-- tenant's OpenID Connect provider.

CREATE TABLE applications (
    id                  TEXT    PRIMARY KEY NOT NULL,
    tenant_id           TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    display_name        TEXT    NOT NULL,
    -- The OAuth client id: a random UUID, unique across the deployment.
    client_id           TEXT    NOT NULL UNIQUE,
    -- A confidential client's secret, as the SHA-256 of a 256-bit random
    -- value (shown once, never stored); NULL for a public client, which
    -- proves itself with PKCE alone.
    client_secret_hash  TEXT,
    public_client       INTEGER NOT NULL CHECK (public_client IN (0, 1)),
    -- Only assigned users may sign in when set.
    assignment_required INTEGER NOT NULL DEFAULT 0 CHECK (assignment_required IN (0, 1)),
    created_by          TEXT    REFERENCES users (id) ON DELETE SET NULL,
    created_at          INTEGER NOT NULL,
    CHECK ((public_client = 1) = (client_secret_hash IS NULL))
) STRICT;

CREATE INDEX applications_by_tenant ON applications (tenant_id, display_name);

-- Redirect URIs, matched exactly (no wildcards, no prefix match). RP-initiated
-- logout returns only to one of these too.
CREATE TABLE application_redirect_uris (
    application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    uri            TEXT NOT NULL,
    PRIMARY KEY (application_id, uri)
) STRICT;

CREATE TABLE application_assignments (
    application_id TEXT    NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    user_id        TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (application_id, user_id)
) STRICT;

CREATE INDEX application_assignments_by_user ON application_assignments (user_id);
