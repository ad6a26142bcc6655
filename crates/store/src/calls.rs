//! Open calls (convocatorias): the call and its criteria, reviewers, applications and scores,
//! published results, and the one step that seats the accepted applicants in a body.

use crate::audit::{self, Change, Who};
use crate::bodies::{self, Body, BodyInput, SeatInput};
use crate::db::{Exec, Row, Tx};
use crate::error::{StoreError, StoreResult};
use crate::{id_list, params, search, summary};
use serde::Serialize;
use std::collections::HashMap;
use tequio_domain::accounts::Sector;
use tequio_domain::bodies::{SeatPosition, format_local, parse_local};
use tequio_domain::calls::{
    CallPlan, CallStatus, CallWindow, Criterion, Decision, Eligibility, MAX_SCORE, Phase,
    weighted_score,
};
use tequio_domain::search::SearchKind;
use time::PrimitiveDateTime;

/// A call as published.
#[derive(Debug, Clone, Serialize)]
pub struct Call {
    pub id: i64,
    pub name: String,
    pub title: String,
    pub objective: String,
    pub eligibility: Eligibility,
    pub requirements: String,
    pub required_documents: Vec<String>,
    /// Local wall-clock, `YYYY-MM-DDTHH:MM`.
    pub opens_at: String,
    pub closes_at: String,
    pub places: i64,
    pub subject_id: Option<i64>,
    pub subject_name: Option<String>,
    /// The existing body it feeds; `None` when the accepted form a new working group.
    pub body_id: Option<i64>,
    pub body_name: Option<String>,
    /// The body's title, as people read it (`body_name` is its address).
    pub body_title: Option<String>,
    pub status: CallStatus,
    pub results_published_at: Option<String>,
    pub constituted_body_id: Option<i64>,
    pub constituted_body_name: Option<String>,
    pub constituted_body_title: Option<String>,
    pub created_at: String,
    pub criteria: Vec<Criterion>,
}

impl Call {
    pub fn window(&self) -> Option<CallWindow> {
        Some(CallWindow {
            opens_at: parse_local(&self.opens_at)?,
            closes_at: parse_local(&self.closes_at)?,
        })
    }

    /// Where `now` (local) falls in its window.
    pub fn phase(&self, now: PrimitiveDateTime) -> Phase {
        self.window().map_or(Phase::Closed, |w| w.phase(now))
    }
}

const CALL_SELECT: &str = "SELECT c.id, c.name, c.title, c.objective, c.eligibility, c.requirements,
    c.required_documents, c.opens_at, c.closes_at, c.places, c.subject_id, s.name, c.body_id, b.name,
    c.status, c.results_published_at, c.constituted_body_id, k.name, c.created_at, b.title, k.title
    FROM calls c LEFT JOIN subjects s ON s.id = c.subject_id LEFT JOIN bodies b ON b.id = c.body_id
    LEFT JOIN bodies k ON k.id = c.constituted_body_id";

fn call_from_row(mut r: Row) -> StoreResult<Call> {
    Ok(Call {
        id: r.take(0)?,
        name: r.take(1)?,
        title: r.take(2)?,
        objective: r.take(3)?,
        eligibility: Eligibility::from_stored(&r.take::<String>(4)?),
        requirements: r.take(5)?,
        required_documents: r
            .take::<String>(6)?
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect(),
        opens_at: r.take(7)?,
        closes_at: r.take(8)?,
        places: r.take(9)?,
        subject_id: r.take(10)?,
        subject_name: r.take(11)?,
        body_id: r.take(12)?,
        body_name: r.take(13)?,
        status: {
            let s: String = r.take(14)?;
            CallStatus::parse(&s).ok_or_else(|| StoreError::Decode(format!("call status «{s}»")))?
        },
        results_published_at: r.take(15)?,
        constituted_body_id: r.take(16)?,
        constituted_body_name: r.take(17)?,
        created_at: r.take(18)?,
        body_title: r.take(19)?,
        constituted_body_title: r.take(20)?,
        criteria: Vec::new(),
    })
}

