-- Foundation: accounts, organisations, roles, guarantors, subjects, outbox, throttle,
-- the hash-chained audit log and the search index. SQLite flavour; keep in step with
-- ../postgres/0001_foundation.sql (same tables, same columns, same names).

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    locale TEXT NOT NULL DEFAULT 'es',
    email_verified_at TEXT,
    disabled_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE user_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX user_tokens_user ON user_tokens(user_id, purpose);

CREATE TABLE guarantors (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    acronym TEXT NOT NULL,
    state TEXT,
    website TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE subjects (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    acronym TEXT,
    kind TEXT NOT NULL,
    guarantor_id INTEGER REFERENCES guarantors(id),
    platform_id TEXT UNIQUE,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'extinct')),
    extinct_on TEXT,
    merged_into_id INTEGER REFERENCES subjects(id),
    unit_head TEXT,
    unit_address TEXT,
    unit_phone TEXT,
    unit_email TEXT,
    unit_hours TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX subjects_name ON subjects(name);
CREATE INDEX subjects_kind ON subjects(kind, status);

CREATE TABLE grants (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    -- 0 for roles without a scope, so the unique key works on both engines.
    scope_id INTEGER NOT NULL DEFAULT 0,
    granted_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    UNIQUE (user_id, role, scope_id)
);

CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    sector TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    website TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE organisation_members (
    organisation_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    is_representative BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (organisation_id, user_id)
);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    -- 'local' (no SMTP configured), 'sent' or 'failed'
    status TEXT NOT NULL,
    sent_at TEXT,
    error TEXT
);

CREATE TABLE throttle (
    key TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX throttle_key_at ON throttle(key, at);

-- The audit log: append-only, each entry hashes the one before.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id INTEGER,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id TEXT NOT NULL,
    public BOOLEAN NOT NULL,
    summary TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_public ON audit_log(public, seq);
CREATE INDEX audit_log_target ON audit_log(target_kind, target_id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- One search index for every kind of public content. search_text is normalised in Rust.
CREATE TABLE search_index (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    ref_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    url TEXT NOT NULL,
    search_text TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (kind, ref_id)
);

CREATE VIRTUAL TABLE search_fts USING fts5(
    search_text,
    content = 'search_index',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 0'
);
CREATE TRIGGER search_index_ai AFTER INSERT ON search_index BEGIN
    INSERT INTO search_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER search_index_ad AFTER DELETE ON search_index BEGIN
    INSERT INTO search_fts (search_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER search_index_au AFTER UPDATE ON search_index BEGIN
    INSERT INTO search_fts (search_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    INSERT INTO search_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
