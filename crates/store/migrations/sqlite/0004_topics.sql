-- Topic portals (transparencia proactiva y focalizada): a page on a public problem for an
-- audience, written in Markdown, linking datasets, publications and documents.
-- SQLite flavour; keep in step with ../postgres/0004_topics.sql.

CREATE TABLE topics (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    audience TEXT NOT NULL DEFAULT '',
    problem TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    -- The subject that runs it; NULL for the guarantor's own portals (admins only).
    subject_id INTEGER REFERENCES subjects(id),
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT topics_name_unique UNIQUE (name)
);

-- What a portal links to, in order: a dataset (by id), a publication (by id) or a document
-- (a title and an address).
CREATE TABLE topic_links (
    topic_id INTEGER NOT NULL REFERENCES topics(id),
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    dataset_id INTEGER REFERENCES datasets(id),
    publication_id INTEGER REFERENCES publications(id),
    title TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (topic_id, position)
);