impl Call {
    pub async fn by_id(db: &impl Exec, id: i64) -> StoreResult<Call> {
        let name: String = db
            .query_opt("SELECT name FROM calls WHERE id = $1", params![id])
            .await?
            .ok_or(StoreError::NotFound)?
            .get(0)?;
        Self::by_name(db, &name).await
    }

    pub async fn by_name(db: &impl Exec, name: &str) -> StoreResult<Call> {
        let mut call = db
            .query_opt(&format!("{CALL_SELECT} WHERE c.name = $1"), params![name])
            .await?
            .map(call_from_row)
            .transpose()?
            .ok_or(StoreError::NotFound)?;
        call.criteria = db
            .query(
                "SELECT name, weight FROM call_criteria WHERE call_id = $1 ORDER BY position",
                params![call.id],
            )
            .await?
            .into_iter()
            .map(|mut r| {
                Ok(Criterion {
                    name: r.take(0)?,
                    weight: r.take(1)?,
                })
            })
            .collect::<StoreResult<_>>()?;
        Ok(call)
    }
}

/// Every call, the latest to close first (without criteria).
pub async fn list(db: &impl Exec) -> StoreResult<Vec<Call>> {
    db.query(
        &format!("{CALL_SELECT} ORDER BY c.closes_at DESC, c.id DESC"),
        params![],
    )
    .await?
    .into_iter()
    .map(call_from_row)
    .collect()
}

/// Where a call comes from and where it leads.
#[derive(Debug, Clone, Default)]
pub struct CallOwner {
    /// The convening subject.
    pub subject_id: Option<i64>,
    /// The existing body it feeds; `None` for a new working group.
    pub body_id: Option<i64>,
}

/// Publishes a call.
pub async fn create(
    tx: &Tx,
    who: &Who,
    name: &str,
    plan: &CallPlan,
    owner: &CallOwner,
) -> StoreResult<i64> {
    let now = crate::now();
    let id: i64 = tx
        .query_one(
            "INSERT INTO calls (name, title, objective, eligibility, requirements, required_documents,
                opens_at, closes_at, places, subject_id, body_id, status, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'published', $12, $13, $13) RETURNING id",
            params![
                name,
                &plan.title,
                &plan.objective,
                plan.eligibility.to_stored(),
                &plan.requirements,
                plan.required_documents.join("\n"),
                format_local(plan.window.opens_at),
                format_local(plan.window.closes_at),
                plan.places,
                owner.subject_id,
                owner.body_id,
                who.user_id,
                now
            ],
        )
        .await?
        .get(0)?;
    for (i, c) in plan.criteria.iter().enumerate() {
        tx.execute(
            "INSERT INTO call_criteria (call_id, position, name, weight) VALUES ($1, $2, $3, $4)",
            params![id, i64::try_from(i).unwrap_or(0), &c.name, c.weight],
        )
        .await?;
    }
    search::put(
        tx,
        SearchKind::Call,
        id,
        &plan.title,
        &format!("{} {}", plan.objective, plan.requirements),
        name,
    )
    .await?;
    audit::append(
        tx,
        who,
        Change {
            action: "call.publish",
            target_kind: "call",
            target_id: id.to_string(),
            public: true,
            summary: summary! {
                "name" => name, "title" => &plan.title,
                "opens_at" => format_local(plan.window.opens_at),
                "closes_at" => format_local(plan.window.closes_at), "places" => plan.places
            },
        },
    )
    .await?;
    Ok(id)
}

// ---------------------------------------------------------------------------------------------
// Reviewers

/// Makes a person a reviewer of a call.
pub async fn add_reviewer(tx: &Tx, who: &Who, call: &Call, user_id: i64) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO call_reviewers (call_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        params![call.id, user_id],
    )
    .await?;
    audit::append(
        tx,
        who,
        Change {
            action: "call.reviewer.add",
            target_kind: "call",
            target_id: call.id.to_string(),
            public: false,
            summary: summary! { "user_id" => user_id },
        },
    )
    .await?;
    Ok(())
}

/// The reviewers of a call: (user id, name).
pub async fn reviewers(db: &impl Exec, call_id: i64) -> StoreResult<Vec<(i64, String)>> {
    db.query(
        "SELECT u.id, u.display_name FROM call_reviewers r JOIN users u ON u.id = r.user_id
         WHERE r.call_id = $1 ORDER BY u.display_name",
        params![call_id],
    )
    .await?
    .into_iter()
    .map(|mut r| Ok((r.take(0)?, r.take(1)?)))
    .collect()
}

