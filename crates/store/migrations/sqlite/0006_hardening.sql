-- Hardening: browsers trusted by an account (sign-in throttling that never locks the owner
-- out), and the audit log's signed checkpoints with their witnesses' co-signatures. SQLite
-- flavour; keep in step with ../postgres/0006_hardening.sql.

-- A browser that signed in to an account: its device cookie's SHA-256. Failed sign-ins from
-- it are counted apart from those of unknown browsers, so an attacker's failures do not
-- lock it out.
CREATE TABLE trusted_devices (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    last_used_at TEXT NOT NULL
);
CREATE INDEX trusted_devices_user ON trusted_devices(user_id);

-- Checkpoints: the log's head as this instance signed it (Ed25519), for witnesses to keep.
-- They are about the log, not in it: signing one does not append an entry.
CREATE TABLE audit_checkpoints (
    id INTEGER PRIMARY KEY,
    origin TEXT NOT NULL,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    at TEXT NOT NULL,
    public_key TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE INDEX audit_checkpoints_seq ON audit_checkpoints(seq);

-- Who may co-sign checkpoints (another instance, an organisation): a name and a public key.
CREATE TABLE witnesses (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    public_key TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

-- A witness's signature of a checkpoint it checked: published beside the checkpoint.
CREATE TABLE cosignatures (
    checkpoint_id INTEGER NOT NULL REFERENCES audit_checkpoints(id) ON DELETE CASCADE,
    witness_id INTEGER NOT NULL REFERENCES witnesses(id) ON DELETE CASCADE,
    signature TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (checkpoint_id, witness_id)
);
