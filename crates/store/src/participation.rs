//! Citizen participation (`domain::participation`): participation spaces, proposals and
//! supports. Every write checks the space's and the proposal's state in its transaction and is
//! recorded in the public log; a proposal's support count is kept in the same transaction as
//! the support, so lists sort by it through an index instead of counting.

use crate::audit::{self, Change, Who};
use crate::db::{Exec, Row, Tx};
use crate::error::{StoreError, StoreResult};
use crate::{params, summary};
use serde::Serialize;
use tequio_domain::participation::{ProposalState, SpaceStatus};

/// A participation space (consulta).
#[derive(Debug, Clone, Serialize)]
pub struct Space {
    pub id: i64,
    pub name: String,
    pub title: String,
    /// Markdown; sanitised when shown.
    pub description: String,
    pub subject_id: Option<i64>,
    pub body_id: Option<i64>,
    pub status: SpaceStatus,
    /// Supports that oblige an answer (0: none).
    pub support_threshold: i64,
    pub answer_days: i64,
    pub hide_after_reports: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// What a space's manager writes.
#[derive(Debug, Clone, Default)]
pub struct SpaceInput {
    pub name: String,
    pub title: String,
    pub description: String,
    pub subject_id: Option<i64>,
    pub body_id: Option<i64>,
    pub support_threshold: i64,
    pub answer_days: i64,
}

const SPACE_SELECT: &str = "SELECT id, name, title, description, subject_id, body_id, status,
    support_threshold, answer_days, hide_after_reports, created_at, updated_at
    FROM participation_spaces";

fn space_from_row(mut r: Row) -> StoreResult<Space> {
    Ok(Space {
        id: r.take(0)?,
        name: r.take(1)?,
        title: r.take(2)?,
        description: r.take(3)?,
        subject_id: r.take(4)?,
        body_id: r.take(5)?,
        status: {
            let s: String = r.take(6)?;
            SpaceStatus::parse(&s)
                .ok_or_else(|| StoreError::Decode(format!("space status «{s}»")))?
        },
        support_threshold: r.take(7)?,
        answer_days: r.take(8)?,
        hide_after_reports: r.take(9)?,
        created_at: r.take(10)?,
        updated_at: r.take(11)?,
    })
}

/// A space by its name.
pub async fn space(db: &impl Exec, name: &str) -> StoreResult<Space> {
    db.query_opt(&format!("{SPACE_SELECT} WHERE name = $1"), params![name])
        .await?
        .map(space_from_row)
        .transpose()?
        .ok_or(StoreError::NotFound)
}

/// Creates a space, as a draft.
pub async fn create_space(tx: &Tx, who: &Who, input: &SpaceInput) -> StoreResult<i64> {
    if input.title.trim().is_empty() {
        return Err(StoreError::Invalid("title: escribe un título".into()));
    }
    if input.support_threshold < 0 || !(1..=365).contains(&input.answer_days) {
        return Err(StoreError::Invalid(
            "answer_days: el plazo de respuesta va de 1 a 365 días".into(),
        ));
    }
    let now = crate::now();
    let id: i64 = tx
        .query_one(
            "INSERT INTO participation_spaces (name, title, description, subject_id, body_id,
                support_threshold, answer_days, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
            params![
                &input.name,
                &input.title,
                &input.description,
                input.subject_id,
                input.body_id,
                input.support_threshold,
                input.answer_days,
                who.user_id,
                now
            ],
        )
        .await?
        .get(0)?;
    audit::append(
        tx,
        who,
        Change {
            action: "space.create",
            target_kind: "space",
            target_id: id.to_string(),
            public: true,
            summary: summary! { "name" => &input.name, "title" => &input.title },
        },
    )
    .await?;
    Ok(id)
}

/// Moves a space to another state, as `SpaceStatus::may_become` allows; a space closes only
/// when none of its proposals waits for an answer.
pub async fn set_space_status(
    tx: &Tx,
    who: &Who,
    space: &Space,
    next: SpaceStatus,
) -> StoreResult<()> {
    if !space.status.may_become(next) {
        return Err(StoreError::Invalid(format!(
            "status: un espacio «{}» no puede pasar a «{}»",
            space.status.as_str(),
            next.as_str()
        )));
    }
    if next == SpaceStatus::Closed {
        let waiting: i64 = tx
            .query_one(
                "SELECT COUNT(*) FROM proposals WHERE space_id = $1 AND state IN ($2, $3)",
                params![
                    space.id,
                    ProposalState::Published.as_str(),
                    ProposalState::UnderEvaluation.as_str()
                ],
            )
            .await?
            .get(0)?;
        if waiting > 0 {
            return Err(StoreError::Invalid(format!(
                "status: {waiting} propuestas esperan respuesta; el espacio no puede cerrarse antes"
            )));
        }
    }
    tx.execute(
        "UPDATE participation_spaces SET status = $2, updated_at = $3 WHERE id = $1",
        params![space.id, next.as_str(), crate::now()],
    )
    .await?;
    audit::append(
        tx,
        who,
        Change {
            action: "space.status",
            target_kind: "space",
            target_id: space.id.to_string(),
            public: true,
            summary: summary! { "name" => &space.name, "status" => next.as_str() },
        },
    )
    .await?;
    Ok(())
}

/// A proposal as lists and its page show it.
#[derive(Debug, Clone, Serialize)]
pub struct Proposal {
    pub id: i64,
    pub space_id: i64,
    pub author_id: i64,
    pub organisation_id: Option<i64>,
    pub title: String,
    pub problem: String,
    pub proposal: String,
    pub state: ProposalState,
    pub supports: i64,
    pub threshold_reached_on: Option<String>,
    /// `visible` or `hidden`, with the public reason when hidden.
    pub moderation: String,
    pub moderation_reason: String,
    pub created_at: String,
    pub updated_at: String,
}

/// What a participant writes.
#[derive(Debug, Clone, Default)]
pub struct ProposalInput {
    pub title: String,
    pub problem: String,
    pub proposal: String,
    /// Posting on behalf of an organisation the author belongs to (checked by the caller).
    pub organisation_id: Option<i64>,
}

const PROPOSAL_SELECT: &str = "SELECT id, space_id, author_id, organisation_id, title, problem,
    proposal, state, supports, threshold_reached_on, created_at, updated_at, moderation,
    moderation_reason FROM proposals";

fn proposal_from_row(mut r: Row) -> StoreResult<Proposal> {
    Ok(Proposal {
        id: r.take(0)?,
        space_id: r.take(1)?,
        author_id: r.take(2)?,
        organisation_id: r.take(3)?,
        title: r.take(4)?,
        problem: r.take(5)?,
        proposal: r.take(6)?,
        state: {
            let s: String = r.take(7)?;
            ProposalState::parse(&s)
                .ok_or_else(|| StoreError::Decode(format!("proposal state «{s}»")))?
        },
        supports: r.take(8)?,
        threshold_reached_on: r.take(9)?,
        created_at: r.take(10)?,
        updated_at: r.take(11)?,
        moderation: r.take(12)?,
        moderation_reason: r.take(13)?,
    })
}

pub async fn proposal(db: &impl Exec, id: i64) -> StoreResult<Proposal> {
    db.query_opt(&format!("{PROPOSAL_SELECT} WHERE id = $1"), params![id])
        .await?
        .map(proposal_from_row)
        .transpose()?
        .ok_or(StoreError::NotFound)
}

/// How a space's proposals are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProposalOrder {
    MostSupported,
    Newest,
}