pub async fn is_reviewer(db: &impl Exec, call_id: i64, user_id: i64) -> StoreResult<bool> {
    Ok(db
        .query_opt(
            "SELECT 1 FROM call_reviewers WHERE call_id = $1 AND user_id = $2",
            params![call_id, user_id],
        )
        .await?
        .is_some())
}

// ---------------------------------------------------------------------------------------------
// Applications

/// An application and how it was judged.
#[derive(Debug, Clone, Serialize)]
pub struct Application {
    pub id: i64,
    pub call_id: i64,
    pub organisation_id: Option<i64>,
    #[serde(skip)]
    pub user_id: i64,
    pub applicant_name: String,
    /// `None` for a citizen on their own behalf.
    pub sector: Option<Sector>,
    pub statement: String,
    pub titular_name: String,
    #[serde(skip)]
    pub titular_email: String,
    pub alternate_name: String,
    #[serde(skip)]
    pub alternate_email: String,
    pub decision: Decision,
    pub reason: String,
    /// Weighted score, 0 to 100, once results are published.
    pub score: Option<f64>,
    pub submitted_at: String,
}

/// What an applicant sends.
#[derive(Debug, Clone, Default)]
pub struct ApplicationInput {
    /// Applying for an organisation the person belongs to; `None` on their own behalf.
    pub organisation_id: Option<i64>,
    pub statement: String,
    pub titular_name: String,
    pub titular_email: String,
    pub alternate_name: String,
    pub alternate_email: String,
}

const APPLICATION_SELECT: &str = "SELECT id, call_id, organisation_id, user_id, applicant_name,
    sector, statement, titular_name, titular_email, alternate_name, alternate_email, decision,
    reason, score_tenths, submitted_at FROM applications";

fn application_from_row(mut r: Row) -> StoreResult<Application> {
    Ok(Application {
        id: r.take(0)?,
        call_id: r.take(1)?,
        organisation_id: r.take(2)?,
        user_id: r.take(3)?,
        applicant_name: r.take(4)?,
        sector: r.take::<Option<String>>(5)?.and_then(|s| Sector::parse(&s)),
        statement: r.take(6)?,
        titular_name: r.take(7)?,
        titular_email: r.take(8)?,
        alternate_name: r.take(9)?,
        alternate_email: r.take(10)?,
        decision: {
            let s: String = r.take(11)?;
            Decision::parse(&s).ok_or_else(|| StoreError::Decode(format!("decision «{s}»")))?
        },
        reason: r.take(12)?,
        #[allow(clippy::cast_precision_loss)]
        score: r.take::<Option<i64>>(13)?.map(|t| t as f64 / 10.0),
        submitted_at: r.take(14)?,
    })
}

/// A call's applications: by score once results are out, else in the order they came.
pub async fn applications(db: &impl Exec, call_id: i64) -> StoreResult<Vec<Application>> {
    db.query(
        &format!(
            "{APPLICATION_SELECT} WHERE call_id = $1
             ORDER BY CASE decision WHEN 'accepted' THEN 0 WHEN 'rejected' THEN 2 ELSE 1 END,
                score_tenths DESC, id"
        ),
        params![call_id],
    )
    .await?
    .into_iter()
    .map(application_from_row)
    .collect()
}

pub async fn application(db: &impl Exec, id: i64) -> StoreResult<Application> {
    db.query_opt(&format!("{APPLICATION_SELECT} WHERE id = $1"), params![id])
        .await?
        .map(application_from_row)
        .transpose()?
        .ok_or(StoreError::NotFound)
}

/// The applications a person sent (to show them their decisions).
pub async fn applications_of_user(db: &impl Exec, user_id: i64) -> StoreResult<Vec<Application>> {
    db.query(
        &format!("{APPLICATION_SELECT} WHERE user_id = $1 ORDER BY id DESC"),
        params![user_id],
    )
    .await?
    .into_iter()
    .map(application_from_row)
    .collect()
}

