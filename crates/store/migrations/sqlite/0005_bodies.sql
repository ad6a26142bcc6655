-- Collegiate bodies (órganos colegiados) and open calls (convocatorias): bodies and their
-- seats, sessions with attendance and minutes, agreements and their follow-up, calls with
-- criteria, applications and reviewers' scores, and the files attached to any of them.
-- SQLite flavour; keep in step with ../postgres/0005_bodies.sql.

CREATE TABLE bodies (
    id INTEGER PRIMARY KEY,
    -- The URL name (`stga-oaxaca`).
    name TEXT NOT NULL,
    -- The short code agreements are numbered with (`STGA-OAX/2026/1/3`).
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    purpose TEXT NOT NULL DEFAULT '',
    -- Rules of operation (reglas de operación), Markdown.
    rules TEXT NOT NULL DEFAULT '',
    quorum_rule TEXT NOT NULL,
    -- Days before an ordinary session that it must be convened (its agenda public).
    notice_days INTEGER NOT NULL,
    accepts_members BOOLEAN NOT NULL DEFAULT FALSE,
    -- Documents an organisation must attach to ask to join, one per line.
    adhesion_documents TEXT NOT NULL DEFAULT '',
    parent_id INTEGER REFERENCES bodies(id),
    -- The obligated subject that hosts it, if any.
    subject_id INTEGER REFERENCES subjects(id),
    status TEXT NOT NULL,
    term_start TEXT NOT NULL DEFAULT '',
    term_end TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT bodies_name_unique UNIQUE (name),
    CONSTRAINT bodies_code_unique UNIQUE (code)
);
CREATE INDEX bodies_parent ON bodies(parent_id);

