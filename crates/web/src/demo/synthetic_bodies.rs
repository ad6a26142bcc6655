//! Made-up collegiate bodies at scale, for benchmarks: `bodies` working groups sharing
//! `sessions` sessions and `agreements` agreements, written through the store like real ones
//! (audited, searchable). Deterministic: the same numbers give the same data.

use std::collections::HashMap;
use tequio_domain::accounts::Sector;
use tequio_domain::bodies::{
    AgreementInput, AgreementStatus, Attendance, BodyKind, QuorumRule, SeatPosition, SessionKind,
    SessionPlan, parse_local,
};
use tequio_store::Db;
use tequio_store::audit::Who;
use tequio_store::bodies::{self, Body, BodyInput, SeatInput, Session};

const SECTORS: &[Sector] = &[
    Sector::Government,
    Sector::CivilSociety,
    Sector::Academia,
    Sector::PrivateSector,
    Sector::ProfessionalCollege,
];

/// Loads the synthetic bodies; returns the name of the first, for a benchmark to request.
pub async fn load(
    db: &Db,
    bodies: usize,
    sessions: usize,
    agreements: usize,
) -> anyhow::Result<String> {
    let sys = Who::system();
    let per_body_sessions = sessions.div_ceil(bodies.max(1));
    let per_session_agreements = agreements.div_ceil(sessions.max(1));
    let mut first = String::new();
    let (mut sessions_left, mut agreements_left) = (sessions, agreements);
    for b in 0..bodies {
        let name = format!("mesa-sintetica-{b:04}");
        if first.is_empty() {
            first.clone_from(&name);
        }
        let tx = db.begin().await?;
        let id = bodies::create(
            &tx,
            &sys,
            &BodyInput {
                name: name.clone(),
                code: format!("MS{b:04}"),
                title: format!("Mesa de trabajo sintética {b}"),
                kind: BodyKind::WorkingGroup,
                purpose: "Mesa de trabajo inventada para medir la velocidad de Tequio.".into(),
                rules: String::new(),
                quorum_rule: QuorumRule::Majority,
                notice_days: 5,
                accepts_members: false,
                adhesion_documents: String::new(),
                parent_id: None,
                subject_id: None,
                term_start: "2020-01-01".into(),
                term_end: String::new(),
            },
        )
        .await?;
        let mut seat_ids = Vec::new();
        for s in 0..7 {
            seat_ids.push(
                bodies::add_seat(
                    &tx,
                    &sys,
                    id,
                    &SeatInput {
                        organisation_id: None,
                        subject_id: None,
                        user_id: None,
                        holder_name: format!("Institución {b}-{s}"),
                        sector: SECTORS[s % SECTORS.len()],
                        position: if s == 0 {
                            SeatPosition::President
                        } else {
                            SeatPosition::Member
                        },
                        titular_name: format!("Titular {b}-{s}"),
                        titular_email: String::new(),
                        alternate_name: format!("Suplente {b}-{s}"),
                        alternate_email: String::new(),
                        starts_on: "2020-01-01".into(),
                        ends_on: String::new(),
                        source: "direct",
                    },
                )
                .await?,
            );
        }
        let body = Body::by_id(&tx, id).await?;
        let marks: HashMap<i64, Attendance> = seat_ids
            .iter()
            .enumerate()
            .map(|(i, s)| {
                (
                    *s,
                    if i % 4 == 3 {
                        Attendance::Absent
                    } else {
                        Attendance::Present
                    },
                )
            })
            .collect();
        for n in 0..per_body_sessions.min(sessions_left) {
            sessions_left -= 1;
            // Every two weeks from 2022, so some agreements are overdue and some are not.
            let day = time::Date::from_calendar_date(2022, time::Month::January, 3)?
                + time::Duration::days(i64::try_from(n * 14 + b % 14)?);
            let plan = SessionPlan {
                kind: SessionKind::Ordinary,
                starts_at: parse_local(&format!("{day}T10:00"))
                    .ok_or_else(|| anyhow::anyhow!("date {day}"))?,
                ends_at: None,
                place: "Sala de juntas".into(),
                online_url: String::new(),
                agenda: "1. Lista de asistencia\n2. Seguimiento de acuerdos\n3. Asuntos generales"
                    .into(),
            };
            let session = bodies::convene(&tx, &sys, &body, &plan).await?;
            bodies::record_attendance(&tx, &sys, &body, &session, &marks).await?;
            let session = Session::by_id(&tx, session.id).await?;
            for k in 0..per_session_agreements.min(agreements_left) {
                agreements_left -= 1;
                let due = day + time::Duration::days(i64::try_from(30 + k * 15)?);
                let (aid, _) = bodies::adopt(
                    &tx,
                    &sys,
                    &body,
                    &session,
                    &AgreementInput {
                        text: format!(
                            "Acuerdo {k} de la sesión {n}: dar seguimiento al tema {}.",
                            (b + n + k) % 37
                        ),
                        responsible_seats: vec![
                            seat_ids[k % seat_ids.len()],
                            seat_ids[(k + 1) % seat_ids.len()],
                        ],
                        responsible_others: Vec::new(),
                        due_on: due.to_string(),
                    },
                )
                .await?;
                if (n + k) % 3 == 0 {
                    let a = bodies::Agreement::get(&tx, aid).await?;
                    bodies::follow_up(&tx, &sys, &a, AgreementStatus::Done, "Cumplido.", false)
                        .await?;
                }
            }
        }
        tx.commit().await?;
    }
    Ok(first)
}
