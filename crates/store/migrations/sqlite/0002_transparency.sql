-- Transparency obligations: laws, obligations, versioned formats, applicability per subject,
-- publications (versioned) and their records, drafts awaiting confirmation and API tokens per
-- subject. SQLite flavour; keep in step with ../postgres/0002_transparency.sql.

CREATE TABLE laws (
    id INTEGER PRIMARY KEY,
    guarantor_id INTEGER NOT NULL REFERENCES guarantors(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    short_name TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    published_on TEXT,
    valid_from TEXT,
    valid_until TEXT,
    source_url TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT laws_code_unique UNIQUE (guarantor_id, code)
);

CREATE TABLE obligations (
    id INTEGER PRIMARY KEY,
    law_id INTEGER NOT NULL REFERENCES laws(id),
    code TEXT NOT NULL,
    article TEXT NOT NULL,
    fraction TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    periodicity TEXT NOT NULL,
    deadline_days INTEGER NOT NULL,
    conservation TEXT NOT NULL DEFAULT '',
    -- Subject kinds it applies to, comma-separated; empty means all.
    applies_to TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT obligations_code_unique UNIQUE (law_id, code)
);

-- A format version. Its definition (fields, catalogues, criteria) is JSON; a change makes a
-- new row with the next version, and publications keep the row they were made with.
CREATE TABLE formats (
    id INTEGER PRIMARY KEY,
    obligation_id INTEGER NOT NULL REFERENCES obligations(id),
    code TEXT NOT NULL,
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    definition TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    CONSTRAINT formats_version_unique UNIQUE (obligation_id, code, version)
);

CREATE TABLE applicability (
    subject_id INTEGER NOT NULL REFERENCES subjects(id),
    obligation_id INTEGER NOT NULL REFERENCES obligations(id),
    applies INTEGER NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    decided_by INTEGER REFERENCES users(id),
    decided_at TEXT NOT NULL,
    PRIMARY KEY (subject_id, obligation_id)
);

CREATE TABLE publications (
    id INTEGER PRIMARY KEY,
    subject_id INTEGER NOT NULL REFERENCES subjects(id),
    obligation_id INTEGER NOT NULL REFERENCES obligations(id),
    format_id INTEGER NOT NULL REFERENCES formats(id),
    format_code TEXT NOT NULL,
    period TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    version INTEGER NOT NULL,
    is_current INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    record_count INTEGER NOT NULL,
    sub_row_count INTEGER NOT NULL,
    source_name TEXT NOT NULL,
    source_kind TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    published_by INTEGER REFERENCES users(id),
    published_by_label TEXT NOT NULL,
    published_at TEXT NOT NULL,
    superseded_at TEXT,
    CONSTRAINT publications_version_unique UNIQUE (subject_id, obligation_id, format_code, period, version)
);
CREATE INDEX publications_subject ON publications(subject_id, obligation_id, is_current);

CREATE TABLE records (
    id INTEGER PRIMARY KEY,
    publication_id INTEGER NOT NULL REFERENCES publications(id),
    position INTEGER NOT NULL,
    source_id TEXT NOT NULL,
    -- {"v": [values], "t": [[sub-table rows]]}, see tequio_domain::transparency::records.
    data TEXT NOT NULL,
    -- The searchable values as written (for ranking and snippets); indexed normalised.
    search_text TEXT NOT NULL,
    CONSTRAINT records_position_unique UNIQUE (publication_id, position)
);

-- Full text of the records of current publications only. Fed by the store in bulk (a
-- trigger per row would make big imports ten times slower); rows of a superseded version
-- are deleted from it.
CREATE VIRTUAL TABLE records_fts USING fts5(
    search_text,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0'
);

-- An uploaded file checked and shown in preview, waiting for the editor to confirm.
CREATE TABLE publication_drafts (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    subject_id INTEGER NOT NULL REFERENCES subjects(id),
    obligation_id INTEGER NOT NULL REFERENCES obligations(id),
    format_id INTEGER NOT NULL REFERENCES formats(id),
    period TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content BLOB NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    subject_id INTEGER NOT NULL REFERENCES subjects(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
);
CREATE INDEX api_tokens_subject ON api_tokens(subject_id);