/// Files an application. The server decides whether the call is open (`now` is local time),
/// whether the applicant is eligible and whether they already applied. The caller attaches the
/// documents to the returned id in the same transaction.
pub async fn apply(
    tx: &Tx,
    who: &Who,
    call: &Call,
    input: &ApplicationInput,
    documents_attached: usize,
    now: PrimitiveDateTime,
) -> StoreResult<i64> {
    let user_id = who
        .user_id
        .ok_or_else(|| StoreError::Invalid("entra con tu cuenta para participar".into()))?;
    match call.phase(now) {
        Phase::NotYetOpen => {
            return Err(StoreError::Invalid(format!(
                "call: la convocatoria abre el {}",
                call.opens_at.replace('T', " a las ")
            )));
        }
        Phase::Closed => {
            return Err(StoreError::Invalid(format!(
                "call: la convocatoria cerró el {}; ya no recibe solicitudes",
                call.closes_at.replace('T', " a las ")
            )));
        }
        Phase::Open => {}
    }
    if call.status != CallStatus::Published {
        return Err(StoreError::Invalid(
            "call: la convocatoria ya publicó resultados".into(),
        ));
    }
    let (key, name, sector) = match input.organisation_id {
        Some(org) => {
            let o = crate::accounts::get_organisation(tx, org)
                .await?
                .ok_or(StoreError::NotFound)?;
            let member = tx
                .query_opt(
                    "SELECT 1 FROM organisation_members WHERE organisation_id = $1 AND user_id = $2",
                    params![org, user_id],
                )
                .await?;
            if member.is_none() {
                return Err(StoreError::Invalid(format!(
                    "organisation_id: no perteneces a «{}»",
                    o.name
                )));
            }
            (format!("org:{org}"), o.name, Some(o.sector))
        }
        None => {
            let name = crate::accounts::get_user(tx, user_id)
                .await?
                .map(|u| u.display_name)
                .unwrap_or_default();
            (format!("user:{user_id}"), name, None)
        }
    };
    if !call.eligibility.admits(sector) {
        return Err(StoreError::Invalid(match sector {
            Some(s) => format!(
                "organisation_id: la convocatoria no admite organizaciones del sector {}",
                s.as_str()
            ),
            None => "organisation_id: la convocatoria no admite solicitudes de personas a título propio; solicita por una organización".into(),
        }));
    }
    if input.statement.trim().is_empty() {
        return Err(StoreError::Invalid(
            "statement: explica el interés y la propuesta".into(),
        ));
    }
    if input.titular_name.trim().is_empty() {
        return Err(StoreError::Invalid(
            "titular_name: escribe quién ocuparía el lugar".into(),
        ));
    }
    if documents_attached < call.required_documents.len() {
        return Err(StoreError::Invalid(format!(
            "documents: faltan documentos: la convocatoria pide {} ({}) y llegaron {documents_attached}",
            call.required_documents.len(),
            call.required_documents.join("; ")
        )));
    }
    let id: i64 = match tx
        .query_one(
            "INSERT INTO applications (call_id, applicant_key, organisation_id, user_id, applicant_name, sector,
                statement, titular_name, titular_email, alternate_name, alternate_email, decision, submitted_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'pending', $12) RETURNING id",
            params![
                call.id,
                &key,
                input.organisation_id,
                user_id,
                &name,
                sector.map(Sector::as_str),
                input.statement.trim(),
                input.titular_name.trim(),
                input.titular_email.trim(),
                input.alternate_name.trim(),
                input.alternate_email.trim(),
                crate::now()
            ],
        )
        .await
    {
        Ok(r) => r.get(0)?,
        Err(StoreError::Conflict { .. }) => {
            return Err(StoreError::Invalid(format!(
                "call: «{name}» ya presentó una solicitud a esta convocatoria"
            )));
        }
        Err(e) => return Err(e),
    };
    audit::append(
        tx,
        who,
        Change {
            action: "call.apply",
            target_kind: "call",
            target_id: call.id.to_string(),
            public: false,
            summary: summary! { "application_id" => id, "applicant" => &name },
        },
    )
    .await?;
    Ok(id)
}

