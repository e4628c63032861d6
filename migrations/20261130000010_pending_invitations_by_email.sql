-- Just-in-time redemption (DESIGN §3.3 step 2): an application's sign-in
-- looks up the tenant's newest pending invitation for the address of
-- whoever has no user object there yet. The order columns let the index
-- answer the ORDER BY too, so the planner takes it over invitations_by_tenant.
CREATE INDEX invitations_pending_by_email
    ON invitations (tenant_id, invited_email, created_at, id)
    WHERE status = 'PendingAcceptance';