/// A page of a space's proposals (withdrawn ones last are left out) and how many there are.
pub async fn proposals(
    db: &impl Exec,
    space_id: i64,
    order: ProposalOrder,
    limit: i64,
    offset: i64,
) -> StoreResult<(i64, Vec<Proposal>)> {
    let withdrawn = ProposalState::Withdrawn.as_str();
    let total: i64 = db
        .query_one(
            "SELECT COUNT(*) FROM proposals WHERE space_id = $1 AND state <> $2",
            params![space_id, withdrawn],
        )
        .await?
        .get(0)?;
    let order = match order {
        ProposalOrder::MostSupported => "supports DESC, id DESC",
        ProposalOrder::Newest => "id DESC",
    };
    let rows = db
        .query(
            &format!(
                "{PROPOSAL_SELECT} WHERE space_id = $1 AND state <> $2 ORDER BY {order} LIMIT $3 OFFSET $4"
            ),
            params![space_id, withdrawn, limit, offset],
        )
        .await?;
    let list = rows
        .into_iter()
        .map(proposal_from_row)
        .collect::<StoreResult<_>>()?;
    Ok((total, list))
}

/// Publishes a proposal in an open space. The caller has checked that the author may
/// participate (a verified account) and may post for the organisation.
pub async fn propose(tx: &Tx, who: &Who, space: &Space, input: &ProposalInput) -> StoreResult<i64> {
    let author = who.user_id.ok_or(StoreError::Invalid(
        "author: hace falta una cuenta para proponer".into(),
    ))?;
    if !space.status.takes_contributions() {
        return Err(StoreError::Invalid(
            "space: este espacio no recibe propuestas ahora".into(),
        ));
    }
    let mut problems = Vec::new();
    if input.title.trim().is_empty() {
        problems.push("title: escribe un título");
    }
    if input.proposal.trim().is_empty() {
        problems.push("proposal: escribe tu propuesta");
    }
    if !problems.is_empty() {
        return Err(StoreError::Invalid(problems.join("\n")));
    }
    let now = crate::now();
    let id: i64 = tx
        .query_one(
            "INSERT INTO proposals (space_id, author_id, organisation_id, title, problem, proposal,
                created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
            params![
                space.id,
                author,
                input.organisation_id,
                input.title.trim(),
                input.problem.trim(),
                input.proposal.trim(),
                now
            ],
        )
        .await?
        .get(0)?;
    audit::append(
        tx,
        who,
        Change {
            action: "proposal.create",
            target_kind: "proposal",
            target_id: id.to_string(),
            public: true,
            summary: summary! { "space" => &space.name, "title" => input.title.trim() },
        },
    )
    .await?;
    Ok(id)
}

