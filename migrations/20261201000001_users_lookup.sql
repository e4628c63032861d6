-- The Users list with MFA methods (DESIGN §3.4, §6; issue 9): keyset pages
-- of a tenant's users in the order people read them — display name without
-- case, then UPN — filtered to guests or members, to users with or without
-- an active method, and searched by a prefix of the UPN, display name or
-- e-mail address; a page costs the same at 100 000 users as at 10.
--
-- The name is compared as lower(display_name) everywhere (the order, the
-- cursor, the search), so these expression indexes serve it and no copy of
-- the name has to be kept in step with every write of a user. SQLite's
-- lower() folds A-Z only; PostgreSQL's folds every letter its collation
-- knows (its port of this file wants COLLATE "C" on the expression for the
-- prefix ranges to be byte ranges).

-- The list in order. The filters that are not a range of that order — user
-- type, the search's UPN and e-mail, and the id that "has methods" looks up
-- — are in the index too, so a row the filters skip costs no table read.
CREATE INDEX users_by_tenant_name ON users (
    tenant_id, lower(display_name), user_principal_name, user_type, mail, id
);

-- A narrow search gathers its rows from one prefix range per field: the
-- display name (above), the UPN (users_by_tenant_upn) and the e-mail address.
CREATE INDEX users_by_tenant_mail ON users (tenant_id, mail);

-- "Has methods" and the Methods column count active methods only: an
-- authenticator app whose first code never came (activated_at NULL) is none.
CREATE INDEX auth_methods_active_by_user ON auth_methods (user_id, kind)
    WHERE activated_at IS NOT NULL;
