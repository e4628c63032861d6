-- The audit log's filters (DESIGN §4, /t/{slug}/admin/audit and
-- GET /api/v1/audit): always under one tenant, newest first by id, so each
-- equality filter gets an index that ends in id and answers the ORDER BY and
-- the keyset cursor (`id < $cursor`) too. The time range walks `at`; rows are
-- appended in time order, so a range is a short stretch of ids.
-- The unfiltered log uses audit_events_by_tenant (tenant_id, id).
CREATE INDEX audit_events_by_tenant_action ON audit_events (tenant_id, action, id);
CREATE INDEX audit_events_by_tenant_actor ON audit_events (tenant_id, actor, id);
CREATE INDEX audit_events_by_tenant_target ON audit_events (tenant_id, target, id);
-- Failures are the rare outcome an admin looks for.
CREATE INDEX audit_events_by_tenant_outcome ON audit_events (tenant_id, outcome, id);
CREATE INDEX audit_events_by_tenant_at ON audit_events (tenant_id, at, id);
