-- Citizen participation (issue 14): participation spaces (consultas), the proposals people
-- make in them, and one support per person and proposal. The counts on a proposal are kept up
-- to date by the store in the same transaction as each support, so lists sort by them through
-- an index. Keep in step with ../postgres/0009_participation.sql.
CREATE TABLE participation_spaces (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    -- Who answers: a subject, a body, or (both NULL) the guarantor.
    subject_id INTEGER REFERENCES subjects(id),
    body_id INTEGER REFERENCES bodies(id),
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'open', 'evaluating', 'closed')),
    -- Supports that oblige an answer within answer_days (0: no threshold).
    support_threshold INTEGER NOT NULL DEFAULT 0,
    answer_days INTEGER NOT NULL DEFAULT 30,
    hide_after_reports INTEGER NOT NULL DEFAULT 3,
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT participation_spaces_name_unique UNIQUE (name)
);

CREATE TABLE proposals (
    id INTEGER PRIMARY KEY,
    space_id INTEGER NOT NULL REFERENCES participation_spaces(id),
    author_id INTEGER NOT NULL REFERENCES users(id),
    organisation_id INTEGER REFERENCES organisations(id),
    title TEXT NOT NULL,
    problem TEXT NOT NULL DEFAULT '',
    proposal TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'published',
    supports INTEGER NOT NULL DEFAULT 0,
    -- Moderation: 'visible', or 'hidden' (by reports pending review, or by a moderator) with
    -- the public reason.
    moderation TEXT NOT NULL DEFAULT 'visible' CHECK (moderation IN ('visible', 'hidden')),
    moderation_reason TEXT NOT NULL DEFAULT '',
    -- The local day (YYYY-MM-DD) its supports reached the space's threshold.
    threshold_reached_on TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX proposals_space_supports ON proposals(space_id, supports, id);

CREATE TABLE proposal_supports (
    proposal_id INTEGER NOT NULL REFERENCES proposals(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    CONSTRAINT proposal_supports_unique PRIMARY KEY (proposal_id, user_id)
);

-- Official answers, newest last: each sets the proposal's state and may link what took it up
-- (an agreement, an instrument, a dataset or a publication, by kind and key).
CREATE TABLE proposal_answers (
    id INTEGER PRIMARY KEY,
    proposal_id INTEGER NOT NULL REFERENCES proposals(id),
    state TEXT NOT NULL,
    text TEXT NOT NULL,
    link_kind TEXT NOT NULL DEFAULT '',
    link_key TEXT NOT NULL DEFAULT '',
    answered_by INTEGER REFERENCES users(id),
    answered_at TEXT NOT NULL
);
CREATE INDEX proposal_answers_proposal ON proposal_answers(proposal_id, id);

-- Comments on anything public (a proposal, a space, a publication, a dataset, an agreement, a
-- session), replies one level deep. A deleted comment stays as a placeholder.
CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    target_kind TEXT NOT NULL,
    target_id INTEGER NOT NULL,
    parent_id INTEGER REFERENCES comments(id),
    author_id INTEGER NOT NULL REFERENCES users(id),
    organisation_id INTEGER REFERENCES organisations(id),
    body TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'visible' CHECK (status IN ('visible', 'deleted', 'hidden')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX comments_target ON comments(target_kind, target_id, id);

-- Reports of a proposal or a comment to the moderators: one per person and content.
CREATE TABLE content_reports (
    id INTEGER PRIMARY KEY,
    target_kind TEXT NOT NULL CHECK (target_kind IN ('proposal', 'comment')),
    target_id INTEGER NOT NULL,
    reporter_id INTEGER NOT NULL REFERENCES users(id),
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL,
    -- Set when a moderator decides: 'hidden' or 'restored'.
    decision TEXT NOT NULL DEFAULT '',
    CONSTRAINT content_reports_unique UNIQUE (target_kind, target_id, reporter_id)
);
CREATE INDEX content_reports_open ON content_reports(decision, target_kind, target_id);