/// Supports a proposal: one support per person, only while the space is open and the proposal
/// unsettled. Records the day the space's threshold is reached (`today`, local `YYYY-MM-DD`).
pub async fn support(
    tx: &Tx,
    who: &Who,
    space: &Space,
    proposal: &Proposal,
    today: &str,
) -> StoreResult<i64> {
    let user = who.user_id.ok_or(StoreError::Invalid(
        "support: hace falta una cuenta para apoyar".into(),
    ))?;
    if !space.status.takes_contributions() || !proposal.state.takes_supports() {
        return Err(StoreError::Invalid(
            "support: esta propuesta ya no recibe apoyos".into(),
        ));
    }
    let added = tx
        .execute(
            "INSERT INTO proposal_supports (proposal_id, user_id, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (proposal_id, user_id) DO NOTHING",
            params![proposal.id, user, crate::now()],
        )
        .await?;
    if added == 0 {
        return Err(StoreError::Invalid(
            "support: ya apoyas esta propuesta".into(),
        ));
    }
    let supports: i64 = tx
        .query_one(
            "UPDATE proposals SET supports = supports + 1 WHERE id = $1 RETURNING supports",
            params![proposal.id],
        )
        .await?
        .get(0)?;
    if space.support_threshold > 0 && supports >= space.support_threshold {
        tx.execute(
            "UPDATE proposals SET threshold_reached_on = $2 WHERE id = $1 AND threshold_reached_on IS NULL",
            params![proposal.id, today],
        )
        .await?;
    }
    audit::append(
        tx,
        who,
        Change {
            action: "proposal.support",
            target_kind: "proposal",
            target_id: proposal.id.to_string(),
            public: true,
            summary: summary! { "supports" => supports },
        },
    )
    .await?;
    Ok(supports)
}

