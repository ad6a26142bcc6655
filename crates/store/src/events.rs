//! Training and promotion events: registration with a waiting list, attendance, and
//! attendance certificates anyone can check by their code.

use crate::audit::{self, Change, Who};
use crate::db::{Exec, Row, Tx};
use crate::error::{StoreError, StoreResult};
use crate::{params, summary};
use serde::Serialize;
use std::collections::HashMap;
use tequio_domain::events::{EventKind, RegistrationStatus, new_registration};

/// An event, with how many places are taken and how many wait.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub id: i64,
    pub name: String,
    pub kind: EventKind,
    pub title: String,
    pub description: String,
    pub audience: String,
    /// Local wall-clock, `YYYY-MM-DDTHH:MM`.
    pub starts_at: String,
    pub ends_at: String,
    pub place: String,
    pub online_url: String,
    pub capacity: i64,
    /// Hours the certificate states.
    pub hours: i64,
    pub registered: i64,
    pub waitlisted: i64,
    pub attended: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl Event {
    pub fn places_left(&self) -> i64 {
        (self.capacity - self.registered).max(0)
    }
}

/// What an organiser writes.
#[derive(Debug, Clone)]
pub struct EventInput {
    pub name: String,
    pub kind: EventKind,
    pub title: String,
    pub description: String,
    pub audience: String,
    pub starts_at: String,
    pub ends_at: String,
    pub place: String,
    pub online_url: String,
    pub capacity: i64,
    pub hours: i64,
}

const EVENT_SELECT: &str = "SELECT e.id, e.name, e.kind, e.title, e.description, e.audience,
    e.starts_at, e.ends_at, e.place, e.online_url, e.capacity, e.hours,
    (SELECT COUNT(*) FROM event_registrations r WHERE r.event_id = e.id AND r.status = 'registered'),
    (SELECT COUNT(*) FROM event_registrations r WHERE r.event_id = e.id AND r.status = 'waitlisted'),
    (SELECT COUNT(*) FROM event_registrations r WHERE r.event_id = e.id AND r.attended),
    e.created_at, e.updated_at FROM events e";

fn event_from_row(mut r: Row) -> StoreResult<Event> {
    Ok(Event {
        id: r.take(0)?,
        name: r.take(1)?,
        kind: {
            let k: String = r.take(2)?;
            EventKind::parse(&k).ok_or_else(|| StoreError::Decode(format!("event kind «{k}»")))?
        },
        title: r.take(3)?,
        description: r.take(4)?,
        audience: r.take(5)?,
        starts_at: r.take(6)?,
        ends_at: r.take(7)?,
        place: r.take(8)?,
        online_url: r.take(9)?,
        capacity: r.take(10)?,
        hours: r.take(11)?,
        registered: r.take(12)?,
        waitlisted: r.take(13)?,
        attended: r.take(14)?,
        created_at: r.take(15)?,
        updated_at: r.take(16)?,
    })
}

impl Event {
    pub async fn by_name(db: &impl Exec, name: &str) -> StoreResult<Event> {
        db.query_opt(&format!("{EVENT_SELECT} WHERE e.name = $1"), params![name])
            .await?
            .map(event_from_row)
            .transpose()?
            .ok_or(StoreError::NotFound)
    }
}

/// Every event, the next or latest first. One query.
pub async fn list(db: &impl Exec) -> StoreResult<Vec<Event>> {
    db.query(
        &format!("{EVENT_SELECT} ORDER BY e.starts_at DESC, e.id DESC"),
        params![],
    )
    .await?
    .into_iter()
    .map(event_from_row)
    .collect()
}

pub async fn create(tx: &Tx, who: &Who, input: &EventInput) -> StoreResult<i64> {
    let now = crate::now();
    let id: i64 = tx
        .query_one(
            "INSERT INTO events (name, kind, title, description, audience, starts_at, ends_at, place, online_url,
                capacity, hours, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
            params![
                &input.name,
                input.kind.as_str(),
                &input.title,
                &input.description,
                &input.audience,
                &input.starts_at,
                &input.ends_at,
                &input.place,
                &input.online_url,
                input.capacity,
                input.hours,
                now
            ],
        )
        .await?
        .get(0)?;
    crate::search::put(
        tx,
        tequio_domain::search::SearchKind::Event,
        id,
        &input.title,
        &format!("{} {}", input.audience, input.description),
        &input.name,
    )
    .await?;
    audit::append(
        tx,
        who,
        Change {
            action: "event.create",
            target_kind: "event",
            target_id: id.to_string(),
            public: true,
            summary: summary! {
                "name" => &input.name, "title" => &input.title, "starts_at" => &input.starts_at,
                "capacity" => input.capacity
            },
        },
    )
    .await?;
    Ok(id)
}