-- A seat is held by an organisation, a subject or (from a call open to citizens) a person,
-- with a titular and an alternate person. E-mails are for invitations and never published.
CREATE TABLE seats (
    id INTEGER PRIMARY KEY,
    body_id INTEGER NOT NULL REFERENCES bodies(id),
    organisation_id INTEGER REFERENCES organisations(id),
    subject_id INTEGER REFERENCES subjects(id),
    user_id INTEGER REFERENCES users(id),
    holder_name TEXT NOT NULL,
    sector TEXT NOT NULL,
    position TEXT NOT NULL,
    titular_name TEXT NOT NULL,
    titular_email TEXT NOT NULL DEFAULT '',
    alternate_name TEXT NOT NULL DEFAULT '',
    alternate_email TEXT NOT NULL DEFAULT '',
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL DEFAULT '',
    -- When the seat was vacated; NULL while it is held.
    ended_at TEXT,
    -- How the seat came: 'direct', 'call' or 'adhesion'.
    source TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX seats_body ON seats(body_id, ended_at);

CREATE TABLE body_sessions (
    id INTEGER PRIMARY KEY,
    body_id INTEGER NOT NULL REFERENCES bodies(id),
    year INTEGER NOT NULL,
    -- Numbered per body and year, in the order they are convened.
    number INTEGER NOT NULL,
    kind TEXT NOT NULL,
    -- Local wall-clock times, YYYY-MM-DDTHH:MM (Mexico's central time).
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL DEFAULT '',
    place TEXT NOT NULL DEFAULT '',
    online_url TEXT NOT NULL DEFAULT '',
    agenda TEXT NOT NULL,
    status TEXT NOT NULL,
    -- Filled when attendance is recorded.
    quorum_needed INTEGER,
    present_count INTEGER,
    voting_seats INTEGER,
    minutes TEXT NOT NULL DEFAULT '',
    minutes_status TEXT NOT NULL,
    -- The later session that approved the minutes.
    minutes_approved_in INTEGER REFERENCES body_sessions(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT body_sessions_number_unique UNIQUE (body_id, year, number)
);
CREATE INDEX body_sessions_starts ON body_sessions(starts_at);

CREATE TABLE attendance (
    session_id INTEGER NOT NULL REFERENCES body_sessions(id),
    seat_id INTEGER NOT NULL REFERENCES seats(id),
    status TEXT NOT NULL,
    PRIMARY KEY (session_id, seat_id)
);

-- Each member's vote on a session's minutes, cast in the later session that approved them.
CREATE TABLE minutes_votes (
    session_id INTEGER NOT NULL REFERENCES body_sessions(id),
    seat_id INTEGER NOT NULL REFERENCES seats(id),
    vote TEXT NOT NULL,
    PRIMARY KEY (session_id, seat_id)
);

CREATE TABLE agreements (
    id INTEGER PRIMARY KEY,
    body_id INTEGER NOT NULL REFERENCES bodies(id),
    session_id INTEGER NOT NULL REFERENCES body_sessions(id),
    -- body / year / session / n: stable, never reused.
    code TEXT NOT NULL,
    n INTEGER NOT NULL,
    text TEXT NOT NULL,
    due_on TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    status_changed_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CONSTRAINT agreements_code_unique UNIQUE (code)
);
CREATE INDEX agreements_body ON agreements(body_id, status);
CREATE INDEX agreements_due ON agreements(status, due_on);
CREATE INDEX agreements_due_on ON agreements(due_on);
CREATE INDEX agreements_changed ON agreements(status_changed_at);
CREATE INDEX agreements_session ON agreements(session_id);

-- Who answers for an agreement: a member's seat, or an institution or person by name.
CREATE TABLE agreement_responsibles (
    agreement_id INTEGER NOT NULL REFERENCES agreements(id),
    position INTEGER NOT NULL,
    seat_id INTEGER REFERENCES seats(id),
    name TEXT NOT NULL,
    PRIMARY KEY (agreement_id, position)
);

-- Follow-up: every status change or note, dated, with evidence files as attachments.
CREATE TABLE agreement_updates (
    id INTEGER PRIMARY KEY,
    agreement_id INTEGER NOT NULL REFERENCES agreements(id),
    at TEXT NOT NULL,
    user_id INTEGER REFERENCES users(id),
    status TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX agreement_updates_agreement ON agreement_updates(agreement_id, id);

CREATE TABLE calls (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    objective TEXT NOT NULL,
    -- Comma-separated sectors, and `citizens` when people may apply on their own.
    eligibility TEXT NOT NULL,
    requirements TEXT NOT NULL DEFAULT '',
    -- One required document per line.
    required_documents TEXT NOT NULL DEFAULT '',
    opens_at TEXT NOT NULL,
    closes_at TEXT NOT NULL,
    places INTEGER NOT NULL,
    -- The subject that convenes it, and the existing body it feeds (NULL: a new working group).
    subject_id INTEGER REFERENCES subjects(id),
    body_id INTEGER REFERENCES bodies(id),
    status TEXT NOT NULL,
    results_published_at TEXT,
    -- The body the accepted applicants took seats in.
    constituted_body_id INTEGER REFERENCES bodies(id),
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT calls_name_unique UNIQUE (name)
);

CREATE TABLE call_criteria (
    call_id INTEGER NOT NULL REFERENCES calls(id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    weight INTEGER NOT NULL,
    PRIMARY KEY (call_id, position)
);

CREATE TABLE call_reviewers (
    call_id INTEGER NOT NULL REFERENCES calls(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (call_id, user_id)
);

CREATE TABLE applications (
    id INTEGER PRIMARY KEY,
    call_id INTEGER NOT NULL REFERENCES calls(id),
    -- `org:ID` or `user:ID`: one application per organisation, or per citizen.
    applicant_key TEXT NOT NULL,
    organisation_id INTEGER REFERENCES organisations(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    applicant_name TEXT NOT NULL,
    sector TEXT,
    statement TEXT NOT NULL,
    titular_name TEXT NOT NULL,
    titular_email TEXT NOT NULL DEFAULT '',
    alternate_name TEXT NOT NULL DEFAULT '',
    alternate_email TEXT NOT NULL DEFAULT '',
    decision TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    -- The weighted score × 10 when results are published.
    score_tenths INTEGER,
    submitted_at TEXT NOT NULL,
    decided_at TEXT,
    CONSTRAINT applications_once UNIQUE (call_id, applicant_key)
);

CREATE TABLE application_scores (
    application_id INTEGER NOT NULL REFERENCES applications(id),
    reviewer_id INTEGER NOT NULL REFERENCES users(id),
    position INTEGER NOT NULL,
    score INTEGER NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (application_id, reviewer_id, position)
);

-- Files attached to a body (rules, documents), an application, a session (minutes) or an
-- agreement's follow-up (evidence). The bytes live in the file store under `file_key`.
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    owner_kind TEXT NOT NULL,
    owner_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    file_key TEXT NOT NULL,
    file_name TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    media_type TEXT NOT NULL,
    public BOOLEAN NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX attachments_owner ON attachments(owner_kind, owner_id);
CREATE INDEX attachments_key ON attachments(file_key);

-- Requests of organisations to join a body that accepts members (adhesión).
CREATE TABLE adhesion_requests (
    id INTEGER PRIMARY KEY,
    body_id INTEGER NOT NULL REFERENCES bodies(id),
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    statement TEXT NOT NULL,
    titular_name TEXT NOT NULL,
    titular_email TEXT NOT NULL DEFAULT '',
    alternate_name TEXT NOT NULL DEFAULT '',
    alternate_email TEXT NOT NULL DEFAULT '',
    -- 'pending', 'accepted' or 'rejected'.
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    decided_by INTEGER REFERENCES users(id),
    decided_at TEXT,
    -- The seat an accepted request created.
    seat_id INTEGER REFERENCES seats(id),
    created_at TEXT NOT NULL
);
CREATE INDEX adhesion_requests_body ON adhesion_requests(body_id, status);

-- Collaboration instruments: convenios, acuerdos de colaboración, programas de acción,
-- declaratorias. The document is an attachment (owner_kind 'instrument').
CREATE TABLE instruments (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    objectives TEXT NOT NULL DEFAULT '',
    signed_on TEXT NOT NULL,
    valid_until TEXT NOT NULL DEFAULT '',
    -- 'in_force' or 'terminated'; 'expired' is read from valid_until.
    status TEXT NOT NULL,
    terminated_on TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT instruments_name_unique UNIQUE (name)
);

-- The parties that sign: a subject, an organisation, or another party by name.
CREATE TABLE instrument_parties (
    instrument_id INTEGER NOT NULL REFERENCES instruments(id),
    position INTEGER NOT NULL,
    subject_id INTEGER REFERENCES subjects(id),
    organisation_id INTEGER REFERENCES organisations(id),
    name TEXT NOT NULL,
    PRIMARY KEY (instrument_id, position)
);

CREATE TABLE instrument_bodies (
    instrument_id INTEGER NOT NULL REFERENCES instruments(id),
    body_id INTEGER NOT NULL REFERENCES bodies(id),
    PRIMARY KEY (instrument_id, body_id)
);

-- Training and promotion events, with registration (and a waiting list), attendance and
-- attendance certificates. Materials are attachments (owner_kind 'event').
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    audience TEXT NOT NULL DEFAULT '',
    -- Local wall-clock times, YYYY-MM-DDTHH:MM.
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL DEFAULT '',
    place TEXT NOT NULL DEFAULT '',
    online_url TEXT NOT NULL DEFAULT '',
    capacity INTEGER NOT NULL,
    hours INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT events_name_unique UNIQUE (name)
);
CREATE INDEX events_starts ON events(starts_at);

CREATE TABLE event_registrations (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    -- The name as it goes on the certificate.
    full_name TEXT NOT NULL,
    institution TEXT NOT NULL DEFAULT '',
    -- 'registered', 'waitlisted' or 'cancelled'.
    status TEXT NOT NULL,
    attended BOOLEAN NOT NULL DEFAULT FALSE,
    -- Set when attendance is recorded: checked by anyone at /constancias/{code}.
    certificate_code TEXT,
    created_at TEXT NOT NULL,
    CONSTRAINT event_registrations_once UNIQUE (event_id, user_id),
    CONSTRAINT event_registrations_code_unique UNIQUE (certificate_code)
);
