-- Just-in-time redemption (DESIGN §3.3 step 2): an application's sign-in
-- looks up the tenant's pending invitation for the address of whoever has
-- no user object there yet.
CREATE INDEX invitations_pending_by_email ON invitations (tenant_id, invited_email)
    WHERE status = 'PendingAcceptance';
