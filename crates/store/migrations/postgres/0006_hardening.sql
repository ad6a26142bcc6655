-- Hardening: browsers trusted by an account (sign-in throttling that never locks the owner
-- out), and the audit log's signed checkpoints with their witnesses' co-signatures. PostgreSQL
-- flavour; keep in step with ../sqlite/0006_hardening.sql.

-- A browser that signed in to an account: its device cookie's SHA-256. Failed sign-ins from
-- it are counted apart from those of unknown browsers, so an attacker's failures do not
-- lock it out.
CREATE TABLE trusted_devices (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    last_used_at TEXT NOT NULL
);
CREATE INDEX trusted_devices_user ON trusted_devices(user_id);