/// A person's registration.
#[derive(Debug, Clone, Serialize)]
pub struct Registration {
    pub id: i64,
    pub event_id: i64,
    #[serde(skip)]
    pub user_id: i64,
    pub full_name: String,
    pub institution: String,
    pub status: RegistrationStatus,
    pub attended: bool,
    pub certificate_code: Option<String>,
    pub created_at: String,
}

const REGISTRATION_SELECT: &str = "SELECT id, event_id, user_id, full_name, institution, status,
    attended, certificate_code, created_at FROM event_registrations";

fn registration_from_row(mut r: Row) -> StoreResult<Registration> {
    Ok(Registration {
        id: r.take(0)?,
        event_id: r.take(1)?,
        user_id: r.take(2)?,
        full_name: r.take(3)?,
        institution: r.take(4)?,
        status: {
            let s: String = r.take(5)?;
            RegistrationStatus::parse(&s)
                .ok_or_else(|| StoreError::Decode(format!("registration status «{s}»")))?
        },
        attended: r.take(6)?,
        certificate_code: r.take(7)?,
        created_at: r.take(8)?,
    })
}

/// An event's registrations in the order they came (places first, then the waiting list).
pub async fn registrations(db: &impl Exec, event_id: i64) -> StoreResult<Vec<Registration>> {
    db.query(
        &format!(
            "{REGISTRATION_SELECT} WHERE event_id = $1
             ORDER BY CASE status WHEN 'registered' THEN 0 WHEN 'waitlisted' THEN 1 ELSE 2 END, id"
        ),
        params![event_id],
    )
    .await?
    .into_iter()
    .map(registration_from_row)
    .collect()
}

/// Registers a person: a place while there are any, the waiting list after. Once per person.
pub async fn register(
    tx: &Tx,
    who: &Who,
    event: &Event,
    full_name: &str,
    institution: &str,
) -> StoreResult<RegistrationStatus> {
    let user_id = who
        .user_id
        .ok_or_else(|| StoreError::Invalid("entra con tu cuenta para registrarte".into()))?;
    if full_name.trim().is_empty() {
        return Err(StoreError::Invalid(
            "full_name: escribe tu nombre como debe aparecer en la constancia".into(),
        ));
    }
    let taken: i64 = tx
        .query_one(
            "SELECT COUNT(*) FROM event_registrations WHERE event_id = $1 AND status = 'registered'",
            params![event.id],
        )
        .await?
        .get(0)?;
    let status = new_registration(event.capacity, taken);
    let existing = tx
        .query_opt(
            "SELECT status FROM event_registrations WHERE event_id = $1 AND user_id = $2",
            params![event.id, user_id],
        )
        .await?;
    match existing {
        Some(r) if r.get::<String>(0)? != "cancelled" => {
            return Err(StoreError::Invalid(
                "registration: ya tienes un registro en este evento".into(),
            ));
        }
        Some(_) => {
            tx.execute(
                "UPDATE event_registrations SET status = $3, full_name = $4, institution = $5, created_at = $6
                 WHERE event_id = $1 AND user_id = $2",
                params![event.id, user_id, status.as_str(), full_name.trim(), institution.trim(), crate::now()],
            )
            .await?;
        }
        None => {
            tx.execute(
                "INSERT INTO event_registrations (event_id, user_id, full_name, institution, status, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                params![event.id, user_id, full_name.trim(), institution.trim(), status.as_str(), crate::now()],
            )
            .await?;
        }
    }
    audit::append(
        tx,
        who,
        Change {
            action: "event.register",
            target_kind: "event",
            target_id: event.id.to_string(),
            public: false,
            summary: summary! { "status" => status.as_str() },
        },
    )
    .await?;
    Ok(status)
}

