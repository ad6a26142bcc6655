//! Collegiate bodies: the bodies and their seats, sessions with attendance, quorum and minutes,
//! agreements and their follow-up (the files attached to them are in [`crate::files`]).
//!
//! Reads that list many rows (the body list, the agreement tracker, the calendar) are one query
//! each, plus at most one batched query for the rows' children, whatever the number of rows.

use crate::audit::{self, Change, Who};
use crate::db::{Exec, Row, Tx, Value};
use crate::error::{StoreError, StoreResult};
use crate::files::{Attachment, attachments_of};
use crate::{id_list, params, search, summary};
use serde::Serialize;
use std::collections::HashMap;
use tequio_domain::accounts::Sector;
use tequio_domain::bodies::{
    AgreementInput, AgreementStatus, Attendance, BodyKind, BodyStatus, MinutesStatus, Quorum,
    QuorumRule, SeatPosition, SessionPlan, SessionStatus, Vote, agreement_code, format_local,
};
use tequio_domain::search::SearchKind;

// ---------------------------------------------------------------------------------------------
// Bodies

/// A collegiate body.
#[derive(Debug, Clone, Serialize)]
pub struct Body {
    pub id: i64,
    /// The URL name.
    pub name: String,
    /// The short code agreements are numbered with.
    pub code: String,
    pub title: String,
    pub kind: BodyKind,
    pub purpose: String,
    /// Rules of operation, Markdown.
    pub rules: String,
    pub quorum_rule: QuorumRule,
    /// Days of notice an ordinary session needs.
    pub notice_days: i64,
    /// Whether organisations may ask to join.
    pub accepts_members: bool,
    /// Documents a request to join must attach.
    pub adhesion_documents: Vec<String>,
    pub parent_id: Option<i64>,
    pub subject_id: Option<i64>,
    pub subject_name: Option<String>,
    pub status: BodyStatus,
    pub term_start: String,
    pub term_end: String,
    pub created_at: String,
    pub updated_at: String,
}

/// What an admin or the body's secretary writes for a body.
#[derive(Debug, Clone)]
pub struct BodyInput {
    pub name: String,
    pub code: String,
    pub title: String,
    pub kind: BodyKind,
    pub purpose: String,
    pub rules: String,
    pub quorum_rule: QuorumRule,
    pub notice_days: i64,
    pub accepts_members: bool,
    /// One per line.
    pub adhesion_documents: String,
    pub parent_id: Option<i64>,
    pub subject_id: Option<i64>,
    pub term_start: String,
    pub term_end: String,
}

const BODY_SELECT: &str = "SELECT b.id, b.name, b.code, b.title, b.kind, b.purpose, b.rules,
    b.quorum_rule, b.notice_days, b.accepts_members, b.parent_id, b.subject_id, s.name,
    b.status, b.term_start, b.term_end, b.created_at, b.updated_at, b.adhesion_documents
    FROM bodies b LEFT JOIN subjects s ON s.id = b.subject_id";

fn parse_or<T>(value: &str, parse: fn(&str) -> Option<T>) -> StoreResult<T> {
    parse(value).ok_or_else(|| StoreError::Decode(format!("unknown value «{value}»")))
}

fn body_from_row(mut r: Row) -> StoreResult<Body> {
    Ok(Body {
        id: r.take(0)?,
        name: r.take(1)?,
        code: r.take(2)?,
        title: r.take(3)?,
        kind: parse_or(&r.take::<String>(4)?, BodyKind::parse)?,
        purpose: r.take(5)?,
        rules: r.take(6)?,
        quorum_rule: parse_or(&r.take::<String>(7)?, QuorumRule::parse)?,
        notice_days: r.take(8)?,
        accepts_members: r.take(9)?,
        parent_id: r.take(10)?,
        subject_id: r.take(11)?,
        subject_name: r.take(12)?,
        status: parse_or(&r.take::<String>(13)?, BodyStatus::parse)?,
        term_start: r.take(14)?,
        term_end: r.take(15)?,
        created_at: r.take(16)?,
        updated_at: r.take(17)?,
        adhesion_documents: lines(&r.take::<String>(18)?),
    })
}

/// The non-empty lines of a text, trimmed.
pub(crate) fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

impl Body {
    pub async fn by_name(db: &impl Exec, name: &str) -> StoreResult<Body> {
        db.query_opt(&format!("{BODY_SELECT} WHERE b.name = $1"), params![name])
            .await?
            .map(body_from_row)
            .transpose()?
            .ok_or(StoreError::NotFound)
    }

    pub async fn by_id(db: &impl Exec, id: i64) -> StoreResult<Body> {
        db.query_opt(&format!("{BODY_SELECT} WHERE b.id = $1"), params![id])
            .await?
            .map(body_from_row)
            .transpose()?
            .ok_or(StoreError::NotFound)
    }

    /// The bodies directly under this one.
    pub async fn children(&self, db: &impl Exec) -> StoreResult<Vec<Body>> {
        db.query(
            &format!("{BODY_SELECT} WHERE b.parent_id = $1 ORDER BY b.title"),
            params![self.id],
        )
        .await?
        .into_iter()
        .map(body_from_row)
        .collect()
    }
}

/// A body in the list, with its counts.
#[derive(Debug, Clone, Serialize)]
pub struct BodySummary {
    pub id: i64,
    pub name: String,
    pub title: String,
    pub kind: BodyKind,
    pub status: BodyStatus,
    pub parent_id: Option<i64>,
    pub seats: i64,
    pub sessions: i64,
    pub open_agreements: i64,
    pub overdue_agreements: i64,
}

/// Every body with its counts, in one query. `today` is `YYYY-MM-DD` (local).
pub async fn list(db: &impl Exec, today: &str) -> StoreResult<Vec<BodySummary>> {
    db.query(
        // Counts come from one grouped pass over each table, not a subquery per body.
        "SELECT b.id, b.name, b.title, b.kind, b.status, b.parent_id,
            COALESCE(t.n, 0), COALESCE(x.n, 0), COALESCE(a.open, 0), COALESCE(a.overdue, 0)
         FROM bodies b
         LEFT JOIN (SELECT body_id, COUNT(*) AS n FROM seats WHERE ended_at IS NULL GROUP BY body_id) t
            ON t.body_id = b.id
         LEFT JOIN (SELECT body_id, COUNT(*) AS n FROM body_sessions WHERE status <> 'cancelled' GROUP BY body_id) x
            ON x.body_id = b.id
         LEFT JOIN (SELECT body_id,
                SUM(CASE WHEN status IN ('pending', 'in_progress') THEN 1 ELSE 0 END) AS open,
                SUM(CASE WHEN status IN ('pending', 'in_progress') AND due_on <> '' AND due_on < $1
                    THEN 1 ELSE 0 END) AS overdue
                FROM agreements GROUP BY body_id) a
            ON a.body_id = b.id
         ORDER BY b.status, b.kind = 'technical_secretariat' DESC, b.title",
        params![today],
    )
    .await?
    .into_iter()
    .map(|mut r| {
        Ok(BodySummary {
            id: r.take(0)?,
            name: r.take(1)?,
            title: r.take(2)?,
            kind: parse_or(&r.take::<String>(3)?, BodyKind::parse)?,
            status: parse_or(&r.take::<String>(4)?, BodyStatus::parse)?,
            parent_id: r.take(5)?,
            seats: r.take(6)?,
            sessions: r.take(7)?,
            open_agreements: r.take(8)?,
            overdue_agreements: r.take(9)?,
        })
    })
    .collect()
}

