//! Collegiate bodies and open calls on every engine under test, as one story: a call is
//! published, two organisations apply (a late and a repeated application are refused),
//! reviewers score, results are published, the accepted form a working group in one step, the
//! group meets (without quorum first, then with it), adopts agreements, follows one to done,
//! and approves its minutes; the tracker, the calendar and the body list read it back.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use tequio_domain::accounts::Sector;
use tequio_domain::bodies::{
    AgreementInput, AgreementStatus, Attendance, BodyKind, MinutesStatus, QuorumRule, SeatPosition,
    SessionInput, Vote, parse_local,
};
use tequio_domain::calls::{CallInput, CallStatus, Decision, Eligibility};
use tequio_store::audit::Who;
use tequio_store::bodies::{self, Agreement, Body, BodyInput, SeatInput, Session, TrackerFilter};
use tequio_store::calls::{self, ApplicationInput, Call, CallOwner, NewGroup};
use tequio_store::files::StoredFile;
use tequio_store::{Db, StoreError, accounts};

async fn user(db: &Db, email: &str, name: &str) -> Who {
    let tx = db.begin().await.unwrap();
    let u = accounts::create_user(&tx, &Who::system(), email, name, "x", "es")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    u.who()
}

async fn organisation(db: &Db, name: &str, sector: Sector, member: &Who) -> i64 {
    let tx = db.begin().await.unwrap();
    let id = accounts::create_organisation(&tx, &Who::system(), name, sector, "", None)
        .await
        .unwrap();
    accounts::add_member(&tx, &Who::system(), id, member.user_id.unwrap(), true)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

fn invalid(e: StoreError) -> String {
    match e {
        StoreError::Invalid(m) => m,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn the_collaboration_story() {
    for t in tequio_testkit::databases().await {
        let (engine, db) = (t.name, &t.db);
        let admin = Who::system();
        let ana = user(db, "ana@example.org", "Ana").await;
        let beto = user(db, "beto@example.org", "Beto").await;
        let carla = user(db, "carla@example.org", "Carla").await;
        let reviewer = user(db, "revisa@example.org", "Revisora").await;
        let colectivo = organisation(db, "Colectivo Abierto", Sector::CivilSociety, &ana).await;
        let universidad = organisation(db, "Red Universitaria", Sector::Academia, &beto).await;
        let camara = organisation(
            db,
            "Cámara de la Construcción",
            Sector::PrivateSector,
            &carla,
        )
        .await;

        // The call: civil society and academia, one required document, closes at noon.
        let plan = CallInput {
            title: "Mesa de datos de obra pública".into(),
            objective: "Co-diseñar la publicación de datos de obra pública".into(),
            eligibility: Eligibility {
                sectors: vec![Sector::CivilSociety, Sector::Academia],
                citizens: false,
            },
            required_documents: "Acta constitutiva".into(),
            opens_at: "2026-01-10T09:00".into(),
            closes_at: "2026-02-10T12:00".into(),
            criteria: "Experiencia | 40\nPropuesta | 60".into(),
            places: "2".into(),
            ..CallInput::default()
        }
        .check()
        .unwrap();
        let tx = db.begin().await.unwrap();
        calls::create(&tx, &admin, "mesa-obra", &plan, &CallOwner::default())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let call = Call::by_name(db, "mesa-obra").await.unwrap();
        assert_eq!(call.criteria.len(), 2, "{engine}");

        let during = parse_local("2026-02-01T10:00").unwrap();
        let after = parse_local("2026-02-10T12:00").unwrap();
        let application = |org: i64, who: &str| ApplicationInput {
            organisation_id: Some(org),
            statement: format!("Nos interesa, dice {who}"),
            titular_name: format!("{who} titular"),
            titular_email: format!("{}@example.org", who.to_lowercase()),
            alternate_name: format!("{who} suplente"),
            ..ApplicationInput::default()
        };
        // Two organisations apply in time, each with its document.
        let mut ids = Vec::new();
        for (org, who, name) in [(colectivo, &ana, "Ana"), (universidad, &beto, "Beto")] {
            let tx = db.begin().await.unwrap();
            ids.push(
                calls::apply(&tx, who, &call, &application(org, name), 1, during)
                    .await
                    .unwrap(),
            );
            tx.commit().await.unwrap();
        }
        // Refused, and nothing saved: a second application, one after the close, one
        // without the document, one from a sector the call does not admit.
        for (org, who, docs, at, want) in [
            (colectivo, &ana, 1, during, "ya presentó"),
            (colectivo, &ana, 1, after, "cerró"),
            (camara, &carla, 1, during, "no admite"),
            (universidad, &beto, 0, during, "faltan documentos"),
        ] {
            let tx = db.begin().await.unwrap();
            let e = calls::apply(&tx, who, &call, &application(org, "X"), docs, at)
                .await
                .unwrap_err();
            drop(tx);
            assert!(invalid(e).contains(want), "{engine}: {want}");
        }
        assert_eq!(calls::applications(db, call.id).await.unwrap().len(), 2);

        // Scores only after the close; two reviewers, then decisions and results.
        let tx = db.begin().await.unwrap();
        calls::add_reviewer(&tx, &admin, &call, reviewer.user_id.unwrap())
            .await
            .unwrap();
        let early = calls::score(
            &tx,
            &reviewer,
            &call,
            ids[0],
            &[(9, String::new()), (8, String::new())],
            during,
        )
        .await
        .unwrap_err();
        assert!(invalid(early).contains("cierra"), "{engine}");
        calls::score(
            &tx,
            &reviewer,
            &call,
            ids[0],
            &[(9, "sólida".into()), (8, String::new())],
            after,
        )
        .await
        .unwrap();
        calls::score(
            &tx,
            &reviewer,
            &call,
            ids[1],
            &[(5, String::new()), (10, "clara".into())],
            after,
        )
        .await
        .unwrap();
        let out_of_range = calls::score(
            &tx,
            &reviewer,
            &call,
            ids[1],
            &[(11, String::new()), (1, String::new())],
            after,
        )
        .await
        .unwrap_err();
        assert!(invalid(out_of_range).contains("entre 0 y 10"));
        tx.commit().await.unwrap();
        assert!(
            calls::is_reviewer(db, call.id, reviewer.user_id.unwrap())
                .await
                .unwrap()
        );

        let tx = db.begin().await.unwrap();
        calls::decide(
            &tx,
            &admin,
            &call,
            ids[0],
            Decision::Accepted,
            "Experiencia probada",
        )
        .await
        .unwrap();
        let e = calls::publish_results(&tx, &admin, &call)
            .await
            .unwrap_err();
        assert!(invalid(e).contains("falta decidir"), "{engine}");
        calls::decide(
            &tx,
            &admin,
            &call,
            ids[1],
            Decision::Accepted,
            "Propuesta clara",
        )
        .await
        .unwrap();
        calls::publish_results(&tx, &admin, &call).await.unwrap();
        tx.commit().await.unwrap();
        let call = Call::by_name(db, "mesa-obra").await.unwrap();
        assert_eq!(call.status, CallStatus::Results);
        let apps = calls::applications(db, call.id).await.unwrap();
        // 9/10×40 + 8/10×60 = 84; 5/10×40 + 10/10×60 = 80.
        assert_eq!(apps[0].score, Some(84.0), "{engine}");
        assert_eq!(apps[1].score, Some(80.0), "{engine}");

        // One step: the working group with both seats.
        let tx = db.begin().await.unwrap();
        let group = calls::constitute(
            &tx,
            &admin,
            &call,
            Some(&NewGroup {
                name: "mesa-obra-publica".into(),
                code: "MOP".into(),
                title: "Mesa de Obra Pública".into(),
                parent_id: None,
            }),
            "2026-02-15",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(group.kind, BodyKind::WorkingGroup);
        let tx = db.begin().await.unwrap();
        let again = calls::constitute(
            &tx,
            &admin,
            &Call::by_name(db, "mesa-obra").await.unwrap(),
            None,
            "2026-02-15",
        )
        .await
        .unwrap_err();
        assert!(invalid(again).contains("ya ocupan"));
        drop(tx);
        let seats = bodies::seats(db, group.id).await.unwrap();
        assert_eq!(seats.len(), 2, "{engine}");
        assert!(seats.iter().all(|s| s.source == "call"));

        // A third, government seat added directly; quorum by majority needs 2 of 3.
        let tx = db.begin().await.unwrap();
        let gov = bodies::add_seat(
            &tx,
            &admin,
            group.id,
            &SeatInput {
                organisation_id: None,
                subject_id: None,
                user_id: None,
                holder_name: "Secretaría de Infraestructuras".into(),
                sector: Sector::Government,
                position: SeatPosition::President,
                titular_name: "Titular de Infraestructuras".into(),
                titular_email: String::new(),
                alternate_name: String::new(),
                alternate_email: String::new(),
                starts_on: "2026-02-15".into(),
                ends_on: String::new(),
                source: "direct",
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let group = Body::by_id(db, group.id).await.unwrap();
        assert_eq!(group.quorum_rule, QuorumRule::Majority);
        let seats = bodies::seats(db, group.id).await.unwrap();
        assert_eq!(seats[0].id, gov, "the presidency is listed first");

        // First session: only one present; no quorum, no agreements.
        let now = parse_local("2026-02-16T09:00").unwrap();
        let first = SessionInput {
            kind: "ordinary".into(),
            starts_at: "2026-03-02T10:00".into(),
            place: "Sala del Órgano Garante".into(),
            agenda: "1. Instalación\n2. Plan de trabajo".into(),
            ..SessionInput::default()
        }
        .check(now, group.notice_days)
        .unwrap();
        let tx = db.begin().await.unwrap();
        let s1 = bodies::convene(&tx, &admin, &group, &first).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!((s1.year, s1.number), (2026, 1));
        let marks = |present: &[i64]| -> HashMap<i64, Attendance> {
            seats
                .iter()
                .map(|s| {
                    (
                        s.id,
                        if present.contains(&s.id) {
                            Attendance::Present
                        } else {
                            Attendance::Absent
                        },
                    )
                })
                .collect()
        };
        let tx = db.begin().await.unwrap();
        let q = bodies::record_attendance(&tx, &admin, &group, &s1, &marks(&[gov]))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert!(!q.met(), "{engine}: 1 of 3");
        let s1 = Session::by_id(db, s1.id).await.unwrap();
        let tx = db.begin().await.unwrap();
        let e = bodies::adopt(
            &tx,
            &admin,
            &group,
            &s1,
            &AgreementInput {
                text: "Instalar la mesa".into(),
                responsible_others: vec!["Presidencia".into()],
                ..AgreementInput::default()
            },
        )
        .await
        .unwrap_err();
        assert!(invalid(e).contains("quórum"), "{engine}");
        // The minutes record it and circulate.
        bodies::save_minutes(
            &tx,
            &admin,
            &s1,
            "No hubo quórum; se convoca de nuevo.",
            MinutesStatus::Circulated,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();

        // Second session: quorum (one by the alternate), agreements adopted.
        let second = SessionInput {
            kind: "extraordinary".into(),
            starts_at: "2026-03-05T10:00".into(),
            online_url: "https://reunion.example.org/mop".into(),
            agenda: "1. Instalación".into(),
            ..SessionInput::default()
        }
        .check(parse_local("2026-03-03T09:00").unwrap(), group.notice_days)
        .unwrap();
        let tx = db.begin().await.unwrap();
        let s2 = bodies::convene(&tx, &admin, &group, &second).await.unwrap();
        let mut m = marks(&[gov, seats[1].id]);
        m.insert(seats[2].id, Attendance::Alternate);
        let q = bodies::record_attendance(&tx, &admin, &group, &s2, &m)
            .await
            .unwrap();
        assert!(q.met() && q.present == 3, "{engine}: {q:?}");
        let s2 = Session::by_id(&tx, s2.id).await.unwrap();
        let no_one = bodies::adopt(
            &tx,
            &admin,
            &group,
            &s2,
            &AgreementInput {
                text: "Sin responsable".into(),
                ..AgreementInput::default()
            },
        )
        .await
        .unwrap_err();
        assert!(invalid(no_one).contains("responsable"));
        let (a1, code1) = bodies::adopt(
            &tx,
            &admin,
            &group,
            &s2,
            &AgreementInput {
                text: "Publicar el padrón de obras en formato abierto".into(),
                responsible_seats: vec![gov],
                responsible_others: vec!["Órgano Garante".into()],
                due_on: "2026-04-30".into(),
            },
        )
        .await
        .unwrap();
        let (_a2, code2) = bodies::adopt(
            &tx,
            &admin,
            &group,
            &s2,
            &AgreementInput {
                text: "Revisar el diccionario de datos".into(),
                responsible_seats: vec![seats[1].id],
                due_on: "2026-03-20".into(),
                ..AgreementInput::default()
            },
        )
        .await
        .unwrap();
        // The minutes of the first session are approved here, with each member's vote.
        let votes: HashMap<i64, Vote> = [
            (gov, Vote::For),
            (seats[1].id, Vote::For),
            (seats[2].id, Vote::Abstain),
        ]
        .into();
        let s1 = Session::by_id(&tx, s1.id).await.unwrap();
        bodies::approve_minutes(&tx, &admin, &s1, &s2, &votes)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(code1, "MOP/2026/2/1", "{engine}");
        assert_eq!(code2, "MOP/2026/2/2");
        let s1 = Session::by_id(db, s1.id).await.unwrap();
        assert_eq!(s1.minutes_status, MinutesStatus::Approved);
        assert_eq!(bodies::minutes_votes(db, s1.id).await.unwrap().len(), 3);

        // Tracker on 2026-04-01: the second agreement is overdue and comes first.
        let filter = TrackerFilter {
            today: "2026-04-01".into(),
            limit: 20,
            ..TrackerFilter::default()
        };
        let (total, list) = bodies::tracker(db, &filter).await.unwrap();
        assert_eq!(total, 2, "{engine}");
        assert_eq!(list[0].code, code2);
        assert!(list[0].is_overdue("2026-04-01"));
        assert_eq!(
            list[1].responsibles,
            ["Secretaría de Infraestructuras", "Órgano Garante"]
        );
        let (overdue, _) = bodies::tracker(
            db,
            &TrackerFilter {
                overdue: true,
                ..filter.clone()
            },
        )
        .await
        .unwrap();
        assert_eq!(overdue, 1);

        // Follow-up: done needs a note or evidence; evidence is an attachment.
        let agreement = Agreement::get(db, a1).await.unwrap();
        let tx = db.begin().await.unwrap();
        let e = bodies::follow_up(&tx, &admin, &agreement, AgreementStatus::Done, " ", false)
            .await
            .unwrap_err();
        assert!(invalid(e).contains("evidencia"));
        let update = bodies::follow_up(
            &tx,
            &admin,
            &agreement,
            AgreementStatus::Done,
            "Publicado en el portal",
            true,
        )
        .await
        .unwrap();
        let file = StoredFile {
            key: "sha256/ab/abc".into(),
            name: "padron.csv".into(),
            size: 12,
            sha256: "abc".into(),
        };
        tequio_store::files::add_attachment(
            &tx,
            &admin,
            "agreement_update",
            update,
            "Padrón publicado",
            &file,
            "text/csv",
            true,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let done = Agreement::get(db, a1).await.unwrap();
        assert_eq!(done.status, AgreementStatus::Done);
        let ups = bodies::follow_ups(db, a1).await.unwrap();
        assert_eq!(ups[0].evidence[0].file_name, "padron.csv", "{engine}");
        assert!(
            tequio_store::files::file_in_use(db, "sha256/ab/abc")
                .await
                .unwrap()
        );
        let tx = db.begin().await.unwrap();
        let closed = bodies::follow_up(
            &tx,
            &admin,
            &done,
            AgreementStatus::Pending,
            "reabrir",
            false,
        )
        .await
        .unwrap_err();
        assert!(invalid(closed).contains("cerrado"));
        drop(tx);
        let (_, done_only) = bodies::tracker(
            db,
            &TrackerFilter {
                status: Some(AgreementStatus::Done),
                ..filter.clone()
            },
        )
        .await
        .unwrap();
        assert_eq!(done_only.len(), 1);

        // Reads across bodies.
        let list = bodies::list(db, "2026-04-01").await.unwrap();
        let row = list.iter().find(|b| b.id == group.id).unwrap();
        assert_eq!(
            (
                row.seats,
                row.sessions,
                row.open_agreements,
                row.overdue_agreements
            ),
            (3, 2, 1, 1),
            "{engine}"
        );
        assert_eq!(bodies::calendar(db, None, 100).await.unwrap().len(), 2);
        assert_eq!(
            bodies::calendar(db, Some(group.id), 100).await.unwrap()[0].id,
            s2.id
        );
        assert_eq!(
            bodies::recent_agreements(db, None, 1).await.unwrap()[0].id,
            a1
        );
        let call = Call::by_name(db, "mesa-obra").await.unwrap();
        assert_eq!(
            call.constituted_body_name.as_deref(),
            Some("mesa-obra-publica")
        );
        let by_name = Body::by_name(db, "mesa-obra-publica").await.unwrap();
        assert_eq!(by_name.id, group.id);

        // A body made by hand: names and codes are unique.
        let tx = db.begin().await.unwrap();
        let input = BodyInput {
            name: "stga".into(),
            code: "STGA".into(),
            title: "Secretariado Técnico".into(),
            kind: BodyKind::TechnicalSecretariat,
            purpose: String::new(),
            rules: String::new(),
            quorum_rule: QuorumRule::TwoThirds,
            notice_days: 5,
            accepts_members: true,
            adhesion_documents: String::new(),
            parent_id: None,
            subject_id: None,
            term_start: String::new(),
            term_end: String::new(),
        };
        bodies::create(&tx, &admin, &input).await.unwrap();
        tx.commit().await.unwrap();
        let tx = db.begin().await.unwrap();
        let dup = bodies::create(&tx, &admin, &input).await.unwrap_err();
        assert!(
            matches!(dup, StoreError::Conflict { .. }),
            "{engine}: {dup:?}"
        );
    }
}
