//! The registry of collaboration instruments: convenios, acuerdos de colaboración, programas
//! de acción and declaratorias, their parties, the bodies they concern and their validity.

use crate::audit::{self, Change, Who};
use crate::db::{Exec, Row, Tx};
use crate::error::{StoreError, StoreResult};
use crate::{id_list, params, search, summary};
use serde::Serialize;
use std::collections::HashMap;
use tequio_domain::instruments::{InstrumentKind, InstrumentStatus, status_on};
use tequio_domain::search::SearchKind;

/// One party to an instrument.
#[derive(Debug, Clone, Serialize)]
pub struct Party {
    pub name: String,
    pub subject_id: Option<i64>,
    pub organisation_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Instrument {
    pub id: i64,
    pub name: String,
    pub kind: InstrumentKind,
    pub title: String,
    pub objectives: String,
    pub signed_on: String,
    pub valid_until: String,
    pub terminated_on: String,
    /// Filled by reads for a given day.
    pub status: InstrumentStatus,
    pub parties: Vec<Party>,
    /// (name, title) of the bodies it concerns.
    pub bodies: Vec<(String, String)>,
    pub created_at: String,
}

/// What an admin registers. Parties are names: one that matches a subject or an organisation
/// exactly is linked to it.
#[derive(Debug, Clone)]
pub struct InstrumentInput {
    pub name: String,
    pub kind: InstrumentKind,
    pub title: String,
    pub objectives: String,
    pub signed_on: String,
    pub valid_until: String,
    pub parties: Vec<String>,
    pub body_ids: Vec<i64>,
}

const INSTRUMENT_SELECT: &str = "SELECT id, name, kind, title, objectives, signed_on, valid_until,
    status, terminated_on, created_at FROM instruments";

fn instrument_from_row(mut r: Row, today: &str) -> StoreResult<Instrument> {
    let id = r.take(0)?;
    let name = r.take(1)?;
    let kind: String = r.take(2)?;
    let title = r.take(3)?;
    let objectives = r.take(4)?;
    let signed_on = r.take(5)?;
    let valid_until: String = r.take(6)?;
    let stored: String = r.take(7)?;
    Ok(Instrument {
        id,
        name,
        kind: InstrumentKind::parse(&kind)
            .ok_or_else(|| StoreError::Decode(format!("instrument kind «{kind}»")))?,
        title,
        objectives,
        signed_on,
        status: status_on(stored == "terminated", &valid_until, today),
        valid_until,
        terminated_on: r.take(8)?,
        created_at: r.take(9)?,
        parties: Vec::new(),
        bodies: Vec::new(),
    })
}

/// Fills parties and bodies of many instruments: two queries whatever their number.
async fn fill(db: &impl Exec, list: &mut [Instrument]) -> StoreResult<()> {
    if list.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = list.iter().map(|i| i.id).collect();
    let mut parties: HashMap<i64, Vec<Party>> = HashMap::new();
    for mut r in db
        .query(
            &format!(
                "SELECT instrument_id, name, subject_id, organisation_id FROM instrument_parties
                 WHERE instrument_id IN ({}) ORDER BY instrument_id, position",
                id_list(&ids)
            ),
            params![],
        )
        .await?
    {
        parties.entry(r.take(0)?).or_default().push(Party {
            name: r.take(1)?,
            subject_id: r.take(2)?,
            organisation_id: r.take(3)?,
        });
    }
    let mut bodies: HashMap<i64, Vec<(String, String)>> = HashMap::new();
    for mut r in db
        .query(
            &format!(
                "SELECT ib.instrument_id, b.name, b.title FROM instrument_bodies ib JOIN bodies b ON b.id = ib.body_id
                 WHERE ib.instrument_id IN ({}) ORDER BY b.title",
                id_list(&ids)
            ),
            params![],
        )
        .await?
    {
        bodies
            .entry(r.take(0)?)
            .or_default()
            .push((r.take(1)?, r.take(2)?));
    }
    for i in list {
        i.parties = parties.remove(&i.id).unwrap_or_default();
        i.bodies = bodies.remove(&i.id).unwrap_or_default();
    }
    Ok(())
}

/// Every instrument, newest signature first, its status as of `today`.
pub async fn list(db: &impl Exec, today: &str) -> StoreResult<Vec<Instrument>> {
    let mut list = db
        .query(
            &format!("{INSTRUMENT_SELECT} ORDER BY signed_on DESC, id DESC"),
            params![],
        )
        .await?
        .into_iter()
        .map(|r| instrument_from_row(r, today))
        .collect::<StoreResult<Vec<_>>>()?;
    fill(db, &mut list).await?;
    Ok(list)
}

pub async fn get(db: &impl Exec, name: &str, today: &str) -> StoreResult<Instrument> {
    let row = db
        .query_opt(
            &format!("{INSTRUMENT_SELECT} WHERE name = $1"),
            params![name],
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    let mut one = vec![instrument_from_row(row, today)?];
    fill(db, &mut one).await?;
    one.pop().ok_or(StoreError::NotFound)
}

/// Registers an instrument.
pub async fn create(tx: &Tx, who: &Who, input: &InstrumentInput) -> StoreResult<i64> {
    if input
        .parties
        .iter()
        .filter(|p| !p.trim().is_empty())
        .count()
        < 2
    {
        return Err(StoreError::Invalid(
            "parties: un instrumento de colaboración tiene al menos dos partes".into(),
        ));
    }
    let now = crate::now();
    let id: i64 = tx
        .query_one(
            "INSERT INTO instruments (name, kind, title, objectives, signed_on, valid_until, status, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, 'in_force', $7, $7) RETURNING id",
            params![
                &input.name,
                input.kind.as_str(),
                &input.title,
                &input.objectives,
                &input.signed_on,
                &input.valid_until,
                now
            ],
        )
        .await?
        .get(0)?;
    for (position, party) in input
        .parties
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .enumerate()
    {
        let subject_id: Option<i64> = tx
            .query_opt(
                "SELECT id FROM subjects WHERE UPPER(name) = UPPER($1)",
                params![party],
            )
            .await?
            .map(|r| r.get(0))
            .transpose()?;
        let organisation_id: Option<i64> = match subject_id {
            Some(_) => None,
            None => tx
                .query_opt(
                    "SELECT id FROM organisations WHERE name = $1",
                    params![party],
                )
                .await?
                .map(|r| r.get(0))
                .transpose()?,
        };
        tx.execute(
            "INSERT INTO instrument_parties (instrument_id, position, subject_id, organisation_id, name)
             VALUES ($1, $2, $3, $4, $5)",
            params![id, i64::try_from(position).unwrap_or(0), subject_id, organisation_id, party],
        )
        .await?;
    }
    for body in &input.body_ids {
        tx.execute(
            "INSERT INTO instrument_bodies (instrument_id, body_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            params![id, *body],
        )
        .await?;
    }
    search::put(
        tx,
        SearchKind::Instrument,
        id,
        &input.title,
        &format!("{} {}", input.objectives, input.parties.join(" ")),
        &input.name,
    )
    .await?;
    audit::append(
        tx,
        who,
        Change {
            action: "instrument.create",
            target_kind: "instrument",
            target_id: id.to_string(),
            public: true,
            summary: summary! {
                "name" => &input.name, "kind" => input.kind.as_str(), "title" => &input.title,
                "signed_on" => &input.signed_on, "parties" => &input.parties
            },
        },
    )
    .await?;
    Ok(id)
}

/// Ends an instrument early.
pub async fn terminate(tx: &Tx, who: &Who, instrument: &Instrument, on: &str) -> StoreResult<()> {
    if instrument.status == InstrumentStatus::Terminated {
        return Err(StoreError::Invalid(
            "status: el instrumento ya estaba terminado".into(),
        ));
    }
    if on < instrument.signed_on.as_str() {
        return Err(StoreError::Invalid(
            "terminated_on: la terminación no puede ser antes de la firma".into(),
        ));
    }
    tx.execute(
        "UPDATE instruments SET status = 'terminated', terminated_on = $2, updated_at = $3 WHERE id = $1",
        params![instrument.id, on, crate::now()],
    )
    .await?;
    audit::append(
        tx,
        who,
        Change {
            action: "instrument.terminate",
            target_kind: "instrument",
            target_id: instrument.id.to_string(),
            public: true,
            summary: summary! { "terminated_on" => on },
        },
    )
    .await?;
    Ok(())
}

/// The instruments that concern a body (for its page).
pub async fn of_body(db: &impl Exec, body_id: i64, today: &str) -> StoreResult<Vec<Instrument>> {
    let mut list = db
        .query(
            &format!(
                "{INSTRUMENT_SELECT} WHERE id IN (SELECT instrument_id FROM instrument_bodies WHERE body_id = $1)
                 ORDER BY signed_on DESC"
            ),
            params![body_id],
        )
        .await?
        .into_iter()
        .map(|r| instrument_from_row(r, today))
        .collect::<StoreResult<Vec<_>>>()?;
    fill(db, &mut list).await?;
    Ok(list)
}