/// Withdraws one's support (the count goes down; a reached threshold stays reached).
pub async fn withdraw_support(tx: &Tx, who: &Who, proposal: &Proposal) -> StoreResult<i64> {
    let user = who.user_id.ok_or(StoreError::NotFound)?;
    let removed = tx
        .execute(
            "DELETE FROM proposal_supports WHERE proposal_id = $1 AND user_id = $2",
            params![proposal.id, user],
        )
        .await?;
    if removed == 0 {
        return Err(StoreError::Invalid(
            "support: no apoyabas esta propuesta".into(),
        ));
    }
    let supports: i64 = tx
        .query_one(
            "UPDATE proposals SET supports = supports - 1 WHERE id = $1 RETURNING supports",
            params![proposal.id],
        )
        .await?
        .get(0)?;
    audit::append(
        tx,
        who,
        Change {
            action: "proposal.unsupport",
            target_kind: "proposal",
            target_id: proposal.id.to_string(),
            public: true,
            summary: summary! { "supports" => supports },
        },
    )
    .await?;
    Ok(supports)
}

/// What took a proposal up, linked from its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnswerLink {
    /// `agreement`, `instrument`, `dataset` or `publication`.
    pub kind: String,
    /// Its id or name.
    pub key: String,
}

/// An official answer.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    pub id: i64,
    pub proposal_id: i64,
    pub state: ProposalState,
    pub text: String,
    pub link: Option<AnswerLink>,
    pub answered_at: String,
}

/// The kinds of thing an answer may link.
pub const ANSWER_LINK_KINDS: &[&str] = &["agreement", "instrument", "dataset", "publication"];

/// Answers a proposal: sets its state; "not accepted" needs its reason in the text. The
/// caller has checked that `who` answers for the space (its subject's editors or its body's
/// secretary).
pub async fn answer(
    tx: &Tx,
    who: &Who,
    proposal: &Proposal,
    state: ProposalState,
    text: &str,
    link: Option<&AnswerLink>,
) -> StoreResult<i64> {
    if !ProposalState::ANSWERS.contains(&state) {
        return Err(StoreError::Invalid(format!(
            "state: «{}» no es una respuesta",
            state.as_str()
        )));
    }
    if proposal.state == ProposalState::Withdrawn {
        return Err(StoreError::Invalid(
            "proposal: su autor la retiró; ya no se responde".into(),
        ));
    }
    let text = text.trim();
    if text.is_empty() {
        return Err(StoreError::Invalid(
            if state == ProposalState::NotAccepted {
                "text: escribe por qué no se acepta".into()
            } else {
                "text: escribe la respuesta".into()
            },
        ));
    }
    if let Some(l) = link
        && !ANSWER_LINK_KINDS.contains(&l.kind.as_str())
    {
        return Err(StoreError::Invalid(format!(
            "link: «{}» no es algo que una respuesta pueda enlazar",
            l.kind
        )));
    }
    let now = crate::now();
    let id: i64 = tx
        .query_one(
            "INSERT INTO proposal_answers (proposal_id, state, text, link_kind, link_key, answered_by, answered_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            params![
                proposal.id,
                state.as_str(),
                text,
                link.map_or("", |l| l.kind.as_str()),
                link.map_or("", |l| l.key.as_str()),
                who.user_id,
                &now
            ],
        )
        .await?
        .get(0)?;
    tx.execute(
        "UPDATE proposals SET state = $2, updated_at = $3 WHERE id = $1",
        params![proposal.id, state.as_str(), &now],
    )
    .await?;
    audit::append(
        tx,
        who,
        Change {
            action: "proposal.answer",
            target_kind: "proposal",
            target_id: proposal.id.to_string(),
            public: true,
            summary: summary! { "state" => state.as_str(), "title" => &proposal.title },
        },
    )
    .await?;
    Ok(id)
}

