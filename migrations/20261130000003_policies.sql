-- Conditional-access policies (DESIGN §2 Policy) and inbound trust (Partner
-- setting).

CREATE TABLE policies (
    id                      TEXT    PRIMARY KEY NOT NULL,
    tenant_id               TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name                    TEXT    NOT NULL,
    state                   TEXT    NOT NULL CHECK (state IN ('on', 'off', 'report_only')),
    -- Who: everyone, guests, members, or the users listed in policy_users.
    include_users           TEXT    NOT NULL CHECK (include_users IN ('all', 'guests', 'members', 'listed')),
    -- Which applications: all, or those listed in policy_applications.
    all_applications        INTEGER NOT NULL CHECK (all_applications IN (0, 1)),
    require_mfa             INTEGER NOT NULL CHECK (require_mfa IN (0, 1)),
    -- Only passkeys / security keys satisfy the MFA.
    phishing_resistant_only INTEGER NOT NULL DEFAULT 0 CHECK (phishing_resistant_only IN (0, 1)),
    -- How long an MFA stays fresh for this policy; NULL: the session's.
    mfa_freshness_minutes   INTEGER CHECK (mfa_freshness_minutes BETWEEN 1 AND 43200),
    created_at              INTEGER NOT NULL,
    updated_at              INTEGER NOT NULL,
    UNIQUE (tenant_id, name)
) STRICT;

-- Listed users: included (when include_users = 'listed') or excluded.
CREATE TABLE policy_users (
    policy_id TEXT    NOT NULL REFERENCES policies (id) ON DELETE CASCADE,
    user_id   TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    excluded  INTEGER NOT NULL CHECK (excluded IN (0, 1)),
    PRIMARY KEY (policy_id, user_id)
) STRICT;

CREATE INDEX policy_users_by_user ON policy_users (user_id);

CREATE TABLE policy_applications (
    policy_id      TEXT NOT NULL REFERENCES policies (id) ON DELETE CASCADE,
    application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    PRIMARY KEY (policy_id, application_id)
) STRICT;

-- Inbound trust per partner tenant; partner_tenant_id NULL is the default
-- for partners without a row of their own.
CREATE TABLE partner_settings (
    tenant_id         TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    partner_tenant_id TEXT    REFERENCES tenants (id) ON DELETE CASCADE,
    inbound_trust_mfa INTEGER NOT NULL CHECK (inbound_trust_mfa IN (0, 1)),
    updated_at        INTEGER NOT NULL,
    CHECK (partner_tenant_id IS NULL OR partner_tenant_id <> tenant_id)
) STRICT;

CREATE UNIQUE INDEX partner_settings_one_per_partner
    ON partner_settings (tenant_id, COALESCE(partner_tenant_id, ''));