/// One reviewer's score on one criterion.
#[derive(Debug, Clone, Serialize)]
pub struct Score {
    pub application_id: i64,
    pub reviewer_id: i64,
    pub reviewer_name: String,
    /// Index of the criterion.
    pub position: i64,
    pub score: i64,
    pub comment: String,
}

/// Every score given in a call, in one query.
pub async fn scores(db: &impl Exec, call_id: i64) -> StoreResult<Vec<Score>> {
    db.query(
        "SELECT s.application_id, s.reviewer_id, u.display_name, s.position, s.score, s.comment
         FROM application_scores s JOIN applications a ON a.id = s.application_id
         JOIN users u ON u.id = s.reviewer_id
         WHERE a.call_id = $1 ORDER BY s.application_id, s.position, u.display_name",
        params![call_id],
    )
    .await?
    .into_iter()
    .map(|mut r| {
        Ok(Score {
            application_id: r.take(0)?,
            reviewer_id: r.take(1)?,
            reviewer_name: r.take(2)?,
            position: r.take(3)?,
            score: r.take(4)?,
            comment: r.take(5)?,
        })
    })
    .collect()
}

/// Records one reviewer's scores on an application: one (score, comment) per criterion,
/// replacing earlier ones. Only while results are not out, and only after the call closed.
pub async fn score(
    tx: &Tx,
    who: &Who,
    call: &Call,
    application_id: i64,
    marks: &[(i64, String)],
    now: PrimitiveDateTime,
) -> StoreResult<()> {
    let reviewer = who
        .user_id
        .ok_or_else(|| StoreError::Invalid("entra con tu cuenta".into()))?;
    if call.status != CallStatus::Published {
        return Err(StoreError::Invalid(
            "call: los resultados ya se publicaron; las calificaciones no cambian".into(),
        ));
    }
    if call.phase(now) != Phase::Closed {
        return Err(StoreError::Invalid(
            "call: las solicitudes se califican cuando la convocatoria cierra".into(),
        ));
    }
    let app = application(tx, application_id).await?;
    if app.call_id != call.id {
        return Err(StoreError::NotFound);
    }
    if marks.len() != call.criteria.len() {
        return Err(StoreError::Invalid(format!(
            "scores: califica los {} criterios",
            call.criteria.len()
        )));
    }
    for (i, (score, _)) in marks.iter().enumerate() {
        if !(0..=MAX_SCORE).contains(score) {
            return Err(StoreError::Invalid(format!(
                "score_{i}: «{score}» no está entre 0 y {MAX_SCORE} ({})",
                call.criteria.get(i).map_or("", |c| c.name.as_str())
            )));
        }
    }
    tx.execute(
        "DELETE FROM application_scores WHERE application_id = $1 AND reviewer_id = $2",
        params![application_id, reviewer],
    )
    .await?;
    for (i, (score, comment)) in marks.iter().enumerate() {
        tx.execute(
            "INSERT INTO application_scores (application_id, reviewer_id, position, score, comment)
             VALUES ($1, $2, $3, $4, $5)",
            params![
                application_id,
                reviewer,
                i64::try_from(i).unwrap_or(0),
                *score,
                comment.trim()
            ],
        )
        .await?;
    }
    audit::append(
        tx,
        who,
        Change {
            action: "call.score",
            target_kind: "call",
            target_id: call.id.to_string(),
            public: false,
            summary: summary! {
                "application_id" => application_id,
                "scores" => marks.iter().map(|(s, _)| *s).collect::<Vec<_>>()
            },
        },
    )
    .await?;
    Ok(())
}

/// Records the decision on an application, with its written reason.
pub async fn decide(
    tx: &Tx,
    who: &Who,
    call: &Call,
    application_id: i64,
    decision: Decision,
    reason: &str,
) -> StoreResult<()> {
    if call.status != CallStatus::Published {
        return Err(StoreError::Invalid(
            "call: los resultados ya se publicaron".into(),
        ));
    }
    if decision == Decision::Pending {
        return Err(StoreError::Invalid("decision: acepta o rechaza".into()));
    }
    if reason.trim().is_empty() {
        return Err(StoreError::Invalid(
            "reason: escribe la razón de la decisión".into(),
        ));
    }
    let changed = tx
        .execute(
            "UPDATE applications SET decision = $3, reason = $4, decided_at = $5 WHERE id = $1 AND call_id = $2",
            params![
                application_id,
                call.id,
                decision.as_str(),
                reason.trim(),
                crate::now()
            ],
        )
        .await?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    audit::append(
        tx,
        who,
        Change {
            action: "call.decide",
            target_kind: "call",
            target_id: call.id.to_string(),
            public: false,
            summary: summary! { "application_id" => application_id, "decision" => decision.as_str() },
        },
    )
    .await?;
    Ok(())
}

