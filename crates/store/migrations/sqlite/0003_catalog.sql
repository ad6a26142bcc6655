-- The open-data catalogue: themes (groups), datasets owned by a subject, their keywords and
-- resources (uploaded files or links), and the datastore's bookkeeping. Each loaded tabular
-- resource also gets its own table, `ds_{resource}_{generation}`, made at load time.
-- SQLite flavour; keep in step with ../postgres/0003_catalog.sql.

CREATE TABLE catalog_groups (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    CONSTRAINT catalog_groups_name_unique UNIQUE (name)
);

CREATE TABLE datasets (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    subject_id INTEGER NOT NULL REFERENCES subjects(id),
    title TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    licence_id TEXT NOT NULL,
    frequency TEXT NOT NULL,
    temporal_start TEXT NOT NULL DEFAULT '',
    temporal_end TEXT NOT NULL DEFAULT '',
    spatial TEXT NOT NULL DEFAULT '',
    contact_name TEXT NOT NULL DEFAULT '',
    contact_email TEXT NOT NULL DEFAULT '',
    landing_page TEXT NOT NULL DEFAULT '',
    version TEXT NOT NULL DEFAULT '',
    -- Set for the dataset that presents one subject's transparency obligation: its
    -- resources are the current publications of its periods, kept in step by publishing.
    obligation_id INTEGER REFERENCES obligations(id),
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT datasets_name_unique UNIQUE (name),
    CONSTRAINT datasets_obligation_unique UNIQUE (subject_id, obligation_id)
);
CREATE INDEX datasets_subject ON datasets (subject_id);

CREATE TABLE dataset_tags (
    dataset_id INTEGER NOT NULL REFERENCES datasets(id),
    tag TEXT NOT NULL,
    PRIMARY KEY (dataset_id, tag)
);
CREATE INDEX dataset_tags_tag ON dataset_tags (tag);

CREATE TABLE dataset_groups (
    dataset_id INTEGER NOT NULL REFERENCES datasets(id),
    group_id INTEGER NOT NULL REFERENCES catalog_groups(id),
    PRIMARY KEY (dataset_id, group_id)
);

CREATE TABLE resources (
    id INTEGER PRIMARY KEY,
    dataset_id INTEGER NOT NULL REFERENCES datasets(id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    -- A link's address; empty for an uploaded file.
    url TEXT NOT NULL DEFAULT '',
    -- The file store's key and the name the file was uploaded with.
    file_key TEXT,
    file_name TEXT,
    format TEXT NOT NULL DEFAULT '',
    media_type TEXT NOT NULL DEFAULT '',
    size INTEGER,
    sha256 TEXT,
    -- For an obligation's dataset: the current publication of one period and format, and
    -- that period and format (`28a/2025-T3`), which stay while versions come and go.
    publication_id INTEGER REFERENCES publications(id),
    period_key TEXT,
    -- The data dictionary (a Frictionless Table Schema, JSON) of a tabular resource.
    table_schema TEXT,
    -- The datastore: the table holding the rows now, its row count, and the load job
    -- (none, queued, running, done, failed) with its progress and its problem.
    datastore_table TEXT,
    datastore_rows INTEGER,
    load_status TEXT NOT NULL DEFAULT 'none',
    load_generation INTEGER NOT NULL DEFAULT 0,
    load_done INTEGER NOT NULL DEFAULT 0,
    load_total INTEGER NOT NULL DEFAULT 0,
    load_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX resources_dataset ON resources (dataset_id, position);
CREATE UNIQUE INDEX resources_period ON resources (dataset_id, period_key);
CREATE INDEX resources_load ON resources (load_status);
