#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Collegiate bodies and open calls over real HTTP, on every engine: the whole path from a
//! call to an agreement done with evidence (read back from the tracker, the iCalendar feed
//! through an independent parser, the Atom feed and the downloads), and who may do what.

use crate::common::{TestApp, login, post_form, user};
use tequio_domain::accounts::{Grant, Role, Sector};
use tequio_domain::bodies::{format_local, local_now};
use tequio_store::audit::Who;

const PASSWORD: &str = "contraseña-larga-1";

fn local(minutes_from_now: i64) -> String {
    format_local(
        local_now(time::OffsetDateTime::now_utc()) + time::Duration::minutes(minutes_from_now),
    )
}

async fn organisation(app: &TestApp, name: &str, sector: Sector, member: i64) -> i64 {
    use tequio_store::accounts;
    let tx = app.db.begin().await.unwrap();
    let id = accounts::create_organisation(&tx, &Who::system(), name, sector, "", None)
        .await
        .unwrap();
    accounts::add_member(&tx, &Who::system(), id, member, true)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

fn pdf(name: &str) -> reqwest::multipart::Part {
    reqwest::multipart::Part::bytes(b"%PDF-1.4\n% acta constitutiva\n%%EOF\n".to_vec())
        .file_name(name.to_owned())
        .mime_str("application/pdf")
        .unwrap()
}

async fn apply(
    app: &TestApp,
    client: &reqwest::Client,
    org: i64,
    with_doc: bool,
) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new()
        .text("applicant", format!("org:{org}"))
        .text(
            "statement",
            "Trabajamos con datos de obra pública desde 2019.",
        )
        .text("titular_name", "Persona Titular")
        .text("titular_email", "titular@example.org")
        .text("alternate_name", "Persona Suplente");
    if with_doc {
        form = form.part("doc_0", pdf("acta.pdf"));
    }
    client
        .post(app.url("/convocatorias/mesa-obra/solicitudes"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_a_call_to_an_agreement_done_with_evidence() {
    for app in crate::common::apps().await {
        let engine = app.t.name;
        let (subject, _) = crate::common::two_subjects(&app.db).await;
        user(
            &app.db,
            "admin@garante.mx",
            PASSWORD,
            &[Grant::new(Role::Admin, None).unwrap()],
        )
        .await;
        user(
            &app.db,
            "editora@finanzas.mx",
            PASSWORD,
            &[Grant::new(Role::SubjectEditor, Some(subject)).unwrap()],
        )
        .await;
        let ana = user(&app.db, "ana@colectivo.org", PASSWORD, &[]).await;
        let beto = user(&app.db, "beto@red.edu", PASSWORD, &[]).await;
        let carla = user(&app.db, "carla@camara.mx", PASSWORD, &[]).await;
        user(&app.db, "revisora@garante.mx", PASSWORD, &[]).await;
        let colectivo =
            organisation(&app, "Colectivo Datos Abiertos", Sector::CivilSociety, ana).await;
        let red = organisation(&app, "Red Universitaria", Sector::Academia, beto).await;
        let camara = organisation(
            &app,
            "Cámara de la Construcción",
            Sector::PrivateSector,
            carla,
        )
        .await;

        // The editor publishes a call for civil society and academia, open now.
        let editor = app.browser();
        login(&app, &editor, "editora@finanzas.mx", PASSWORD).await;
        let subject_owner = format!("subject:{subject}");
        let opens = local(-60);
        let closes = local(24 * 60);
        let call_form = [
            ("title", "Mesa de datos de obra pública"),
            ("name", "mesa-obra"),
            ("owner", subject_owner.as_str()),
            ("target", "new"),
            (
                "objective",
                "Co-diseñar la publicación de **datos de obra pública**.",
            ),
            ("sectors", "civil_society"),
            ("sectors", "academia"),
            ("required_documents", "Acta constitutiva"),
            ("opens_at", opens.as_str()),
            ("closes_at", closes.as_str()),
            ("criteria", "Experiencia | 40\nPropuesta | 60"),
            ("places", "2"),
        ];
        let res = post_form(&editor, app.url("/convocatorias/nueva"), &call_form).await;
        assert_eq!(res.status(), 303, "{engine}: {}", res.text().await.unwrap());
        let public = reqwest::Client::new();
        let html = crate::common::get_text(&public, app.url("/convocatorias/mesa-obra")).await;
        assert!(
            html.contains("<strong>datos de obra pública</strong>"),
            "{engine}"
        );

        // Two organisations apply; a second application, one without the document and one
        // from a sector the call does not admit are refused with a reason.
        let ana_c = app.browser();
        login(&app, &ana_c, "ana@colectivo.org", PASSWORD).await;
        let beto_c = app.browser();
        login(&app, &beto_c, "beto@red.edu", PASSWORD).await;
        let carla_c = app.browser();
        login(&app, &carla_c, "carla@camara.mx", PASSWORD).await;
        let res = apply(&app, &beto_c, red, false).await;
        assert_eq!(res.status(), 422, "{engine}");
        assert!(
            res.text().await.unwrap().contains("faltan documentos"),
            "{engine}"
        );
        assert_eq!(
            apply(&app, &ana_c, colectivo, true).await.status(),
            303,
            "{engine}"
        );
        assert_eq!(
            apply(&app, &beto_c, red, true).await.status(),
            303,
            "{engine}"
        );
        let again = apply(&app, &ana_c, colectivo, true).await;
        assert_eq!(again.status(), 422, "{engine}");
        assert!(
            again.text().await.unwrap().contains("ya presentó"),
            "{engine}"
        );
        let wrong = apply(&app, &carla_c, camara, true).await;
        assert_eq!(wrong.status(), 422, "{engine}");
        assert!(
            wrong.text().await.unwrap().contains("no admite"),
            "{engine}"
        );

        // Scoring waits for the close; the editor adds a reviewer, then closes the call.
        let res = post_form(
            &editor,
            app.url("/convocatorias/mesa-obra/revisores"),
            &[("email", "revisora@garante.mx")],
        )
        .await;
        assert_eq!(res.status(), 303, "{engine}");
        let reviewer = app.browser();
        login(&app, &reviewer, "revisora@garante.mx", PASSWORD).await;
        let page = crate::common::get_text(&reviewer, app.url("/convocatorias/mesa-obra")).await;
        let ids: Vec<i64> = page
            .match_indices("id=\"solicitud-")
            .map(|(i, m)| {
                page[i + m.len()..]
                    .split('"')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap()
            })
            .collect();
        assert_eq!(ids.len(), 2, "{engine}");
        let early = post_form(
            &reviewer,
            app.url(&format!(
                "/convocatorias/mesa-obra/solicitudes/{}/calificacion",
                ids[0]
            )),
            &[("score_0", "9"), ("score_1", "8")],
        )
        .await;
        assert_eq!(early.status(), 422, "{engine}");
        let just_closed = local(-1);
        let res = post_form(
            &editor,
            app.url("/convocatorias/mesa-obra/fechas"),
            &[
                ("opens_at", opens.as_str()),
                ("closes_at", just_closed.as_str()),
            ],
        )
        .await;
        assert_eq!(res.status(), 303, "{engine}");
        let late = apply(&app, &beto_c, red, true).await;
        assert_eq!(late.status(), 422, "{engine}");
        assert!(late.text().await.unwrap().contains("cerró"), "{engine}");
        for (id, a, b) in [(ids[0], "9", "8"), (ids[1], "5", "10")] {
            let res = post_form(
                &reviewer,
                app.url(&format!(
                    "/convocatorias/mesa-obra/solicitudes/{id}/calificacion"
                )),
                &[("score_0", a), ("comment_0", "bien"), ("score_1", b)],
            )
            .await;
            assert_eq!(res.status(), 303, "{engine}");
        }
        // Reviewers score; only the convener decides.
        let res = post_form(
            &reviewer,
            app.url(&format!(
                "/convocatorias/mesa-obra/solicitudes/{}/decision",
                ids[0]
            )),
            &[("decision", "accepted"), ("reason", "x")],
        )
        .await;
        assert_eq!(res.status(), 403, "{engine}");
        for id in &ids {
            let res = post_form(
                &editor,
                app.url(&format!(
                    "/convocatorias/mesa-obra/solicitudes/{id}/decision"
                )),
                &[
                    ("decision", "accepted"),
                    ("reason", "Cumple y su propuesta es sólida"),
                ],
            )
            .await;
            assert_eq!(res.status(), 303, "{engine}");
        }
        let res = post_form(
            &editor,
            app.url("/convocatorias/mesa-obra/resultados"),
            crate::common::NO_FIELDS,
        )
        .await;
        assert_eq!(res.status(), 303, "{engine}");
        let html = crate::common::get_text(&public, app.url("/convocatorias/mesa-obra")).await;
        assert!(
            html.contains("84")
                && html.contains("80")
                && html.contains("Cumple y su propuesta es sólida"),
            "{engine}"
        );
        let mine = crate::common::get_text(&ana_c, app.url("/convocatorias/mesa-obra")).await;
        assert!(mine.contains("Tu solicitud"), "{engine}");

        // One step: the working group, with the editor as its secretary.
        let res = post_form(
            &editor,
            app.url("/convocatorias/mesa-obra/constituir"),
            &[
                ("group_title", "Mesa de Obra Pública"),
                ("group_name", "mesa-obra-publica"),
                ("group_code", "MOP"),
            ],
        )
        .await;
        assert_eq!(res.status(), 303, "{engine}");
        assert_eq!(res.headers()["location"], "/organos/mesa-obra-publica");
        let body_page =
            crate::common::get_text(&public, app.url("/organos/mesa-obra-publica")).await;
        assert!(
            body_page.contains("Colectivo Datos Abiertos")
                && body_page.contains("Red Universitaria"),
            "{engine}"
        );
        assert!(
            !body_page.contains("titular@example.org"),
            "{engine}: e-mails stay private"
        );

        // The secretary convenes an extraordinary session (a day's notice); invitations queue.
        let starts = local(26 * 60);
        let res = post_form(
            &editor,
            app.url("/organos/mesa-obra-publica/sesiones/nueva"),
            &[
                ("kind", "ordinary"),
                ("starts_at", starts.as_str()),
                ("place", "Sala 1"),
                ("agenda", "1. Instalación"),
            ],
        )
        .await;
        assert_eq!(
            res.status(),
            422,
            "{engine}: an ordinary session needs 5 days"
        );
        let res = post_form(
            &editor,
            app.url("/organos/mesa-obra-publica/sesiones/nueva"),
            &[
                ("kind", "extraordinary"),
                ("starts_at", starts.as_str()),
                ("place", "Sala 1"),
                ("agenda", "1. Instalación"),
            ],
        )
        .await;
        assert_eq!(res.status(), 303, "{engine}");
        let session_path = res.headers()["location"].to_str().unwrap().to_owned();
        let outbox = tequio_store::accounts::list_outbox(&app.db, 50)
            .await
            .unwrap();
        assert!(
            outbox.iter().any(|m| m.to_address == "titular@example.org"
                && m.subject.contains("Mesa de Obra Pública")),
            "{engine}"
        );

        // Attendance: both present, quorum; an agreement without a responsible is refused.
        let session = crate::common::get_text(&public, app.url(&session_path)).await;
        assert!(session.contains("Instalación"), "{engine}");
        let editor_view = crate::common::get_text(&editor, app.url(&session_path)).await;
        let seats: Vec<String> = editor_view
            .match_indices("name=\"seat_")
            .map(|(i, m)| {
                editor_view[i + m.len()..]
                    .split('"')
                    .next()
                    .unwrap()
                    .to_owned()
            })
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(seats.len(), 2, "{engine}");
        let marks: Vec<(String, &str)> = seats
            .iter()
            .map(|s| (format!("seat_{s}"), "present"))
            .collect();
        let marks: Vec<(&str, &str)> = marks.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        let res = post_form(
            &editor,
            app.url(&format!("{session_path}/asistencia")),
            &marks,
        )
        .await;
        assert_eq!(res.status(), 303, "{engine}");
        let res = post_form(
            &editor,
            app.url(&format!("{session_path}/acuerdos")),
            &[("text", "Sin responsable"), ("due_on", "2020-01-01")],
        )
        .await;
        assert_eq!(res.status(), 422, "{engine}");
        let res = post_form(
            &editor,
            app.url(&format!("{session_path}/acuerdos")),
            &[
                ("text", "Publicar el padrón de obras"),
                ("responsible", seats[0].as_str()),
                ("responsible_others", "Secretaría de Finanzas"),
                ("due_on", "2020-01-01"),
            ],
        )
        .await;
        assert_eq!(res.status(), 303, "{engine}");

        // Overdue on the public tracker, filtered.
        let tracker = crate::common::get_text(&public, app.url("/acuerdos?vencidos=1")).await;
        assert!(
            tracker.contains("Publicar el padrón de obras") && tracker.contains("status-overdue"),
            "{engine}"
        );
        let agreement_id: i64 = tracker
            .split("href=\"/acuerdos/")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .parse()
            .unwrap();

        // Done, with evidence.
        let form = reqwest::multipart::Form::new()
            .text("status", "done")
            .text("note", "Publicado en datos abiertos")
            .text("evidence_title", "Padrón publicado")
            .part(
                "file",
                reqwest::multipart::Part::bytes(b"obra,monto\nPuente,100\n".to_vec())
                    .file_name("padron.csv"),
            );
        let res = editor
            .post(app.url(&format!("/acuerdos/{agreement_id}/seguimiento")))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{engine}");
        let page =
            crate::common::get_text(&public, app.url(&format!("/acuerdos/{agreement_id}"))).await;
        assert!(
            page.contains("Cumplido") && page.contains("Padrón publicado"),
            "{engine}"
        );
        let evidence = page
            .split("href=\"/adjuntos/")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let file = public
            .get(app.url(&format!("/adjuntos/{evidence}")))
            .send()
            .await
            .unwrap();
        assert_eq!(file.status(), 200, "{engine}");
        assert_eq!(file.text().await.unwrap(), "obra,monto\nPuente,100\n");
        let overdue = crate::common::get_text(&public, app.url("/acuerdos?vencidos=1")).await;
        assert!(
            !overdue.contains("Publicar el padrón de obras"),
            "{engine}: done is no longer overdue"
        );

        // iCalendar, read by an independent parser: the session and the call's deadline.
        let ics = crate::common::get_text(&public, app.url("/calendario.ics")).await;
        let mut parser = ical::IcalParser::new(std::io::BufReader::new(ics.as_bytes()));
        let cal = parser
            .next()
            .expect("one calendar")
            .expect("a valid calendar");
        let prodid = cal.properties.iter().find(|p| p.name == "PRODID");
        assert!(
            prodid
                .and_then(|p| p.value.as_deref())
                .is_some_and(|v| v.starts_with("-//Tequio//")),
            "{engine}: the calendar names its maker: {prodid:?}"
        );
        let summaries: Vec<String> = cal
            .events
            .iter()
            .filter_map(|e| {
                e.properties
                    .iter()
                    .find(|p| p.name == "SUMMARY")
                    .and_then(|p| p.value.clone())
            })
            .collect();
        assert!(
            summaries.iter().any(|s| s.contains("Mesa de Obra Pública")),
            "{engine}: {summaries:?}"
        );
        assert!(
            summaries
                .iter()
                .any(|s| s.contains("Cierre de la convocatoria")),
            "{engine}"
        );
        for e in &cal.events {
            let dtstart = e
                .properties
                .iter()
                .find(|p| p.name == "DTSTART")
                .and_then(|p| p.value.clone())
                .unwrap();
            assert!(
                dtstart.ends_with('Z') && dtstart.len() == 16,
                "{engine}: UTC start {dtstart}"
            );
            assert!(e.properties.iter().any(|p| p.name == "UID"), "{engine}");
        }
        let body_ics = public
            .get(app.url("/organos/mesa-obra-publica/calendario.ics"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            body_ics.headers()["content-type"],
            "text/calendar; charset=utf-8"
        );

        // Atom: the agreement, in a well-formed feed.
        let atom = crate::common::get_text(&public, app.url("/acuerdos.atom")).await;
        let feed: atom_syndication::Feed = atom.parse().unwrap();
        assert!(
            feed.entries.iter().any(|e| e.title.value.contains("MOP/")),
            "{engine}"
        );
        let calls_atom: atom_syndication::Feed =
            crate::common::get_text(&public, app.url("/convocatorias.atom"))
                .await
                .parse()
                .unwrap();
        assert_eq!(calls_atom.entries.len(), 1, "{engine}");

        // Downloads: agreements, members (no e-mails), results, attendance.
        let csv = crate::common::get_text(&public, app.url("/acuerdos.csv")).await;
        assert!(
            csv.starts_with("code,body,") && csv.contains("Publicar el padrón de obras"),
            "{engine}: {csv}"
        );
        let members: serde_json::Value = crate::common::get_json(
            &public,
            app.url("/organos/mesa-obra-publica/integrantes.json"),
        )
        .await;
        assert_eq!(members.as_array().unwrap().len(), 2, "{engine}");
        assert!(!members.to_string().contains('@'), "{engine}");
        let results: serde_json::Value =
            crate::common::get_json(&public, app.url("/convocatorias/mesa-obra/resultados.json"))
                .await;
        assert_eq!(results[0]["score"], "84", "{engine}");
        let attendance = crate::common::get_text(&public, app.url("/asistencia.csv")).await;
        assert_eq!(attendance.lines().count(), 3, "{engine}");
        let sessions: serde_json::Value =
            crate::common::get_json(&public, app.url("/sesiones.json")).await;
        assert_eq!(sessions[0]["quorum_met"], "true", "{engine}");

        // The JSON API says the same.
        let api: serde_json::Value =
            crate::common::get_json(&public, app.url("/api/v1/bodies/mesa-obra-publica")).await;
        assert_eq!(api["members"].as_array().unwrap().len(), 2, "{engine}");
        assert_eq!(api["sessions"][0]["quorum_met"], true, "{engine}");
        assert!(!api.to_string().contains("titular@example.org"), "{engine}");
        let api: serde_json::Value = crate::common::get_json(
            &public,
            app.url("/api/v1/agreements?body=mesa-obra-publica&status=done"),
        )
        .await;
        assert_eq!(api["total"], 1, "{engine}");
        assert_eq!(
            api["items"][0]["responsibles"].as_array().unwrap().len(),
            2,
            "{engine}"
        );
        let bad = public
            .get(app.url("/api/v1/agreements?status=late"))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 400, "{engine}");
        let api: serde_json::Value =
            crate::common::get_json(&public, app.url("/api/v1/calls/mesa-obra")).await;
        assert_eq!(api["results"][0]["score"], 84.0, "{engine}");
        assert_eq!(api["constituted_body"], "mesa-obra-publica", "{engine}");

        // The search finds the body, the call and the agreement.
        let search = crate::common::get_text(&public, app.url("/buscar?q=obra")).await;
        assert!(
            search.contains("/organos/mesa-obra-publica")
                && search.contains("/convocatorias/mesa-obra")
                && search.contains(&format!("/acuerdos/{agreement_id}")),
            "{engine}"
        );
        let search = crate::common::get_text(&public, app.url("/buscar?q=instalaci%C3%B3n")).await;
        assert!(
            search.contains(&session_path),
            "{engine}: sessions are found by their agenda"
        );
        let search = crate::common::get_text(&public, app.url("/buscar?q=Colectivo%20Datos")).await;
        assert!(
            search.contains("/organos/mesa-obra-publica"),
            "{engine}: bodies are found by their members"
        );

        // An admin dissolves the group: it keeps its history and convenes no more.
        let admin = app.browser();
        login(&app, &admin, "admin@garante.mx", PASSWORD).await;
        assert_eq!(
            post_form(
                &editor,
                app.url("/organos/mesa-obra-publica/estado"),
                &[("status", "dissolved")]
            )
            .await
            .status(),
            403,
            "{engine}"
        );
        assert_eq!(
            post_form(
                &admin,
                app.url("/organos/mesa-obra-publica/estado"),
                &[("status", "dissolved")]
            )
            .await
            .status(),
            303,
            "{engine}"
        );
        let res = post_form(
            &editor,
            app.url("/organos/mesa-obra-publica/sesiones/nueva"),
            &[
                ("kind", "extraordinary"),
                ("starts_at", starts.as_str()),
                ("place", "Sala 1"),
                ("agenda", "1. Otra"),
            ],
        )
        .await;
        assert_eq!(res.status(), 422, "{engine}");
        assert!(res.text().await.unwrap().contains("disuelto"), "{engine}");
    }
}

/// One write tried by every role: what, where, the form, and which roles (by index) may.
type Attempt<'a> = (&'a str, String, Vec<(&'a str, &'a str)>, &'a [usize]);

/// Roles × actions: every write of bodies and calls is refused (403, nothing written) unless
/// the role and its scope allow it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_and_scopes_decide_who_runs_bodies_and_calls() {
    use tequio_domain::bodies::{Attendance, BodyKind, QuorumRule, SessionInput};
    use tequio_store::bodies::{self, Body, BodyInput};
    for app in crate::common::apps().await {
        let engine = app.t.name;
        let (subject, other_subject) = crate::common::two_subjects(&app.db).await;
        let sys = Who::system();
        let body_input = |name: &str| BodyInput {
            name: name.into(),
            code: name.to_uppercase(),
            title: format!("Órgano {name}"),
            kind: BodyKind::WorkingGroup,
            purpose: String::new(),
            rules: String::new(),
            quorum_rule: QuorumRule::Majority,
            notice_days: 0,
            accepts_members: false,
            adhesion_documents: String::new(),
            parent_id: None,
            subject_id: None,
            term_start: String::new(),
            term_end: String::new(),
        };
        let tx = app.db.begin().await.unwrap();
        let a = bodies::create(&tx, &sys, &body_input("mesa-a"))
            .await
            .unwrap();
        let b = bodies::create(&tx, &sys, &body_input("mesa-b"))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let body_a = Body::by_id(&app.db, a).await.unwrap();
        // A held session with quorum (no seats: quorum of an empty body is 1 of 0 → not met),
        // so seat one member first.
        let member = user(&app.db, "miembro@org.mx", PASSWORD, &[]).await;
        let org = organisation(&app, "Organización Miembro", Sector::CivilSociety, member).await;
        let tx = app.db.begin().await.unwrap();
        let seat = bodies::add_seat(
            &tx,
            &sys,
            a,
            &bodies::SeatInput {
                organisation_id: Some(org),
                subject_id: None,
                user_id: None,
                holder_name: "Organización Miembro".into(),
                sector: Sector::CivilSociety,
                position: tequio_domain::bodies::SeatPosition::Member,
                titular_name: "Titular".into(),
                titular_email: String::new(),
                alternate_name: String::new(),
                alternate_email: String::new(),
                starts_on: "2026-01-01".into(),
                ends_on: String::new(),
                source: "direct",
            },
        )
        .await
        .unwrap();
        let plan = SessionInput {
            kind: "extraordinary".into(),
            starts_at: local(3 * 24 * 60),
            place: "Sala".into(),
            agenda: "1. Punto".into(),
            ..SessionInput::default()
        }
        .check(local_now(time::OffsetDateTime::now_utc()), 0)
        .unwrap();
        let session = bodies::convene(&tx, &sys, &body_a, &plan).await.unwrap();
        bodies::record_attendance(
            &tx,
            &sys,
            &body_a,
            &session,
            &[(seat, Attendance::Present)].into(),
        )
        .await
        .unwrap();
        let session = bodies::Session::by_id(&tx, session.id).await.unwrap();
        let (agreement, _) = bodies::adopt(
            &tx,
            &sys,
            &body_a,
            &session,
            &tequio_domain::bodies::AgreementInput {
                text: "Acuerdo de prueba".into(),
                responsible_seats: vec![seat],
                ..Default::default()
            },
        )
        .await
        .unwrap();
        // A closed call of the subject with one application.
        let call_plan = tequio_domain::calls::CallInput {
            title: "Convocatoria".into(),
            objective: "Objetivo".into(),
            eligibility: tequio_domain::calls::Eligibility {
                sectors: vec![Sector::CivilSociety],
                citizens: false,
            },
            opens_at: local(-120),
            closes_at: local(60),
            criteria: "Único | 1".into(),
            places: "1".into(),
            ..Default::default()
        }
        .check()
        .unwrap();
        tequio_store::calls::create(
            &tx,
            &sys,
            "conv",
            &call_plan,
            &tequio_store::calls::CallOwner {
                subject_id: Some(subject),
                body_id: None,
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let call = tequio_store::calls::Call::by_name(&app.db, "conv")
            .await
            .unwrap();
        let tx = app.db.begin().await.unwrap();
        let application = tequio_store::calls::apply(
            &tx,
            &tequio_store::audit::Who::user(member, "miembro"),
            &call,
            &tequio_store::calls::ApplicationInput {
                organisation_id: Some(org),
                statement: "Interés".into(),
                titular_name: "Titular".into(),
                ..Default::default()
            },
            0,
            local_now(time::OffsetDateTime::now_utc()),
        )
        .await
        .unwrap();
        tequio_store::calls::reschedule(&tx, &sys, &call, &local(-120), &local(-1))
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let roles: [(&str, Vec<Grant>); 7] = [
            ("visitor", vec![]),
            ("citizen", vec![]),
            (
                "editor of another subject",
                vec![Grant::new(Role::SubjectEditor, Some(other_subject)).unwrap()],
            ),
            (
                "secretary of another body",
                vec![Grant::new(Role::BodySecretary, Some(b)).unwrap()],
            ),
            (
                "secretary of this body",
                vec![Grant::new(Role::BodySecretary, Some(a)).unwrap()],
            ),
            (
                "editor of the convening subject",
                vec![Grant::new(Role::SubjectEditor, Some(subject)).unwrap()],
            ),
            ("admin", vec![Grant::new(Role::Admin, None).unwrap()]),
        ];
        let s_path = format!(
            "/organos/mesa-a/sesiones/{}/{}",
            session.year, session.number
        );
        let seat_field = format!("seat_{seat}");
        let owner = format!("subject:{subject}");
        let starts = local(10 * 24 * 60);
        let (opens, closes) = (local(0), local(60));
        // (action, path, form, which roles may: index into `roles`)
        let actions: Vec<Attempt<'_>> = vec![
            (
                "create a body",
                "/organos/nuevo".into(),
                vec![
                    ("title", "Nuevo"),
                    ("code", "NV"),
                    ("kind", "working_group"),
                    ("quorum_rule", "majority"),
                    ("notice_days", "5"),
                ],
                &[6],
            ),
            (
                "edit the body",
                "/organos/mesa-a/editar".into(),
                vec![
                    ("title", "Órgano A"),
                    ("kind", "working_group"),
                    ("quorum_rule", "majority"),
                    ("notice_days", "0"),
                ],
                &[4, 6],
            ),
            (
                "seat a member",
                "/organos/mesa-a/integrantes".into(),
                vec![
                    ("holder_name", "Persona"),
                    ("sector", "civil_society"),
                    ("position", "observer"),
                    ("titular_name", "Persona"),
                ],
                &[4, 6],
            ),
            (
                "convene a session",
                "/organos/mesa-a/sesiones/nueva".into(),
                vec![
                    ("kind", "ordinary"),
                    ("starts_at", starts.as_str()),
                    ("place", "Sala"),
                    ("agenda", "1. Punto"),
                ],
                &[4, 6],
            ),
            (
                "record attendance",
                format!("{s_path}/asistencia"),
                vec![(seat_field.as_str(), "present")],
                &[4, 6],
            ),
            (
                "adopt an agreement",
                format!("{s_path}/acuerdos"),
                vec![("text", "Otro acuerdo"), ("responsible_others", "Alguien")],
                &[4, 6],
            ),
            (
                "publish a call",
                "/convocatorias/nueva".into(),
                vec![
                    ("title", "Otra"),
                    ("owner", owner.as_str()),
                    ("target", "new"),
                    ("objective", "O"),
                    ("sectors", "academia"),
                    ("opens_at", opens.as_str()),
                    ("closes_at", closes.as_str()),
                    ("criteria", "A | 1"),
                    ("places", "1"),
                ],
                &[5, 6],
            ),
            (
                "score an application",
                format!("/convocatorias/conv/solicitudes/{application}/calificacion"),
                vec![("score_0", "7")],
                &[5, 6],
            ),
            (
                "decide on an application",
                format!("/convocatorias/conv/solicitudes/{application}/decision"),
                vec![("decision", "accepted"), ("reason", "Cumple")],
                &[5, 6],
            ),
        ];
        for (i, (role, grants)) in roles.iter().enumerate() {
            let client = app.browser();
            if i > 0 {
                let email = format!("rol{i}@prueba.mx");
                user(&app.db, &email, PASSWORD, grants).await;
                login(&app, &client, &email, PASSWORD).await;
            }
            for (action, path, form, allowed) in &actions {
                let before = tequio_store::audit::head(&app.db)
                    .await
                    .unwrap()
                    .map(|h| h.seq);
                let res = post_form(&client, app.url(path), form).await;
                let status = res.status().as_u16();
                if allowed.contains(&i) {
                    assert!(
                        status == 303 || status == 422,
                        "{engine}: {role} may {action}: got {status}: {}",
                        res.text().await.unwrap()
                    );
                } else {
                    assert_eq!(status, 403, "{engine}: {role} may not {action}");
                    let after = tequio_store::audit::head(&app.db)
                        .await
                        .unwrap()
                        .map(|h| h.seq);
                    assert_eq!(
                        before, after,
                        "{engine}: {role}'s refused {action} wrote nothing"
                    );
                }
            }
            // Follow-up with evidence is a multipart form.
            let form = reqwest::multipart::Form::new()
                .text("status", "in_progress")
                .text("note", "Avance");
            let status = client
                .post(app.url(&format!("/acuerdos/{agreement}/seguimiento")))
                .multipart(form)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16();
            let want = if [4, 6].contains(&i) { 303 } else { 403 };
            assert_eq!(status, want, "{engine}: {role} follows up an agreement");
        }
    }
}

/// Joining: an organisation asks with its documents, the secretary decides with a reason,
/// the accepted organisation takes a seat, and the applicant sees the decision.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organisations_ask_to_join_and_the_secretary_decides() {
    use tequio_domain::bodies::{BodyKind, QuorumRule};
    use tequio_store::bodies::{self, BodyInput};
    for app in crate::common::apps().await {
        let engine = app.t.name;
        let tx = app.db.begin().await.unwrap();
        let body = bodies::create(
            &tx,
            &Who::system(),
            &BodyInput {
                name: "stga".into(),
                code: "STGA".into(),
                title: "Secretariado Técnico".into(),
                kind: BodyKind::TechnicalSecretariat,
                purpose: String::new(),
                rules: String::new(),
                quorum_rule: QuorumRule::Majority,
                notice_days: 5,
                accepts_members: true,
                adhesion_documents: "Acta constitutiva".into(),
                parent_id: None,
                subject_id: None,
                term_start: String::new(),
                term_end: "2027-12-31".into(),
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        user(
            &app.db,
            "secretaria@stga.mx",
            PASSWORD,
            &[Grant::new(Role::BodySecretary, Some(body)).unwrap()],
        )
        .await;
        let rep = user(&app.db, "enlace@colectivo.org", PASSWORD, &[]).await;
        user(&app.db, "otra@correo.mx", PASSWORD, &[]).await;
        let org = organisation(
            &app,
            "Colectivo por la Rendición de Cuentas",
            Sector::CivilSociety,
            rep,
        )
        .await;
        let applicant = app.browser();
        login(&app, &applicant, "enlace@colectivo.org", PASSWORD).await;
        let ask = |with_doc: bool| {
            let mut form = reqwest::multipart::Form::new()
                .text("organisation_id", org.to_string())
                .text("statement", "Queremos sumar nuestra experiencia.")
                .text("titular_name", "Lucía Titular")
                .text("titular_email", "lucia@colectivo.org");
            if with_doc {
                form = form.part("doc_0", pdf("acta.pdf"));
            }
            applicant
                .post(app.url("/organos/stga/adhesiones"))
                .multipart(form)
                .send()
        };
        let res = ask(false).await.unwrap();
        assert_eq!(res.status(), 422, "{engine}");
        assert!(
            res.text().await.unwrap().contains("faltan documentos"),
            "{engine}"
        );
        assert!(
            bodies::adhesion_requests(&app.db, body)
                .await
                .unwrap()
                .is_empty(),
            "{engine}: nothing saved"
        );
        assert_eq!(ask(true).await.unwrap().status(), 303, "{engine}");
        let again = ask(true).await.unwrap();
        assert_eq!(again.status(), 422, "{engine}");
        assert!(
            again.text().await.unwrap().contains("en revisión"),
            "{engine}"
        );
        let request = bodies::adhesion_requests(&app.db, body).await.unwrap()[0].id;

        // Only the secretary decides, and never without a reason.
        let other = app.browser();
        login(&app, &other, "otra@correo.mx", PASSWORD).await;
        let decision = format!("/organos/stga/adhesiones/{request}/decision");
        assert_eq!(
            post_form(
                &other,
                app.url(&decision),
                &[("decision", "accepted"), ("reason", "x")]
            )
            .await
            .status(),
            403,
            "{engine}"
        );
        let secretary = app.browser();
        login(&app, &secretary, "secretaria@stga.mx", PASSWORD).await;
        let page = crate::common::get_text(&secretary, app.url("/organos/stga")).await;
        let doc = page
            .split("href=\"/adjuntos/")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        assert_eq!(
            other
                .get(app.url(&format!("/adjuntos/{doc}")))
                .send()
                .await
                .unwrap()
                .status(),
            403,
            "{engine}: documents are private"
        );
        assert_eq!(
            applicant
                .get(app.url(&format!("/adjuntos/{doc}")))
                .send()
                .await
                .unwrap()
                .status(),
            200,
            "{engine}"
        );
        assert_eq!(
            post_form(
                &secretary,
                app.url(&decision),
                &[("decision", "accepted"), ("reason", " ")]
            )
            .await
            .status(),
            422,
            "{engine}"
        );
        let res = post_form(
            &secretary,
            app.url(&decision),
            &[
                ("decision", "accepted"),
                (
                    "reason",
                    "Cumple con los requisitos de las reglas de operación",
                ),
            ],
        )
        .await;
        assert_eq!(res.status(), 303, "{engine}");
        let seats = bodies::seats(&app.db, body).await.unwrap();
        assert_eq!(seats.len(), 1, "{engine}");
        assert_eq!(
            (seats[0].source.as_str(), seats[0].ends_on.as_str()),
            ("adhesion", "2027-12-31")
        );
        let mine = crate::common::get_text(&applicant, app.url("/organos/stga")).await;
        assert!(
            mine.contains("Cumple con los requisitos de las reglas de operación")
                && mine.contains("Aceptada"),
            "{engine}"
        );
        assert_eq!(
            post_form(
                &secretary,
                app.url(&decision),
                &[("decision", "rejected"), ("reason", "Otra vez")]
            )
            .await
            .status(),
            422,
            "{engine}: decided once"
        );
    }
}

/// Training events: places, then a waiting list that moves up when someone cancels;
/// attendance gives certificates anyone can verify; a made-up code is clearly refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_fill_wait_and_certify_attendance() {
    for app in crate::common::apps().await {
        let engine = app.t.name;
        user(
            &app.db,
            "admin@garante.mx",
            PASSWORD,
            &[Grant::new(Role::Admin, None).unwrap()],
        )
        .await;
        let admin = app.browser();
        login(&app, &admin, "admin@garante.mx", PASSWORD).await;
        let starts = local(7 * 24 * 60);
        let form = [
            ("title", "Taller de datos abiertos"),
            ("name", "taller"),
            ("kind", "workshop"),
            ("starts_at", starts.as_str()),
            ("place", "Aula 1"),
            ("capacity", "1"),
            ("hours", "3"),
        ];
        let mut people = Vec::new();
        for (i, email) in ["uno@correo.mx", "dos@correo.mx"].iter().enumerate() {
            user(&app.db, email, PASSWORD, &[]).await;
            let c = app.browser();
            login(&app, &c, email, PASSWORD).await;
            if i == 0 {
                assert_eq!(
                    post_form(&c, app.url("/eventos/nuevo"), &form)
                        .await
                        .status(),
                    403,
                    "{engine}: citizens do not organise"
                );
            }
            people.push(c);
        }
        assert_eq!(
            post_form(
                &admin,
                app.url("/eventos/nuevo"),
                &[
                    ("title", "Sin fecha"),
                    ("kind", "workshop"),
                    ("place", "Aula"),
                    ("capacity", "5"),
                    ("hours", "1")
                ]
            )
            .await
            .status(),
            422,
            "{engine}"
        );
        assert_eq!(
            post_form(&admin, app.url("/eventos/nuevo"), &form)
                .await
                .status(),
            303,
            "{engine}"
        );
        let res = post_form(
            &people[0],
            app.url("/eventos/taller/registro"),
            &[("full_name", "Persona Uno"), ("institution", "Municipio")],
        )
        .await;
        assert_eq!(res.status(), 303, "{engine}");
        assert_eq!(
            post_form(
                &people[0],
                app.url("/eventos/taller/registro"),
                &[("full_name", "Persona Uno")]
            )
            .await
            .status(),
            422,
            "{engine}: once"
        );
        assert_eq!(
            post_form(
                &people[1],
                app.url("/eventos/taller/registro"),
                &[("full_name", "Persona Dos")]
            )
            .await
            .status(),
            303,
            "{engine}"
        );
        let page = people[1]
            .get(app.url("/eventos/taller"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("En lista de espera"),
            "{engine}: the second waits"
        );
        assert_eq!(
            post_form(
                &people[0],
                app.url("/eventos/taller/cancelar"),
                crate::common::NO_FIELDS
            )
            .await
            .status(),
            303,
            "{engine}"
        );
        let page = people[1]
            .get(app.url("/eventos/taller"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("Con lugar"),
            "{engine}: the freed place goes to the waiting list"
        );

        // Attendance by the organiser only; certificates follow.
        let regs = tequio_store::events::registrations(
            &app.db,
            tequio_store::events::Event::by_name(&app.db, "taller")
                .await
                .unwrap()
                .id,
        )
        .await
        .unwrap();
        let second = regs
            .iter()
            .find(|r| r.full_name == "Persona Dos")
            .unwrap()
            .id
            .to_string();
        assert_eq!(
            post_form(
                &people[1],
                app.url("/eventos/taller/asistencia"),
                &[("attended", second.as_str())]
            )
            .await
            .status(),
            403,
            "{engine}"
        );
        assert_eq!(
            post_form(
                &admin,
                app.url("/eventos/taller/asistencia"),
                &[("attended", second.as_str())]
            )
            .await
            .status(),
            303,
            "{engine}"
        );
        let page = people[1]
            .get(app.url("/eventos/taller"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let code = page
            .split("href=\"/constancias/")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        let public = reqwest::Client::new();
        let cert = public
            .get(app.url(&format!("/constancias?codigo={}", code.to_lowercase())))
            .send()
            .await
            .unwrap();
        assert_eq!(cert.status(), 200, "{engine}");
        let html = cert.text().await.unwrap();
        assert!(
            html.contains("Constancia válida")
                && html.contains("Persona Dos")
                && html.contains("Taller de datos abiertos"),
            "{engine}"
        );
        let fake = public
            .get(app.url("/constancias/AAAA-BBBB-CCCC"))
            .send()
            .await
            .unwrap();
        assert_eq!(fake.status(), 404, "{engine}");
        assert!(
            fake.text()
                .await
                .unwrap()
                .contains("No hay una constancia con el código AAAA-BBBB-CCCC"),
            "{engine}"
        );
        let csv = crate::common::get_text(&public, app.url("/eventos.csv")).await;
        assert!(
            csv.contains("taller,workshop") && !csv.contains("Persona"),
            "{engine}: counts, not people: {csv}"
        );
        let search = crate::common::get_text(&public, app.url("/buscar?q=taller")).await;
        assert!(
            search.contains("/eventos/taller"),
            "{engine}: events are in the search"
        );
        let ics = crate::common::get_text(&public, app.url("/calendario.ics?tipo=eventos")).await;
        let cal = ical::IcalParser::new(std::io::BufReader::new(ics.as_bytes()))
            .next()
            .unwrap()
            .unwrap();
        assert_eq!(cal.events.len(), 1, "{engine}");

        // A past event says it has concluded and takes no registrations.
        let (held, ended) = (local(-3 * 24 * 60), local(-3 * 24 * 60 + 120));
        let past = [
            ("title", "Taller ya impartido"),
            ("name", "taller-pasado"),
            ("kind", "workshop"),
            ("starts_at", held.as_str()),
            ("ends_at", ended.as_str()),
            ("place", "Aula 2"),
            ("capacity", "10"),
            ("hours", "2"),
        ];
        let res = post_form(&admin, app.url("/eventos/nuevo"), &past).await;
        assert_eq!(res.status(), 303, "{engine}: past events are recorded");
        let page = crate::common::get_text(&people[1], app.url("/eventos/taller-pasado")).await;
        assert!(
            page.contains("ya concluyó") && !page.contains("/eventos/taller-pasado/registro"),
            "{engine}: no registration form"
        );
        let res = post_form(
            &people[1],
            app.url("/eventos/taller-pasado/registro"),
            &[("full_name", "Persona Dos")],
        )
        .await;
        assert_eq!(res.status(), 422, "{engine}");
        assert!(
            res.text().await.unwrap().contains("ya concluyó"),
            "{engine}"
        );
    }
}

/// The instruments registry: at least two parties, linked when they are known; validity and
/// early termination decide the status.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collaboration_instruments_are_registered_and_ended() {
    for app in crate::common::apps().await {
        let engine = app.t.name;
        crate::common::two_subjects(&app.db).await;
        user(
            &app.db,
            "admin@garante.mx",
            PASSWORD,
            &[Grant::new(Role::Admin, None).unwrap()],
        )
        .await;
        user(&app.db, "ciudadana@correo.mx", PASSWORD, &[]).await;
        let admin = app.browser();
        login(&app, &admin, "admin@garante.mx", PASSWORD).await;
        let citizen = app.browser();
        login(&app, &citizen, "ciudadana@correo.mx", PASSWORD).await;
        let one_party = [
            ("title", "Convenio"),
            ("kind", "convenio"),
            ("signed_on", "2026-01-10"),
            ("parties", "Secretaría de Finanzas"),
        ];
        let res = post_form(&admin, app.url("/instrumentos/nuevo"), &one_party).await;
        assert_eq!(res.status(), 422, "{engine}");
        assert!(
            res.text().await.unwrap().contains("al menos dos partes"),
            "{engine}"
        );
        let form = [
            ("title", "Convenio de datos fiscales"),
            ("name", "convenio-fiscal"),
            ("kind", "convenio"),
            ("signed_on", "2026-01-10"),
            ("valid_until", "2030-12-31"),
            ("parties", "Secretaría de Finanzas\nColectivo Fiscal A.C."),
        ];
        assert_eq!(
            post_form(&citizen, app.url("/instrumentos/nuevo"), &form)
                .await
                .status(),
            403,
            "{engine}"
        );
        assert_eq!(
            post_form(&admin, app.url("/instrumentos/nuevo"), &form)
                .await
                .status(),
            303,
            "{engine}"
        );
        let page = reqwest::get(app.url("/instrumentos/convenio-fiscal"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("Vigente") && page.contains("href=\"/sujetos/"),
            "{engine}: the subject party is linked"
        );
        assert_eq!(
            post_form(
                &admin,
                app.url("/instrumentos/convenio-fiscal/terminar"),
                &[("terminated_on", "2025-01-01")]
            )
            .await
            .status(),
            422,
            "{engine}: not before signing"
        );
        assert_eq!(
            post_form(
                &admin,
                app.url("/instrumentos/convenio-fiscal/terminar"),
                &[("terminated_on", "2026-06-30")]
            )
            .await
            .status(),
            303,
            "{engine}"
        );
        let list: serde_json::Value = reqwest::get(app.url("/instrumentos.json"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list[0]["status"], "terminated", "{engine}");
        assert_eq!(
            list[0]["parties"], "Secretaría de Finanzas; Colectivo Fiscal A.C.",
            "{engine}"
        );
    }
}