/// Publishes the results: every application decided, no more accepted than places; the
/// weighted scores are fixed at this moment.
pub async fn publish_results(tx: &Tx, who: &Who, call: &Call) -> StoreResult<()> {
    if call.status != CallStatus::Published {
        return Err(StoreError::Invalid(
            "call: los resultados ya se publicaron".into(),
        ));
    }
    let apps = applications(tx, call.id).await?;
    if apps.is_empty() {
        return Err(StoreError::Invalid(
            "call: la convocatoria no recibió solicitudes".into(),
        ));
    }
    let pending: Vec<&str> = apps
        .iter()
        .filter(|a| a.decision == Decision::Pending)
        .map(|a| a.applicant_name.as_str())
        .collect();
    if !pending.is_empty() {
        return Err(StoreError::Invalid(format!(
            "decision: falta decidir sobre {}",
            pending.join(", ")
        )));
    }
    let accepted = apps
        .iter()
        .filter(|a| a.decision == Decision::Accepted)
        .count();
    if i64::try_from(accepted).unwrap_or(i64::MAX) > call.places {
        return Err(StoreError::Invalid(format!(
            "decision: se aceptaron {accepted} y la convocatoria ofrece {} lugares",
            call.places
        )));
    }
    let all = scores(tx, call.id).await?;
    let mut by_app: HashMap<i64, Vec<(usize, i64)>> = HashMap::new();
    for s in &all {
        by_app
            .entry(s.application_id)
            .or_default()
            .push((usize::try_from(s.position).unwrap_or(0), s.score));
    }
    for a in &apps {
        let score = weighted_score(
            &call.criteria,
            by_app.get(&a.id).map_or(&[][..], Vec::as_slice),
        );
        #[allow(clippy::cast_possible_truncation)]
        let tenths = score.map(|s| (s * 10.0).round() as i64);
        tx.execute(
            "UPDATE applications SET score_tenths = $2 WHERE id = $1",
            params![a.id, tenths],
        )
        .await?;
    }
    tx.execute(
        "UPDATE calls SET status = 'results', results_published_at = $2, updated_at = $2 WHERE id = $1",
        params![call.id, crate::now()],
    )
    .await?;
    audit::append(
        tx,
        who,
        Change {
            action: "call.results",
            target_kind: "call",
            target_id: call.id.to_string(),
            public: true,
            summary: summary! {
                "accepted" => apps.iter().filter(|a| a.decision == Decision::Accepted).map(|a| a.applicant_name.clone()).collect::<Vec<_>>(),
                "applications" => apps.len()
            },
        },
    )
    .await?;
    Ok(())
}

/// The new working group a call's accepted applicants form, when it feeds no existing body.
#[derive(Debug, Clone)]
pub struct NewGroup {
    pub name: String,
    pub code: String,
    pub title: String,
    pub parent_id: Option<i64>,
}