/// A proposal's answers, oldest first.
pub async fn answers(db: &impl Exec, proposal_id: i64) -> StoreResult<Vec<Answer>> {
    let rows = db
        .query(
            "SELECT id, proposal_id, state, text, link_kind, link_key, answered_at
             FROM proposal_answers WHERE proposal_id = $1 ORDER BY id",
            params![proposal_id],
        )
        .await?;
    rows.into_iter()
        .map(|mut r| {
            let state: String = r.take(2)?;
            let kind: String = r.take(4)?;
            let key: String = r.take(5)?;
            Ok(Answer {
                id: r.take(0)?,
                proposal_id: r.take(1)?,
                state: ProposalState::parse(&state)
                    .ok_or_else(|| StoreError::Decode(format!("answer state «{state}»")))?,
                text: r.take(3)?,
                link: (!kind.is_empty()).then_some(AnswerLink { kind, key }),
                answered_at: r.take(6)?,
            })
        })
        .collect()
}

/// A comment; a deleted one keeps its place without its text or author.
#[derive(Debug, Clone, Serialize)]
pub struct Comment {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub author_id: Option<i64>,
    pub organisation_id: Option<i64>,
    /// Empty when deleted.
    pub body: String,
    /// `visible`, `deleted` or `hidden`.
    pub status: String,
    pub created_at: String,
}

/// What a comment is about: its kind (`proposal`, `space`, `publication`, `dataset`,
/// `agreement`, `session`) and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommentTarget<'a> {
    pub kind: &'a str,
    pub id: i64,
}

/// Longest comment.
pub const MAX_COMMENT_CHARS: usize = 5_000;

/// Comments on a proposal or a space while it is open; replies go one level deep (a reply to
/// a reply is refused). The caller checks that the target exists, is public and takes comments.
pub async fn comment(
    tx: &Tx,
    who: &Who,
    target: CommentTarget<'_>,
    parent_id: Option<i64>,
    body: &str,
) -> StoreResult<i64> {
    let author = who.user_id.ok_or(StoreError::Invalid(
        "author: hace falta una cuenta para comentar".into(),
    ))?;
    let body = body.trim();
    if body.is_empty() || body.chars().count() > MAX_COMMENT_CHARS {
        return Err(StoreError::Invalid(format!(
            "body: escribe un comentario de hasta {MAX_COMMENT_CHARS} caracteres"
        )));
    }
    if let Some(parent) = parent_id {
        let row = tx
            .query_opt(
                "SELECT target_kind, target_id, parent_id FROM comments WHERE id = $1",
                params![parent],
            )
            .await?
            .ok_or(StoreError::Invalid(
                "parent_id: el comentario que respondes no existe".into(),
            ))?;
        let (kind, id, grand): (String, i64, Option<i64>) = (row.get(0)?, row.get(1)?, row.get(2)?);
        if kind != target.kind || id != target.id {
            return Err(StoreError::Invalid(
                "parent_id: ese comentario es de otra conversación".into(),
            ));
        }
        if grand.is_some() {
            return Err(StoreError::Invalid(
                "parent_id: las respuestas llegan a dos niveles; responde al comentario original"
                    .into(),
            ));
        }
    }
    let now = crate::now();
    let id: i64 = tx
        .query_one(
            "INSERT INTO comments (target_kind, target_id, parent_id, author_id, body, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
            params![target.kind, target.id, parent_id, author, body, now],
        )
        .await?
        .get(0)?;
    audit::append(
        tx,
        who,
        Change {
            action: "comment.create",
            target_kind: target.kind,
            target_id: target.id.to_string(),
            public: true,
            summary: summary! { "comment" => id },
        },
    )
    .await?;
    Ok(id)
}

/// Deletes one's own comment: it stays in its place as "comentario eliminado", so replies
/// keep their sense.
pub async fn delete_comment(tx: &Tx, who: &Who, id: i64) -> StoreResult<()> {
    let changed = tx
        .execute(
            "UPDATE comments SET status = 'deleted', body = '', updated_at = $3
             WHERE id = $1 AND author_id = $2 AND status = 'visible'",
            params![id, who.user_id, crate::now()],
        )
        .await?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    audit::append(
        tx,
        who,
        Change {
            action: "comment.delete",
            target_kind: "comment",
            target_id: id.to_string(),
            public: true,
            summary: summary! {},
        },
    )
    .await?;
    Ok(())
}

