-- The mail outbox (DESIGN §2): every e-mail Gatehouse sends is first written
-- here, in the same transaction as the change that causes it (an invitation,
-- a one-time passcode, an MFA reset), so a mail exists if and only if the
-- change committed. A delivery worker sends due rows by SMTP when one is
-- configured; in development the rows are read back at /dev/mail.

CREATE TABLE outbox (
    id              TEXT    PRIMARY KEY NOT NULL,
    -- The tenant the mail is sent for; NULL for deployment-wide mail. Mail of
    -- a deleted tenant goes with it: its links and codes are dead anyway.
    tenant_id       TEXT    REFERENCES tenants (id) ON DELETE CASCADE,
    to_address      TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    -- The text and HTML parts, JSON-serialised, then sealed with the server's
    -- secret key (XChaCha20-Poly1305, nonce first; id, address and subject
    -- are bound in as associated data). Sealed because invitation mails carry
    -- redeem links and code mails carry passcodes, which must never be stored
    -- in clear (only an invitation token's hash is kept elsewhere).
    -- Subjects therefore never hold a secret.
    sealed_body     BLOB    NOT NULL,
    created_at      INTEGER NOT NULL,
    -- Delivery attempts so far; the worker gives up after a fixed number.
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    -- Not before this instant: the retry back-off, and a worker's short claim
    -- on the row while it sends it (so two servers do not both send it).
    next_attempt_at INTEGER NOT NULL,
    -- Set once the SMTP relay accepted the mail.
    sent_at         INTEGER,
    -- Set when the worker gave up: a permanent SMTP error, a body that does
    -- not open, or too many attempts. Such a row is never tried again.
    failed_at       INTEGER,
    -- The last delivery error, for operators; never holds a body or a secret.
    error           TEXT
) STRICT;

-- The delivery worker's question: unsent mail whose time has come.
CREATE INDEX outbox_due ON outbox (next_attempt_at)
    WHERE sent_at IS NULL AND failed_at IS NULL;
-- /dev/mail and operators: newest first (ties in insertion order, by rowid).
CREATE INDEX outbox_by_created ON outbox (created_at);