/// Puts a body in the search, with its members' names (called whenever either changes).
async fn index_body(tx: &Tx, id: i64) -> StoreResult<()> {
    let b = Body::by_id(tx, id).await?;
    let members: Vec<String> = seats(tx, id)
        .await?
        .into_iter()
        .map(|s| format!("{} {} {}", s.holder_name, s.titular_name, s.alternate_name))
        .collect();
    search::put(
        tx,
        SearchKind::Body,
        id,
        &b.title,
        &format!("{} {} {}", b.purpose, b.rules, members.join(" ")),
        &b.name,
    )
    .await
}

/// Dissolves a body (it stays, with its history, and convenes no more sessions) or makes it
/// active again.
pub async fn set_status(tx: &Tx, who: &Who, body: &Body, status: BodyStatus) -> StoreResult<()> {
    tx.execute(
        "UPDATE bodies SET status = $2, updated_at = $3 WHERE id = $1",
        params![body.id, status.as_str(), crate::now()],
    )
    .await?;
    audit::append(
        tx,
        who,
        Change {
            action: "body.status",
            target_kind: "body",
            target_id: body.id.to_string(),
            public: true,
            summary: summary! { "from" => body.status.as_str(), "to" => status.as_str() },
        },
    )
    .await?;
    Ok(())
}

/// Puts a session in the search: its agenda, and its minutes once approved.
async fn index_session(tx: &Tx, session_id: i64) -> StoreResult<()> {
    let s = Session::by_id(tx, session_id).await?;
    let minutes = if s.minutes_status == MinutesStatus::Approved {
        s.minutes.as_str()
    } else {
        ""
    };
    search::put(
        tx,
        SearchKind::Session,
        s.id,
        &format!("{}: sesión {}/{}", s.body_title, s.number, s.year),
        &format!("{} {minutes}", s.agenda),
        &format!("{}/{}/{}", s.body_name, s.year, s.number),
    )
    .await
}

/// Creates a body.
pub async fn create(tx: &Tx, who: &Who, input: &BodyInput) -> StoreResult<i64> {
    let now = crate::now();
    let id: i64 = tx
        .query_one(
            "INSERT INTO bodies (name, code, title, kind, purpose, rules, quorum_rule, notice_days,
                accepts_members, parent_id, subject_id, status, term_start, term_end, created_at, updated_at,
                adhesion_documents)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'active', $12, $13, $14, $14, $15) RETURNING id",
            params![
                &input.name,
                &input.code,
                &input.title,
                input.kind.as_str(),
                &input.purpose,
                &input.rules,
                input.quorum_rule.as_str(),
                input.notice_days,
                input.accepts_members,
                input.parent_id,
                input.subject_id,
                &input.term_start,
                &input.term_end,
                now,
                lines(&input.adhesion_documents).join("\n")
            ],
        )
        .await?
        .get(0)?;
    index_body(tx, id).await?;
    audit::append(
        tx,
        who,
        Change {
            action: "body.create",
            target_kind: "body",
            target_id: id.to_string(),
            public: true,
            summary: summary! { "name" => &input.name, "title" => &input.title, "kind" => input.kind.as_str() },
        },
    )
    .await?;
    Ok(id)
}