/// A conversation, oldest first (replies follow their parent when shown).
pub async fn comments(db: &impl Exec, target: CommentTarget<'_>) -> StoreResult<Vec<Comment>> {
    db.query(
        "SELECT id, parent_id, author_id, organisation_id, body, status, created_at
         FROM comments WHERE target_kind = $1 AND target_id = $2 ORDER BY id",
        params![target.kind, target.id],
    )
    .await?
    .into_iter()
    .map(|mut r| {
        let status: String = r.take(5)?;
        let deleted = status == "deleted";
        let author: Option<i64> = r.take(2)?;
        Ok(Comment {
            id: r.take(0)?,
            parent_id: r.take(1)?,
            author_id: if deleted { None } else { author },
            organisation_id: r.take(3)?,
            body: r.take(4)?,
            status,
            created_at: r.take(6)?,
        })
    })
    .collect()
}

/// Reports a proposal or a comment to the moderators. One report per person and content; nobody
/// reports their own. At the space's number of open reports the content is hidden pending
/// review (`hidden_by_reports`). Returns whether it is hidden now.
pub async fn report(
    tx: &Tx,
    who: &Who,
    kind: &str,
    id: i64,
    reason: tequio_domain::participation::ReportReason,
    hide_after: i64,
) -> StoreResult<bool> {
    let reporter = who.user_id.ok_or(StoreError::Invalid(
        "reporter: hace falta una cuenta para denunciar".into(),
    ))?;
    let (table, author_column) = match kind {
        "proposal" => ("proposals", "author_id"),
        "comment" => ("comments", "author_id"),
        other => {
            return Err(StoreError::Invalid(format!(
                "target: «{other}» no se puede denunciar"
            )));
        }
    };
    let author: i64 = tx
        .query_opt(
            &format!("SELECT {author_column} FROM {table} WHERE id = $1"),
            params![id],
        )
        .await?
        .ok_or(StoreError::NotFound)?
        .get(0)?;
    if author == reporter {
        return Err(StoreError::Invalid(
            "target: no puedes denunciar lo que tú escribiste".into(),
        ));
    }
    let added = tx
        .execute(
            "INSERT INTO content_reports (target_kind, target_id, reporter_id, reason, created_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (target_kind, target_id, reporter_id) DO NOTHING",
            params![kind, id, reporter, reason.as_str(), crate::now()],
        )
        .await?;
    if added == 0 {
        return Err(StoreError::Invalid(
            "target: ya denunciaste este contenido; lo revisará la moderación".into(),
        ));
    }
    let open: i64 = tx
        .query_one(
            "SELECT COUNT(*) FROM content_reports WHERE target_kind = $1 AND target_id = $2 AND decision = ''",
            params![kind, id],
        )
        .await?
        .get(0)?;
    let hidden = tequio_domain::participation::hidden_by_reports(open, hide_after);
    if hidden && kind == "proposal" {
        // The public reason is a code the pages put in words: hidden pending review.
        tx.execute(
            "UPDATE proposals SET moderation = 'hidden', moderation_reason = 'pending_review'
             WHERE id = $1",
            params![id],
        )
        .await?;
    } else if hidden {
        tx.execute(
            "UPDATE comments SET status = 'hidden' WHERE id = $1 AND status = 'visible'",
            params![id],
        )
        .await?;
    }
    audit::append(
        tx,
        who,
        Change {
            action: "content.report",
            target_kind: kind,
            target_id: id.to_string(),
            // Who reported is not public; that content was hidden pending review is.
            public: hidden,
            summary: summary! { "reason" => reason.as_str(), "hidden" => hidden },
        },
    )
    .await?;
    Ok(hidden)
}