/// In one step, seats every accepted applicant: in a new working group (`group`) or in the
/// body the call feeds. Returns the body.
pub async fn constitute(
    tx: &Tx,
    who: &Who,
    call: &Call,
    group: Option<&NewGroup>,
    starts_on: &str,
) -> StoreResult<Body> {
    if call.status != CallStatus::Results {
        return Err(StoreError::Invalid(match call.status {
            CallStatus::Constituted => "call: los seleccionados ya ocupan sus lugares".into(),
            _ => "call: publica primero los resultados".into(),
        }));
    }
    let body_id = match (call.body_id, group) {
        (Some(id), _) => id,
        (None, Some(g)) => {
            bodies::create(
                tx,
                who,
                &BodyInput {
                    name: g.name.clone(),
                    code: g.code.clone(),
                    title: g.title.clone(),
                    kind: tequio_domain::bodies::BodyKind::WorkingGroup,
                    purpose: call.objective.clone(),
                    rules: String::new(),
                    quorum_rule: tequio_domain::bodies::QuorumRule::Majority,
                    notice_days: 5,
                    accepts_members: false,
                    adhesion_documents: String::new(),
                    parent_id: g.parent_id,
                    subject_id: call.subject_id,
                    term_start: starts_on.to_owned(),
                    term_end: String::new(),
                },
            )
            .await?
        }
        (None, None) => {
            return Err(StoreError::Invalid(
                "name: escribe el nombre de la mesa de trabajo que se forma".into(),
            ));
        }
    };
    let accepted: Vec<Application> = applications(tx, call.id)
        .await?
        .into_iter()
        .filter(|a| a.decision == Decision::Accepted)
        .collect();
    for a in &accepted {
        bodies::add_seat(
            tx,
            who,
            body_id,
            &SeatInput {
                organisation_id: a.organisation_id,
                subject_id: None,
                user_id: a.organisation_id.is_none().then_some(a.user_id),
                holder_name: a.applicant_name.clone(),
                sector: a.sector.unwrap_or(Sector::CivilSociety),
                position: SeatPosition::Member,
                titular_name: a.titular_name.clone(),
                titular_email: a.titular_email.clone(),
                alternate_name: a.alternate_name.clone(),
                alternate_email: a.alternate_email.clone(),
                starts_on: starts_on.to_owned(),
                ends_on: String::new(),
                source: "call",
            },
        )
        .await?;
    }
    tx.execute(
        "UPDATE calls SET status = 'constituted', constituted_body_id = $2, updated_at = $3 WHERE id = $1",
        params![call.id, body_id, crate::now()],
    )
    .await?;
    audit::append(
        tx,
        who,
        Change {
            action: "call.constitute",
            target_kind: "call",
            target_id: call.id.to_string(),
            public: true,
            summary: summary! { "body_id" => body_id, "seats" => accepted.len() },
        },
    )
    .await?;
    Body::by_id(tx, body_id).await
}

/// Calls by id (for feeds and exports), in one query.
pub async fn by_ids(db: &impl Exec, ids: &[i64]) -> StoreResult<Vec<Call>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    db.query(
        &format!(
            "{CALL_SELECT} WHERE c.id IN ({}) ORDER BY c.id",
            id_list(ids)
        ),
        params![],
    )
    .await?
    .into_iter()
    .map(call_from_row)
    .collect()
}

/// Moves a call's opening and closing times (an extension, or an early close), while results
/// are not out. Public in the audit log, so every change of dates can be seen.
pub async fn reschedule(
    tx: &Tx,
    who: &Who,
    call: &Call,
    opens_at: &str,
    closes_at: &str,
) -> StoreResult<()> {
    if call.status != CallStatus::Published {
        return Err(StoreError::Invalid(
            "call: los resultados ya se publicaron; las fechas no cambian".into(),
        ));
    }
    let (Some(opens), Some(closes)) = (parse_local(opens_at), parse_local(closes_at)) else {
        return Err(StoreError::Invalid(format!(
            "closes_at: «{opens_at}» y «{closes_at}» deben ser fechas y horas (AAAA-MM-DDTHH:MM)"
        )));
    };
    if closes <= opens {
        return Err(StoreError::Invalid(
            "closes_at: el cierre debe ser después de la apertura".into(),
        ));
    }
    tx.execute(
        "UPDATE calls SET opens_at = $2, closes_at = $3, updated_at = $4 WHERE id = $1",
        params![
            call.id,
            format_local(opens),
            format_local(closes),
            crate::now()
        ],
    )
    .await?;
    audit::append(
        tx,
        who,
        Change {
            action: "call.reschedule",
            target_kind: "call",
            target_id: call.id.to_string(),
            public: true,
            summary: summary! {
                "from" => format!("{} – {}", call.opens_at, call.closes_at),
                "to" => format!("{} – {}", format_local(opens), format_local(closes))
            },
        },
    )
    .await?;
    Ok(())
}
