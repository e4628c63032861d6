-- The admin's actions on one user (reset MFA, disable, revoke sessions)
-- find everything that acts as that user object through these indexes:
-- the sessions of a guest's home identity (a personal account is indexed
-- already; an e-mail-proven identity was not), and the codes and tokens
-- issued to the user object.
CREATE INDEX sessions_by_email ON sessions (email);
CREATE INDEX authorization_codes_by_user ON authorization_codes (user_id);
CREATE INDEX access_tokens_by_user ON access_tokens (user_id);
