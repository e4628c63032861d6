-- A tenant's own privacy statement (DESIGN §3.1), linked from the consent
-- page and the invitation mail; unset, they link Gatehouse's `/privacy`.
ALTER TABLE tenants ADD COLUMN privacy_url TEXT;