/// Cancels a person's registration; a freed place goes to the first on the waiting list.
pub async fn cancel(tx: &Tx, who: &Who, event: &Event) -> StoreResult<()> {
    let user_id = who
        .user_id
        .ok_or_else(|| StoreError::Invalid("entra con tu cuenta".into()))?;
    let row = tx
        .query_opt(
            "SELECT status FROM event_registrations WHERE event_id = $1 AND user_id = $2",
            params![event.id, user_id],
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    let was: String = row.get(0)?;
    if was == "cancelled" {
        return Err(StoreError::Invalid(
            "registration: ya estaba cancelado".into(),
        ));
    }
    tx.execute(
        "UPDATE event_registrations SET status = 'cancelled' WHERE event_id = $1 AND user_id = $2",
        params![event.id, user_id],
    )
    .await?;
    if was == "registered"
        && let Some(next) = tx
            .query_opt(
                "SELECT id FROM event_registrations WHERE event_id = $1 AND status = 'waitlisted' ORDER BY created_at, id LIMIT 1",
                params![event.id],
            )
            .await?
    {
        let next: i64 = next.get(0)?;
        tx.execute(
            "UPDATE event_registrations SET status = 'registered' WHERE id = $1",
            params![next],
        )
        .await?;
    }
    audit::append(
        tx,
        who,
        Change {
            action: "event.cancel",
            target_kind: "event",
            target_id: event.id.to_string(),
            public: false,
            summary: summary! { "was" => was },
        },
    )
    .await?;
    Ok(())
}

/// Records who attended (registration ids) and gives each attendee a certificate code from
/// `codes` (one per attendee without one yet). Attendance can be corrected; a code, once
/// given, stays.
pub async fn record_attendance(
    tx: &Tx,
    who: &Who,
    event: &Event,
    attended: &[i64],
    codes: Vec<String>,
) -> StoreResult<usize> {
    let mut codes = codes.into_iter();
    let list = registrations(tx, event.id).await?;
    if let Some(id) = attended.iter().find(|id| {
        !list
            .iter()
            .any(|r| r.id == **id && r.status == RegistrationStatus::Registered)
    }) {
        return Err(StoreError::Invalid(format!(
            "attended: el registro {id} no tiene lugar en este evento"
        )));
    }
    let mut certificates = 0;
    for r in &list {
        let present = attended.contains(&r.id);
        let code = match (&r.certificate_code, present) {
            (Some(c), _) => Some(c.clone()),
            (None, true) => {
                certificates += 1;
                Some(
                    codes
                        .next()
                        .ok_or_else(|| StoreError::Invalid("no certificate codes".into()))?,
                )
            }
            (None, false) => None,
        };
        tx.execute(
            "UPDATE event_registrations SET attended = $2, certificate_code = $3 WHERE id = $1",
            params![r.id, present, code],
        )
        .await?;
    }
    audit::append(
        tx,
        who,
        Change {
            action: "event.attendance",
            target_kind: "event",
            target_id: event.id.to_string(),
            public: true,
            summary: summary! { "attended" => attended.len(), "new_certificates" => certificates },
        },
    )
    .await?;
    Ok(certificates)
}

/// What a certificate attests.
#[derive(Debug, Clone, Serialize)]
pub struct Certificate {
    pub code: String,
    pub full_name: String,
    pub institution: String,
    pub event_name: String,
    pub event_title: String,
    pub event_kind: EventKind,
    pub starts_at: String,
    pub hours: i64,
}

/// The certificate with this code, if one was issued.
pub async fn certificate(db: &impl Exec, code: &str) -> StoreResult<Certificate> {
    let mut r = db
        .query_opt(
            "SELECT r.certificate_code, r.full_name, r.institution, e.name, e.title, e.kind, e.starts_at, e.hours
             FROM event_registrations r JOIN events e ON e.id = r.event_id
             WHERE r.certificate_code = $1 AND r.attended",
            params![code],
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(Certificate {
        code: r.take(0)?,
        full_name: r.take(1)?,
        institution: r.take(2)?,
        event_name: r.take(3)?,
        event_title: r.take(4)?,
        event_kind: {
            let k: String = r.take(5)?;
            EventKind::parse(&k).ok_or_else(|| StoreError::Decode(format!("event kind «{k}»")))?
        },
        starts_at: r.take(6)?,
        hours: r.take(7)?,
    })
}

/// Each user's registration in the given events, by event id (for "your registration").
pub async fn registrations_of_user(
    db: &impl Exec,
    user_id: i64,
) -> StoreResult<HashMap<i64, Registration>> {
    Ok(db
        .query(
            &format!("{REGISTRATION_SELECT} WHERE user_id = $1"),
            params![user_id],
        )
        .await?
        .into_iter()
        .map(registration_from_row)
        .collect::<StoreResult<Vec<_>>>()?
        .into_iter()
        .map(|r| (r.event_id, r))
        .collect())
}