/// Replaces a body's description and rules (its URL name and code stay).
pub async fn update(tx: &Tx, who: &Who, id: i64, input: &BodyInput) -> StoreResult<()> {
    let changed = tx
        .execute(
            "UPDATE bodies SET title = $2, kind = $3, purpose = $4, rules = $5, quorum_rule = $6,
                notice_days = $7, accepts_members = $8, term_start = $9, term_end = $10, updated_at = $11,
                adhesion_documents = $12
             WHERE id = $1",
            params![
                id,
                &input.title,
                input.kind.as_str(),
                &input.purpose,
                &input.rules,
                input.quorum_rule.as_str(),
                input.notice_days,
                input.accepts_members,
                &input.term_start,
                &input.term_end,
                crate::now(),
                lines(&input.adhesion_documents).join("\n")
            ],
        )
        .await?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    index_body(tx, id).await?;
    audit::append(
        tx,
        who,
        Change {
            action: "body.update",
            target_kind: "body",
            target_id: id.to_string(),
            public: true,
            summary: summary! { "title" => &input.title, "quorum_rule" => input.quorum_rule.as_str() },
        },
    )
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Seats

/// A seat and who holds it.
#[derive(Debug, Clone, Serialize)]
pub struct Seat {
    pub id: i64,
    pub body_id: i64,
    pub organisation_id: Option<i64>,
    pub subject_id: Option<i64>,
    /// The institution, organisation or person holding the seat.
    pub holder_name: String,
    pub sector: Sector,
    pub position: SeatPosition,
    pub titular_name: String,
    /// Private: for invitations only.
    #[serde(skip)]
    pub titular_email: String,
    pub alternate_name: String,
    #[serde(skip)]
    pub alternate_email: String,
    pub starts_on: String,
    pub ends_on: String,
    pub ended_at: Option<String>,
    pub source: String,
}

/// Who takes a seat.
#[derive(Debug, Clone)]
pub struct SeatInput {
    pub organisation_id: Option<i64>,
    pub subject_id: Option<i64>,
    pub user_id: Option<i64>,
    pub holder_name: String,
    pub sector: Sector,
    pub position: SeatPosition,
    pub titular_name: String,
    pub titular_email: String,
    pub alternate_name: String,
    pub alternate_email: String,
    pub starts_on: String,
    pub ends_on: String,
    /// 'direct', 'call' or 'adhesion'.
    pub source: &'static str,
}

const SEAT_SELECT: &str = "SELECT id, body_id, organisation_id, subject_id, holder_name, sector,
    position, titular_name, titular_email, alternate_name, alternate_email, starts_on, ends_on,
    ended_at, source FROM seats";

fn seat_from_row(mut r: Row) -> StoreResult<Seat> {
    Ok(Seat {
        id: r.take(0)?,
        body_id: r.take(1)?,
        organisation_id: r.take(2)?,
        subject_id: r.take(3)?,
        holder_name: r.take(4)?,
        sector: parse_or(&r.take::<String>(5)?, Sector::parse)?,
        position: parse_or(&r.take::<String>(6)?, SeatPosition::parse)?,
        titular_name: r.take(7)?,
        titular_email: r.take(8)?,
        alternate_name: r.take(9)?,
        alternate_email: r.take(10)?,
        starts_on: r.take(11)?,
        ends_on: r.take(12)?,
        ended_at: r.take(13)?,
        source: r.take(14)?,
    })
}

/// A body's seats held now, presidency first.
pub async fn seats(db: &impl Exec, body_id: i64) -> StoreResult<Vec<Seat>> {
    db.query(
        &format!(
            "{SEAT_SELECT} WHERE body_id = $1 AND ended_at IS NULL
             ORDER BY CASE position WHEN 'president' THEN 0 WHEN 'technical_secretary' THEN 1
                WHEN 'member' THEN 2 ELSE 3 END, holder_name, id"
        ),
        params![body_id],
    )
    .await?
    .into_iter()
    .map(seat_from_row)
    .collect()
}

/// Seats a new member. The same organisation or subject holds at most one seat at a time.
pub async fn add_seat(tx: &Tx, who: &Who, body_id: i64, input: &SeatInput) -> StoreResult<i64> {
    if input.titular_name.trim().is_empty() {
        return Err(StoreError::Invalid(
            "titular_name: escribe el nombre de la persona titular".into(),
        ));
    }
    let taken = tx
        .query_opt(
            "SELECT id FROM seats WHERE body_id = $1 AND ended_at IS NULL AND
                ((organisation_id IS NOT NULL AND organisation_id = $2) OR
                 (subject_id IS NOT NULL AND subject_id = $3) OR
                 (user_id IS NOT NULL AND user_id = $4))",
            params![
                body_id,
                input.organisation_id,
                input.subject_id,
                input.user_id
            ],
        )
        .await?;
    if taken.is_some() {
        return Err(StoreError::Invalid(format!(
            "holder: «{}» ya ocupa un lugar en este órgano",
            input.holder_name
        )));
    }
    let id: i64 = tx
        .query_one(
            "INSERT INTO seats (body_id, organisation_id, subject_id, user_id, holder_name, sector, position,
                titular_name, titular_email, alternate_name, alternate_email, starts_on, ends_on, source, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
            params![
                body_id,
                input.organisation_id,
                input.subject_id,
                input.user_id,
                &input.holder_name,
                input.sector.as_str(),
                input.position.as_str(),
                &input.titular_name,
                &input.titular_email,
                &input.alternate_name,
                &input.alternate_email,
                &input.starts_on,
                &input.ends_on,
                input.source,
                crate::now()
            ],
        )
        .await?
        .get(0)?;
    index_body(tx, body_id).await?;
    audit::append(
        tx,
        who,
        Change {
            action: "body.seat.add",
            target_kind: "body",
            target_id: body_id.to_string(),
            public: true,
            summary: summary! {
                "seat_id" => id, "holder" => &input.holder_name, "sector" => input.sector.as_str(),
                "position" => input.position.as_str(), "titular" => &input.titular_name,
                "alternate" => &input.alternate_name, "source" => input.source
            },
        },
    )
    .await?;
    Ok(id)
}

/// Vacates a seat (its history stays).
pub async fn end_seat(tx: &Tx, who: &Who, body_id: i64, seat_id: i64) -> StoreResult<()> {
    let changed = tx
        .execute(
            "UPDATE seats SET ended_at = $3 WHERE id = $1 AND body_id = $2 AND ended_at IS NULL",
            params![seat_id, body_id, crate::now()],
        )
        .await?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    index_body(tx, body_id).await?;
    audit::append(
        tx,
        who,
        Change {
            action: "body.seat.end",
            target_kind: "body",
            target_id: body_id.to_string(),
            public: true,
            summary: summary! { "seat_id" => seat_id },
        },
    )
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Sessions

/// A session of a body.
#[derive(Debug, Clone, Serialize)]
pub struct Session {
    pub id: i64,
    pub body_id: i64,
    pub body_name: String,
    pub body_title: String,
    pub year: i64,
    pub number: i64,
    pub kind: tequio_domain::bodies::SessionKind,
    /// Local wall-clock time, `YYYY-MM-DDTHH:MM`.
    pub starts_at: String,
    pub ends_at: String,
    pub place: String,
    pub online_url: String,
    /// Markdown.
    pub agenda: String,
    pub status: SessionStatus,
    /// Filled once attendance is recorded.
    pub quorum: Option<Quorum>,
    /// Markdown; public once approved.
    #[serde(skip)]
    pub minutes: String,
    pub minutes_status: MinutesStatus,
    pub minutes_approved_in: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

impl Session {
    /// Whether agreements may be adopted: held, with quorum.
    pub fn can_adopt(&self) -> bool {
        self.status == SessionStatus::Held && self.quorum.is_some_and(|q| q.met())
    }
}

const SESSION_SELECT: &str = "SELECT x.id, x.body_id, b.name, b.title, x.year, x.number, x.kind,
    x.starts_at, x.ends_at, x.place, x.online_url, x.agenda, x.status, x.quorum_needed,
    x.present_count, x.voting_seats, x.minutes, x.minutes_status, x.minutes_approved_in,
    x.created_at, x.updated_at
    FROM body_sessions x JOIN bodies b ON b.id = x.body_id";

fn session_from_row(mut r: Row) -> StoreResult<Session> {
    let id = r.take(0)?;
    let body_id = r.take(1)?;
    let body_name = r.take(2)?;
    let body_title = r.take(3)?;
    let year = r.take(4)?;
    let number = r.take(5)?;
    let kind = parse_or(
        &r.take::<String>(6)?,
        tequio_domain::bodies::SessionKind::parse,
    )?;
    let starts_at = r.take(7)?;
    let ends_at = r.take(8)?;
    let place = r.take(9)?;
    let online_url = r.take(10)?;
    let agenda = r.take(11)?;
    let status = parse_or(&r.take::<String>(12)?, SessionStatus::parse)?;
    let needed: Option<i64> = r.take(13)?;
    let present: Option<i64> = r.take(14)?;
    let voting: Option<i64> = r.take(15)?;
    let quorum = match (needed, present, voting) {
        (Some(needed), Some(present), Some(voting_seats)) => Some(Quorum {
            voting_seats,
            present,
            needed,
        }),
        _ => None,
    };
    Ok(Session {
        id,
        body_id,
        body_name,
        body_title,
        year,
        number,
        kind,
        starts_at,
        ends_at,
        place,
        online_url,
        agenda,
        status,
        quorum,
        minutes: r.take(16)?,
        minutes_status: parse_or(&r.take::<String>(17)?, MinutesStatus::parse)?,
        minutes_approved_in: r.take(18)?,
        created_at: r.take(19)?,
        updated_at: r.take(20)?,
    })
}

impl Session {
    pub async fn get(db: &impl Exec, body_id: i64, year: i64, number: i64) -> StoreResult<Session> {
        db.query_opt(
            &format!("{SESSION_SELECT} WHERE x.body_id = $1 AND x.year = $2 AND x.number = $3"),
            params![body_id, year, number],
        )
        .await?
        .map(session_from_row)
        .transpose()?
        .ok_or(StoreError::NotFound)
    }

    pub async fn by_id(db: &impl Exec, id: i64) -> StoreResult<Session> {
        db.query_opt(&format!("{SESSION_SELECT} WHERE x.id = $1"), params![id])
            .await?
            .map(session_from_row)
            .transpose()?
            .ok_or(StoreError::NotFound)
    }
}

/// A body's sessions, newest first.
pub async fn sessions(db: &impl Exec, body_id: i64) -> StoreResult<Vec<Session>> {
    db.query(
        &format!("{SESSION_SELECT} WHERE x.body_id = $1 ORDER BY x.starts_at DESC, x.id DESC"),
        params![body_id],
    )
    .await?
    .into_iter()
    .map(session_from_row)
    .collect()
}

/// Sessions for a calendar or feed: of one body or all, not cancelled, newest first, at most
/// `limit`. One query.
pub async fn calendar(
    db: &impl Exec,
    body_id: Option<i64>,
    limit: i64,
) -> StoreResult<Vec<Session>> {
    db.query(
        &format!(
            "{SESSION_SELECT} WHERE x.status <> 'cancelled' AND (CAST($1 AS BIGINT) IS NULL OR x.body_id = $1)
             ORDER BY x.starts_at DESC, x.id DESC LIMIT $2"
        ),
        params![body_id, limit],
    )
    .await?
    .into_iter()
    .map(session_from_row)
    .collect()
}

/// Convenes a session: numbers it within the body and year. Returns the new session.
pub async fn convene(tx: &Tx, who: &Who, body: &Body, plan: &SessionPlan) -> StoreResult<Session> {
    if body.status != BodyStatus::Active {
        return Err(StoreError::Invalid(
            "body: el órgano está disuelto y ya no sesiona".into(),
        ));
    }
    let year = i64::from(plan.starts_at.year());
    let number: i64 = tx
        .query_one(
            "SELECT COALESCE(MAX(number), 0) + 1 FROM body_sessions WHERE body_id = $1 AND year = $2",
            params![body.id, year],
        )
        .await?
        .get(0)?;
    let now = crate::now();
    let id: i64 = tx
        .query_one(
            "INSERT INTO body_sessions (body_id, year, number, kind, starts_at, ends_at, place, online_url,
                agenda, status, minutes_status, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'convened', 'none', $10, $10) RETURNING id",
            params![
                body.id,
                year,
                number,
                plan.kind.as_str(),
                format_local(plan.starts_at),
                plan.ends_at.map(format_local).unwrap_or_default(),
                &plan.place,
                &plan.online_url,
                &plan.agenda,
                now
            ],
        )
        .await?
        .get(0)?;
    index_session(tx, id).await?;
    audit::append(
        tx,
        who,
        Change {
            action: "body.session.convene",
            target_kind: "body_session",
            target_id: id.to_string(),
            public: true,
            summary: summary! {
                "body" => &body.name, "year" => year, "number" => number,
                "kind" => plan.kind.as_str(), "starts_at" => format_local(plan.starts_at)
            },
        },
    )
    .await?;
    Session::by_id(tx, id).await
}

/// A seat's attendance at a session.
#[derive(Debug, Clone, Serialize)]
pub struct AttendanceRow {
    pub seat_id: i64,
    pub holder_name: String,
    pub sector: Sector,
    pub position: SeatPosition,
    pub titular_name: String,
    pub alternate_name: String,
    /// `None` while not recorded.
    pub status: Option<Attendance>,
}

/// The attendance list of a session: every seat held at the time, with its record if any.
pub async fn attendance(db: &impl Exec, session: &Session) -> StoreResult<Vec<AttendanceRow>> {
    db.query(
        "SELECT t.id, t.holder_name, t.sector, t.position, t.titular_name, t.alternate_name, a.status
         FROM seats t LEFT JOIN attendance a ON a.seat_id = t.id AND a.session_id = $2
         WHERE t.body_id = $1 AND (t.ended_at IS NULL OR a.status IS NOT NULL)
         ORDER BY CASE t.position WHEN 'president' THEN 0 WHEN 'technical_secretary' THEN 1
            WHEN 'member' THEN 2 ELSE 3 END, t.holder_name, t.id",
        params![session.body_id, session.id],
    )
    .await?
    .into_iter()
    .map(|mut r| {
        Ok(AttendanceRow {
            seat_id: r.take(0)?,
            holder_name: r.take(1)?,
            sector: parse_or(&r.take::<String>(2)?, Sector::parse)?,
            position: parse_or(&r.take::<String>(3)?, SeatPosition::parse)?,
            titular_name: r.take(4)?,
            alternate_name: r.take(5)?,
            status: r
                .take::<Option<String>>(6)?
                .map(|s| parse_or(&s, Attendance::parse))
                .transpose()?,
        })
    })
    .collect()
}

/// Records who attended (every seat held now must be listed) and computes the quorum from the
/// body's rule. The session becomes held, quorum or not: the minutes record it either way.
pub async fn record_attendance(
    tx: &Tx,
    who: &Who,
    body: &Body,
    session: &Session,
    marks: &HashMap<i64, Attendance>,
) -> StoreResult<Quorum> {
    if session.status == SessionStatus::Cancelled {
        return Err(StoreError::Invalid(
            "session: la sesión fue cancelada".into(),
        ));
    }
    let held = seats(tx, body.id).await?;
    let mut missing = Vec::new();
    let mut voting = 0;
    let mut present = 0;
    for seat in &held {
        let Some(mark) = marks.get(&seat.id) else {
            missing.push(seat.holder_name.clone());
            continue;
        };
        if seat.position.votes() {
            voting += 1;
            if mark.counts() {
                present += 1;
            }
        }
    }
    if !missing.is_empty() {
        return Err(StoreError::Invalid(format!(
            "attendance: falta marcar a {}",
            missing.join(", ")
        )));
    }
    if let Some(unknown) = marks.keys().find(|id| !held.iter().any(|s| s.id == **id)) {
        return Err(StoreError::Invalid(format!(
            "attendance: el lugar {unknown} no pertenece a este órgano"
        )));
    }
    tx.execute(
        "DELETE FROM attendance WHERE session_id = $1",
        params![session.id],
    )
    .await?;
    for seat in &held {
        if let Some(mark) = marks.get(&seat.id) {
            tx.execute(
                "INSERT INTO attendance (session_id, seat_id, status) VALUES ($1, $2, $3)",
                params![session.id, seat.id, mark.as_str()],
            )
            .await?;
        }
    }
    let quorum = Quorum::new(body.quorum_rule, voting, present);
    tx.execute(
        "UPDATE body_sessions SET status = 'held', quorum_needed = $2, present_count = $3,
            voting_seats = $4, updated_at = $5 WHERE id = $1",
        params![
            session.id,
            quorum.needed,
            quorum.present,
            quorum.voting_seats,
            crate::now()
        ],
    )
    .await?;
    audit::append(
        tx,
        who,
        Change {
            action: "body.session.attendance",
            target_kind: "body_session",
            target_id: session.id.to_string(),
            public: true,
            summary: summary! {
                "present" => quorum.present, "voting_seats" => quorum.voting_seats,
                "needed" => quorum.needed, "quorum_met" => quorum.met()
            },
        },
    )
    .await?;
    Ok(quorum)
}

/// Saves the minutes' text as a draft or circulates them to the members. Approved minutes
/// are never edited again.
pub async fn save_minutes(
    tx: &Tx,
    who: &Who,
    session: &Session,
    text: &str,
    status: MinutesStatus,
) -> StoreResult<()> {
    if session.minutes_status == MinutesStatus::Approved {
        return Err(StoreError::Invalid(
            "minutes: el acta ya fue aprobada y no se modifica".into(),
        ));
    }
    if !matches!(status, MinutesStatus::Draft | MinutesStatus::Circulated) {
        return Err(StoreError::Invalid(
            "minutes: el acta se aprueba por votación en una sesión posterior".into(),
        ));
    }
    if session.status != SessionStatus::Held {
        return Err(StoreError::Invalid(
            "minutes: registra primero la asistencia de la sesión".into(),
        ));
    }
    if text.trim().is_empty() {
        return Err(StoreError::Invalid("minutes: el acta está vacía".into()));
    }
    tx.execute(
        "UPDATE body_sessions SET minutes = $2, minutes_status = $3, updated_at = $4 WHERE id = $1",
        params![session.id, text, status.as_str(), crate::now()],
    )
    .await?;
    audit::append(
        tx,
        who,
        Change {
            action: "body.session.minutes",
            target_kind: "body_session",
            target_id: session.id.to_string(),
            public: false,
            summary: summary! { "status" => status.as_str() },
        },
    )
    .await?;
    Ok(())
}

/// Approves a session's circulated minutes in a later session that was held with quorum,
/// recording each member's vote. Approval needs more votes for than against.
pub async fn approve_minutes(
    tx: &Tx,
    who: &Who,
    session: &Session,
    approving: &Session,
    votes: &HashMap<i64, Vote>,
) -> StoreResult<()> {
    if session.minutes_status != MinutesStatus::Circulated {
        return Err(StoreError::Invalid(
            "minutes: solo se aprueba un acta que ya circuló entre los integrantes".into(),
        ));
    }
    if approving.body_id != session.body_id || approving.starts_at <= session.starts_at {
        return Err(StoreError::Invalid(
            "session: el acta se aprueba en una sesión posterior del mismo órgano".into(),
        ));
    }
    if !approving.can_adopt() {
        return Err(StoreError::Invalid(
            "session: la sesión que aprueba no tuvo quórum".into(),
        ));
    }
    let present: Vec<i64> = tx
        .query(
            "SELECT a.seat_id FROM attendance a JOIN seats t ON t.id = a.seat_id
             WHERE a.session_id = $1 AND a.status <> 'absent' AND t.position <> 'observer'",
            params![approving.id],
        )
        .await?
        .into_iter()
        .map(|r| r.get(0))
        .collect::<StoreResult<_>>()?;
    if let Some(id) = votes.keys().find(|id| !present.contains(id)) {
        return Err(StoreError::Invalid(format!(
            "votes: el lugar {id} no votó: no estuvo presente con voto en esa sesión"
        )));
    }
    let count = |v: Vote| votes.values().filter(|x| **x == v).count();
    if count(Vote::For) <= count(Vote::Against) {
        return Err(StoreError::Invalid(format!(
            "votes: {} a favor y {} en contra: el acta no se aprueba",
            count(Vote::For),
            count(Vote::Against)
        )));
    }
    for (seat, vote) in votes {
        tx.execute(
            "INSERT INTO minutes_votes (session_id, seat_id, vote) VALUES ($1, $2, $3)",
            params![session.id, *seat, vote.as_str()],
        )
        .await?;
    }
    tx.execute(
        "UPDATE body_sessions SET minutes_status = 'approved', minutes_approved_in = $2, updated_at = $3
         WHERE id = $1",
        params![session.id, approving.id, crate::now()],
    )
    .await?;
    index_session(tx, session.id).await?;
    audit::append(
        tx,
        who,
        Change {
            action: "body.session.minutes_approved",
            target_kind: "body_session",
            target_id: session.id.to_string(),
            public: true,
            summary: summary! {
                "approved_in" => approving.id, "for" => count(Vote::For),
                "against" => count(Vote::Against), "abstain" => count(Vote::Abstain)
            },
        },
    )
    .await?;
    Ok(())
}

/// The recorded votes on a session's minutes: (holder, vote).
pub async fn minutes_votes(db: &impl Exec, session_id: i64) -> StoreResult<Vec<(String, Vote)>> {
    db.query(
        "SELECT t.holder_name, v.vote FROM minutes_votes v JOIN seats t ON t.id = v.seat_id
         WHERE v.session_id = $1 ORDER BY t.holder_name",
        params![session_id],
    )
    .await?
    .into_iter()
    .map(|mut r| Ok((r.take(0)?, parse_or(&r.take::<String>(1)?, Vote::parse)?)))
    .collect()
}

// ---------------------------------------------------------------------------------------------
// Agreements

/// An agreement with where it came from.
#[derive(Debug, Clone, Serialize)]
pub struct Agreement {
    pub id: i64,
    /// body / year / session / n.
    pub code: String,
    pub body_id: i64,
    pub body_name: String,
    pub body_title: String,
    pub session_id: i64,
    pub session_year: i64,
    pub session_number: i64,
    pub text: String,
    /// `YYYY-MM-DD`, or empty.
    pub due_on: String,
    pub status: AgreementStatus,
    pub status_changed_at: String,
    pub created_at: String,
    /// Who answers for it, by name.
    pub responsibles: Vec<String>,
}

impl Agreement {
    pub fn is_overdue(&self, today: &str) -> bool {
        tequio_domain::bodies::is_overdue(self.status, &self.due_on, today)
    }
}

const AGREEMENT_SELECT: &str = "SELECT a.id, a.code, a.body_id, b.name, b.title, a.session_id,
    x.year, x.number, a.text, a.due_on, a.status, a.status_changed_at, a.created_at
    FROM agreements a JOIN bodies b ON b.id = a.body_id JOIN body_sessions x ON x.id = a.session_id";

fn agreement_from_row(mut r: Row) -> StoreResult<Agreement> {
    Ok(Agreement {
        id: r.take(0)?,
        code: r.take(1)?,
        body_id: r.take(2)?,
        body_name: r.take(3)?,
        body_title: r.take(4)?,
        session_id: r.take(5)?,
        session_year: r.take(6)?,
        session_number: r.take(7)?,
        text: r.take(8)?,
        due_on: r.take(9)?,
        status: parse_or(&r.take::<String>(10)?, AgreementStatus::parse)?,
        status_changed_at: r.take(11)?,
        created_at: r.take(12)?,
        responsibles: Vec::new(),
    })
}

/// Fills the responsibles of many agreements in one query.
async fn fill_responsibles(db: &impl Exec, list: &mut [Agreement]) -> StoreResult<()> {
    if list.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = list.iter().map(|a| a.id).collect();
    let mut by_id: HashMap<i64, Vec<String>> = HashMap::new();
    for mut r in db
        .query(
            &format!(
                "SELECT r.agreement_id, COALESCE(t.holder_name, r.name) FROM agreement_responsibles r
                 LEFT JOIN seats t ON t.id = r.seat_id
                 WHERE r.agreement_id IN ({}) ORDER BY r.agreement_id, r.position",
                id_list(&ids)
            ),
            params![],
        )
        .await?
    {
        by_id.entry(r.take(0)?).or_default().push(r.take(1)?);
    }
    for a in list {
        a.responsibles = by_id.remove(&a.id).unwrap_or_default();
    }
    Ok(())
}

impl Agreement {
    pub async fn get(db: &impl Exec, id: i64) -> StoreResult<Agreement> {
        let mut a = vec![
            db.query_opt(&format!("{AGREEMENT_SELECT} WHERE a.id = $1"), params![id])
                .await?
                .map(agreement_from_row)
                .transpose()?
                .ok_or(StoreError::NotFound)?,
        ];
        fill_responsibles(db, &mut a).await?;
        a.pop().ok_or(StoreError::NotFound)
    }
}

/// What the tracker shows.
#[derive(Debug, Clone, Default)]
pub struct TrackerFilter {
    pub body_id: Option<i64>,
    pub status: Option<AgreementStatus>,
    /// Only open agreements past their due date.
    pub overdue: bool,
    /// Local date, `YYYY-MM-DD`, for "overdue".
    pub today: String,
    pub limit: i64,
    pub offset: i64,
}

/// One page of the agreement tracker and the total: overdue first, then by due date. Two
/// queries for the page whatever its size, plus the count.
pub async fn tracker(db: &impl Exec, f: &TrackerFilter) -> StoreResult<(i64, Vec<Agreement>)> {
    // Only the conditions asked for go into the SQL, so each query can use its index
    // (`agreements_body`, `agreements_due_on`) instead of scanning every agreement.
    let mut conditions = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    if let Some(body) = f.body_id {
        args.push(Value::from(body));
        conditions.push(format!("a.body_id = ${}", args.len()));
    }
    if let Some(status) = f.status {
        args.push(Value::from(status.as_str()));
        conditions.push(format!("a.status = ${}", args.len()));
    }
    if f.overdue {
        args.push(Value::from(f.today.as_str()));
        conditions.push(format!(
            "a.status IN ('pending', 'in_progress') AND a.due_on <> '' AND a.due_on < ${}",
            args.len()
        ));
    }
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    let total: i64 = db
        .query_one(&format!("SELECT COUNT(*) FROM agreements a{filter}"), &args)
        .await?
        .get(0)?;
    let order = if f.overdue {
        // Every row is overdue: the earliest due first, straight from the index.
        "a.due_on, a.id".to_owned()
    } else {
        args.push(Value::from(f.today.as_str()));
        format!(
            "CASE WHEN a.status IN ('pending', 'in_progress') AND a.due_on <> '' AND a.due_on < ${0}
                THEN 0 WHEN a.status IN ('pending', 'in_progress') THEN 1 ELSE 2 END, a.due_on, a.id",
            args.len()
        )
    };
    args.push(Value::from(f.limit));
    args.push(Value::from(f.offset));
    let mut list: Vec<Agreement> = db
        .query(
            &format!(
                "{AGREEMENT_SELECT}{filter} ORDER BY {order} LIMIT ${} OFFSET ${}",
                args.len() - 1,
                args.len()
            ),
            &args,
        )
        .await?
        .into_iter()
        .map(agreement_from_row)
        .collect::<StoreResult<_>>()?;
    fill_responsibles(db, &mut list).await?;
    Ok((total, list))
}

/// The agreements adopted in one session, in order.
pub async fn agreements_of_session(db: &impl Exec, session_id: i64) -> StoreResult<Vec<Agreement>> {
    let mut list: Vec<Agreement> = db
        .query(
            &format!("{AGREEMENT_SELECT} WHERE a.session_id = $1 ORDER BY a.n"),
            params![session_id],
        )
        .await?
        .into_iter()
        .map(agreement_from_row)
        .collect::<StoreResult<_>>()?;
    fill_responsibles(db, &mut list).await?;
    Ok(list)
}

/// The agreements changed most recently (for the Atom feed), of one body or all.
pub async fn recent_agreements(
    db: &impl Exec,
    body_id: Option<i64>,
    limit: i64,
) -> StoreResult<Vec<Agreement>> {
    let mut list: Vec<Agreement> = db
        .query(
            &format!(
                "{AGREEMENT_SELECT} WHERE (CAST($1 AS BIGINT) IS NULL OR a.body_id = $1)
                 ORDER BY a.status_changed_at DESC, a.id DESC LIMIT $2"
            ),
            params![body_id, limit],
        )
        .await?
        .into_iter()
        .map(agreement_from_row)
        .collect::<StoreResult<_>>()?;
    fill_responsibles(db, &mut list).await?;
    Ok(list)
}

/// Adopts an agreement in a session held with quorum. Returns its id and stable code.
pub async fn adopt(
    tx: &Tx,
    who: &Who,
    body: &Body,
    session: &Session,
    input: &AgreementInput,
) -> StoreResult<(i64, String)> {
    if let Err(errors) = input.check() {
        return Err(StoreError::Invalid(
            errors
                .iter()
                .map(|e| e.message("es"))
                .collect::<Vec<_>>()
                .join("; "),
        ));
    }
    if !session.can_adopt() {
        return Err(StoreError::Invalid(
            "session: sin quórum (o sin asistencia registrada) no se adoptan acuerdos; el acta lo hace constar".into(),
        ));
    }
    let held: Vec<Seat> = seats(tx, body.id).await?;
    let mut names = Vec::new();
    for id in &input.responsible_seats {
        let seat = held.iter().find(|s| s.id == *id).ok_or_else(|| {
            StoreError::Invalid(format!(
                "responsible: el lugar {id} no pertenece a este órgano"
            ))
        })?;
        names.push((Some(seat.id), seat.holder_name.clone()));
    }
    for other in &input.responsible_others {
        let other = other.trim();
        if !other.is_empty() {
            names.push((None, other.to_owned()));
        }
    }
    let n: i64 = tx
        .query_one(
            "SELECT COALESCE(MAX(n), 0) + 1 FROM agreements WHERE session_id = $1",
            params![session.id],
        )
        .await?
        .get(0)?;
    let year = i32::try_from(session.year).unwrap_or(0);
    let code = agreement_code(&body.code, year, session.number, n);
    let now = crate::now();
    let id: i64 = tx
        .query_one(
            "INSERT INTO agreements (body_id, session_id, code, n, text, due_on, status, status_changed_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $7) RETURNING id",
            params![
                body.id,
                session.id,
                &code,
                n,
                input.text.trim(),
                input.due_on.trim(),
                now
            ],
        )
        .await?
        .get(0)?;
    for (position, (seat_id, name)) in names.iter().enumerate() {
        tx.execute(
            "INSERT INTO agreement_responsibles (agreement_id, position, seat_id, name) VALUES ($1, $2, $3, $4)",
            params![id, i64::try_from(position).unwrap_or(0), *seat_id, name],
        )
        .await?;
    }
    search::put(
        tx,
        SearchKind::Agreement,
        id,
        &format!("{code} · {}", body.title),
        input.text.trim(),
        &id.to_string(),
    )
    .await?;
    audit::append(
        tx,
        who,
        Change {
            action: "agreement.adopt",
            target_kind: "agreement",
            target_id: id.to_string(),
            public: true,
            summary: summary! {
                "code" => &code, "text" => input.text.trim(), "due_on" => input.due_on.trim(),
                "responsibles" => names.iter().map(|(_, n)| n.clone()).collect::<Vec<_>>()
            },
        },
    )
    .await?;
    Ok((id, code))
}

/// One dated step of an agreement's follow-up.
#[derive(Debug, Clone, Serialize)]
pub struct AgreementUpdate {
    pub id: i64,
    pub at: String,
    pub status: AgreementStatus,
    pub note: String,
    pub evidence: Vec<Attachment>,
}

/// Records a follow-up: a new status and a note. Marking it done needs a note or evidence
/// (attached by the caller with [`add_attachment`] to the returned update id).
pub async fn follow_up(
    tx: &Tx,
    who: &Who,
    agreement: &Agreement,
    status: AgreementStatus,
    note: &str,
    has_evidence: bool,
) -> StoreResult<i64> {
    if !agreement.status.is_open() && status != agreement.status {
        return Err(StoreError::Invalid(format!(
            "status: el acuerdo {} ya está cerrado ({})",
            agreement.code,
            agreement.status.as_str()
        )));
    }
    if status == AgreementStatus::Done && note.trim().is_empty() && !has_evidence {
        return Err(StoreError::Invalid(
            "note: para darlo por cumplido describe lo hecho o adjunta la evidencia".into(),
        ));
    }
    if status == agreement.status && note.trim().is_empty() && !has_evidence {
        return Err(StoreError::Invalid(
            "note: escribe una nota o cambia el estado".into(),
        ));
    }
    let now = crate::now();
    let id: i64 = tx
        .query_one(
            "INSERT INTO agreement_updates (agreement_id, at, user_id, status, note) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            params![agreement.id, &now, who.user_id, status.as_str(), note.trim()],
        )
        .await?
        .get(0)?;
    if status != agreement.status {
        tx.execute(
            "UPDATE agreements SET status = $2, status_changed_at = $3 WHERE id = $1",
            params![agreement.id, status.as_str(), &now],
        )
        .await?;
    }
    audit::append(
        tx,
        who,
        Change {
            action: "agreement.follow_up",
            target_kind: "agreement",
            target_id: agreement.id.to_string(),
            public: true,
            summary: summary! {
                "code" => &agreement.code, "from" => agreement.status.as_str(),
                "to" => status.as_str(), "note" => note.trim()
            },
        },
    )
    .await?;
    Ok(id)
}

/// An agreement's follow-up, oldest first, with evidence (two queries).
pub async fn follow_ups(db: &impl Exec, agreement_id: i64) -> StoreResult<Vec<AgreementUpdate>> {
    let mut list: Vec<AgreementUpdate> = db
        .query(
            "SELECT id, at, status, note FROM agreement_updates WHERE agreement_id = $1 ORDER BY id",
            params![agreement_id],
        )
        .await?
        .into_iter()
        .map(|mut r| {
            Ok(AgreementUpdate {
                id: r.take(0)?,
                at: r.take(1)?,
                status: parse_or(&r.take::<String>(2)?, AgreementStatus::parse)?,
                note: r.take(3)?,
                evidence: Vec::new(),
            })
        })
        .collect::<StoreResult<_>>()?;
    let ids: Vec<i64> = list.iter().map(|u| u.id).collect();
    let mut files = attachments_of(db, "agreement_update", &ids).await?;
    for u in &mut list {
        u.evidence = files.remove(&u.id).unwrap_or_default();
    }
    Ok(list)
}

// ---------------------------------------------------------------------------------------------
// Open data: pages of every session and attendance record, for streamed downloads

/// Sessions of every body, oldest first, one page.
pub async fn sessions_page(db: &impl Exec, limit: i64, offset: i64) -> StoreResult<Vec<Session>> {
    db.query(
        &format!("{SESSION_SELECT} ORDER BY x.id LIMIT $1 OFFSET $2"),
        params![limit, offset],
    )
    .await?
    .into_iter()
    .map(session_from_row)
    .collect()
}

/// One attendance record with its session and seat, for the open-data download.
#[derive(Debug, Clone, Serialize)]
pub struct AttendanceRecord {
    pub body_name: String,
    pub year: i64,
    pub number: i64,
    pub starts_at: String,
    pub holder_name: String,
    pub sector: String,
    pub position: String,
    pub status: String,
}

/// Attendance of every session, one page.
pub async fn attendance_page(
    db: &impl Exec,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<AttendanceRecord>> {
    db.query(
        "SELECT b.name, x.year, x.number, x.starts_at, t.holder_name, t.sector, t.position, a.status
         FROM attendance a JOIN body_sessions x ON x.id = a.session_id JOIN bodies b ON b.id = x.body_id
         JOIN seats t ON t.id = a.seat_id
         ORDER BY a.session_id, a.seat_id LIMIT $1 OFFSET $2",
        params![limit, offset],
    )
    .await?
    .into_iter()
    .map(|mut r| {
        Ok(AttendanceRecord {
            body_name: r.take(0)?,
            year: r.take(1)?,
            number: r.take(2)?,
            starts_at: r.take(3)?,
            holder_name: r.take(4)?,
            sector: r.take(5)?,
            position: r.take(6)?,
            status: r.take(7)?,
        })
    })
    .collect()
}

// ---------------------------------------------------------------------------------------------
// Joining: adhesion requests

/// An organisation's request to join a body, and its decision.
#[derive(Debug, Clone, Serialize)]
pub struct AdhesionRequest {
    pub id: i64,
    pub body_id: i64,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub sector: Sector,
    #[serde(skip)]
    pub user_id: i64,
    pub statement: String,
    pub titular_name: String,
    #[serde(skip)]
    pub titular_email: String,
    pub alternate_name: String,
    #[serde(skip)]
    pub alternate_email: String,
    /// `pending`, `accepted` or `rejected`.
    pub status: String,
    pub reason: String,
    pub decided_at: Option<String>,
    pub seat_id: Option<i64>,
    pub created_at: String,
}

/// What an organisation sends to join.
#[derive(Debug, Clone, Default)]
pub struct AdhesionInput {
    pub organisation_id: i64,
    pub statement: String,
    pub titular_name: String,
    pub titular_email: String,
    pub alternate_name: String,
    pub alternate_email: String,
}

const ADHESION_SELECT: &str =
    "SELECT r.id, r.body_id, r.organisation_id, o.name, o.sector, r.user_id,
    r.statement, r.titular_name, r.titular_email, r.alternate_name, r.alternate_email, r.status,
    r.reason, r.decided_at, r.seat_id, r.created_at
    FROM adhesion_requests r JOIN organisations o ON o.id = r.organisation_id";

fn adhesion_from_row(mut r: Row) -> StoreResult<AdhesionRequest> {
    Ok(AdhesionRequest {
        id: r.take(0)?,
        body_id: r.take(1)?,
        organisation_id: r.take(2)?,
        organisation_name: r.take(3)?,
        sector: parse_or(&r.take::<String>(4)?, Sector::parse)?,
        user_id: r.take(5)?,
        statement: r.take(6)?,
        titular_name: r.take(7)?,
        titular_email: r.take(8)?,
        alternate_name: r.take(9)?,
        alternate_email: r.take(10)?,
        status: r.take(11)?,
        reason: r.take(12)?,
        decided_at: r.take(13)?,
        seat_id: r.take(14)?,
        created_at: r.take(15)?,
    })
}

/// A body's requests to join, pending first.
pub async fn adhesion_requests(db: &impl Exec, body_id: i64) -> StoreResult<Vec<AdhesionRequest>> {
    db.query(
        &format!(
            "{ADHESION_SELECT} WHERE r.body_id = $1
             ORDER BY CASE r.status WHEN 'pending' THEN 0 ELSE 1 END, r.id DESC"
        ),
        params![body_id],
    )
    .await?
    .into_iter()
    .map(adhesion_from_row)
    .collect()
}

/// Files a request to join. The body must take members; the person must belong to the
/// organisation; the organisation must not sit on the body nor have a request pending; every
/// required document must come (the caller attaches them to the returned id).
pub async fn request_adhesion(
    tx: &Tx,
    who: &Who,
    body: &Body,
    input: &AdhesionInput,
    documents_attached: usize,
) -> StoreResult<i64> {
    let user_id = who.user_id.ok_or_else(|| {
        StoreError::Invalid("entra con tu cuenta para solicitar la adhesión".into())
    })?;
    if !body.accepts_members || body.status != BodyStatus::Active {
        return Err(StoreError::Invalid(
            "body: este órgano no recibe solicitudes de adhesión".into(),
        ));
    }
    let org = crate::accounts::get_organisation(tx, input.organisation_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    if tx
        .query_opt(
            "SELECT 1 FROM organisation_members WHERE organisation_id = $1 AND user_id = $2",
            params![org.id, user_id],
        )
        .await?
        .is_none()
    {
        return Err(StoreError::Invalid(format!(
            "organisation_id: no perteneces a «{}»",
            org.name
        )));
    }
    if seats(tx, body.id)
        .await?
        .iter()
        .any(|s| s.organisation_id == Some(org.id))
    {
        return Err(StoreError::Invalid(format!(
            "organisation_id: «{}» ya integra este órgano",
            org.name
        )));
    }
    if tx
        .query_opt(
            "SELECT 1 FROM adhesion_requests WHERE body_id = $1 AND organisation_id = $2 AND status = 'pending'",
            params![body.id, org.id],
        )
        .await?
        .is_some()
    {
        return Err(StoreError::Invalid(format!(
            "organisation_id: «{}» ya tiene una solicitud en revisión",
            org.name
        )));
    }
    if input.statement.trim().is_empty() {
        return Err(StoreError::Invalid(
            "statement: explica el interés de la organización".into(),
        ));
    }
    if input.titular_name.trim().is_empty() {
        return Err(StoreError::Invalid(
            "titular_name: escribe quién ocuparía el lugar".into(),
        ));
    }
    if documents_attached < body.adhesion_documents.len() {
        return Err(StoreError::Invalid(format!(
            "documents: faltan documentos: se piden {} ({}) y llegaron {documents_attached}",
            body.adhesion_documents.len(),
            body.adhesion_documents.join("; ")
        )));
    }
    let id: i64 = tx
        .query_one(
            "INSERT INTO adhesion_requests (body_id, organisation_id, user_id, statement, titular_name, titular_email,
                alternate_name, alternate_email, status, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9) RETURNING id",
            params![
                body.id,
                org.id,
                user_id,
                input.statement.trim(),
                input.titular_name.trim(),
                input.titular_email.trim(),
                input.alternate_name.trim(),
                input.alternate_email.trim(),
                crate::now()
            ],
        )
        .await?
        .get(0)?;
    audit::append(
        tx,
        who,
        Change {
            action: "body.adhesion.request",
            target_kind: "body",
            target_id: body.id.to_string(),
            public: false,
            summary: summary! { "request_id" => id, "organisation" => &org.name },
        },
    )
    .await?;
    Ok(id)
}

/// Decides a pending request with a written reason; accepting seats the organisation.
pub async fn decide_adhesion(
    tx: &Tx,
    who: &Who,
    body: &Body,
    request_id: i64,
    accept: bool,
    reason: &str,
) -> StoreResult<()> {
    let request = tx
        .query_opt(
            &format!("{ADHESION_SELECT} WHERE r.id = $1 AND r.body_id = $2"),
            params![request_id, body.id],
        )
        .await?
        .map(adhesion_from_row)
        .transpose()?
        .ok_or(StoreError::NotFound)?;
    if request.status != "pending" {
        return Err(StoreError::Invalid(format!(
            "request: la solicitud de «{}» ya fue resuelta",
            request.organisation_name
        )));
    }
    if reason.trim().is_empty() {
        return Err(StoreError::Invalid(
            "reason: escribe la razón de la decisión".into(),
        ));
    }
    let seat_id = if accept {
        Some(
            add_seat(
                tx,
                who,
                body.id,
                &SeatInput {
                    organisation_id: Some(request.organisation_id),
                    subject_id: None,
                    user_id: None,
                    holder_name: request.organisation_name.clone(),
                    sector: request.sector,
                    position: SeatPosition::Member,
                    titular_name: request.titular_name.clone(),
                    titular_email: request.titular_email.clone(),
                    alternate_name: request.alternate_name.clone(),
                    alternate_email: request.alternate_email.clone(),
                    starts_on: crate::now()[..10].to_owned(),
                    ends_on: body.term_end.clone(),
                    source: "adhesion",
                },
            )
            .await?,
        )
    } else {
        None
    };
    tx.execute(
        "UPDATE adhesion_requests SET status = $2, reason = $3, decided_by = $4, decided_at = $5, seat_id = $6
         WHERE id = $1",
        params![
            request_id,
            if accept { "accepted" } else { "rejected" },
            reason.trim(),
            who.user_id,
            crate::now(),
            seat_id
        ],
    )
    .await?;
    audit::append(
        tx,
        who,
        Change {
            action: "body.adhesion.decide",
            target_kind: "body",
            target_id: body.id.to_string(),
            public: accept,
            summary: summary! {
                "request_id" => request_id, "organisation" => &request.organisation_name,
                "decision" => if accept { "accepted" } else { "rejected" }, "reason" => reason.trim()
            },
        },
    )
    .await?;
    Ok(())
}

/// How many agreements each body has in each status (for the tracker's chart): (body name,
/// body title, status, count), bodies by title. One grouped query over the `agreements_body`
/// index.
pub async fn agreement_counts(
    db: &impl Exec,
) -> StoreResult<Vec<(String, String, AgreementStatus, i64)>> {
    let rows = db
        .query(
            "SELECT b.name, b.title, a.status, COUNT(*) FROM agreements a
             JOIN bodies b ON b.id = a.body_id
             GROUP BY b.name, b.title, a.status ORDER BY b.title, a.status",
            params![],
        )
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for mut r in rows {
        let status: String = r.take(2)?;
        if let Some(status) = AgreementStatus::parse(&status) {
            out.push((r.take(0)?, r.take(1)?, status, r.take(3)?));
        }
    }
    Ok(out)
}
