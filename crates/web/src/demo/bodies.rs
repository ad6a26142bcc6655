//! Demo collaboration: the Technical Secretariat of Open Government of Oaxaca with members
//! like those the guarantor lists, two sessions with minutes and agreements, a closed call
//! that formed a working group and an open one. Made-up people and dates; loading twice
//! changes nothing.

use crate::demo::find_subject;
use std::collections::HashMap;
use tequio_domain::accounts::Sector;
use tequio_domain::bodies::{
    AgreementInput, AgreementStatus, Attendance, BodyKind, MinutesStatus, QuorumRule, SeatPosition,
    SessionKind, SessionPlan, Vote, parse_local,
};
use tequio_domain::calls::{CallInput, Decision, Eligibility};
use tequio_store::Db;
use tequio_store::accounts;
use tequio_store::audit::Who;
use tequio_store::bodies::{self, Body, BodyInput, SeatInput, Session};
use tequio_store::calls::{self, ApplicationInput, Call, CallOwner, NewGroup};

pub const STGA: &str = "secretariado-tecnico-oaxaca";

/// Organisations that sit on the Secretariat besides the demo's general ones.
const MORE_ORGANISATIONS: &[(&str, Sector, &str)] = &[
    (
        "Consejo Ciudadano de Transparencia de Oaxaca de Juárez",
        Sector::CivilSociety,
        "Consejo ciudadano que acompaña la transparencia del municipio.",
    ),
    (
        "Cámara Mexicana de la Industria de la Construcción, Delegación Oaxaca",
        Sector::PrivateSector,
        "Cámara empresarial de la construcción.",
    ),
    (
        "Cámara Nacional de la Industria de Transformación, Oaxaca",
        Sector::PrivateSector,
        "Cámara empresarial de la industria de transformación.",
    ),
    (
        "Sur Políticas Públicas, S.C.",
        Sector::PrivateSector,
        "Consultoría en diseño y evaluación de políticas públicas.",
    ),
];

/// Seats of the Secretariat: (subject or organisation name, is a subject, sector, position,
/// titular, alternate).
const SEATS: &[(&str, bool, Sector, SeatPosition, &str, &str)] = &[
    (
        "SECRETARÍA DE HONESTIDAD, TRANSPARENCIA Y FUNCIÓN PUBLICA",
        true,
        Sector::Government,
        SeatPosition::President,
        "Laura Méndez Ruiz",
        "Jorge Aquino Cruz",
    ),
    (
        "ÓRGANO GARANTE DE ACCESO A LA INFORMACIÓN PÚBLICA, TRANSPARENCIA, PROTECCIÓN DE DATOS PERSONALES Y BUEN GOBIERNO DEL ESTADO DE OAXACA",
        true,
        Sector::Guarantor,
        SeatPosition::TechnicalSecretary,
        "Sofía Hernández López",
        "Ricardo Santiago Pérez",
    ),
    (
        "H. AYUNTAMIENTO DE OAXACA DE JUÁREZ",
        true,
        Sector::Government,
        SeatPosition::Member,
        "Titular de la Unidad de Transparencia municipal",
        "Enlace de gobierno abierto municipal",
    ),
    (
        "INSTITUTO ESTATAL DE EDUCACIÓN PÚBLICA DE OAXACA",
        true,
        Sector::Government,
        SeatPosition::Member,
        "Martha Ramírez Vásquez",
        "Pedro López García",
    ),
    (
        "Consejo Ciudadano de Transparencia de Oaxaca de Juárez",
        false,
        Sector::CivilSociety,
        SeatPosition::Member,
        "Elena Cruz Martínez",
        "Tomás Jiménez Ríos",
    ),
    (
        "Cámara Mexicana de la Industria de la Construcción, Delegación Oaxaca",
        false,
        Sector::PrivateSector,
        SeatPosition::Member,
        "Arturo Vásquez Luna",
        "Gabriela Ortiz Reyes",
    ),
    (
        "Asociación de Mujeres Empresarias de Oaxaca",
        false,
        Sector::PrivateSector,
        SeatPosition::Member,
        "Patricia Morales Díaz",
        "Rosa Martínez Sánchez",
    ),
    (
        "Red de Universidades por el Gobierno Abierto",
        false,
        Sector::Academia,
        SeatPosition::Member,
        "Dr. Héctor Salinas Toledo",
        "Dra. Irene Castillo Nava",
    ),
    (
        "Cámara Nacional de la Industria de Transformación, Oaxaca",
        false,
        Sector::PrivateSector,
        SeatPosition::Member,
        "Fernando Gómez Rojas",
        "Claudia Pacheco León",
    ),
    (
        "Sur Políticas Públicas, S.C.",
        false,
        Sector::PrivateSector,
        SeatPosition::Observer,
        "Andrea Villalobos Soto",
        "",
    ),
    (
        "Jóvenes por la Participación Cívica",
        false,
        Sector::CivilSociety,
        SeatPosition::Member,
        "Diego Hernández Cruz",
        "Valeria Luna Pérez",
    ),
];

fn at(s: &str) -> anyhow::Result<time::PrimitiveDateTime> {
    parse_local(s).ok_or_else(|| anyhow::anyhow!("demo time {s}"))
}

async fn organisation_id(db: &Db, name: &str) -> anyhow::Result<i64> {
    accounts::list_organisations(db)
        .await?
        .into_iter()
        .find(|o| o.name == name)
        .map(|o| o.id)
        .ok_or_else(|| anyhow::anyhow!("demo organisation {name} missing"))
}

/// Creates the Secretariat and its members (first, so the demo secretary can be scoped to
/// it). Returns its id.
pub async fn load_secretariat(db: &Db) -> anyhow::Result<i64> {
    if let Ok(b) = Body::by_name(db, STGA).await {
        return Ok(b.id);
    }
    let sys = Who::system();
    let tx = db.begin().await?;
    for (name, sector, description) in MORE_ORGANISATIONS {
        if !accounts::list_organisations(&tx)
            .await?
            .iter()
            .any(|o| o.name == *name)
        {
            accounts::create_organisation(&tx, &sys, name, *sector, description, None).await?;
        }
    }
    tx.commit().await?;
    let guarantor = find_subject(db, SEATS[1].0).await?;
    let tx = db.begin().await?;
    let id = bodies::create(
        &tx,
        &sys,
        &BodyInput {
            name: STGA.into(),
            code: "STGA-OAX".into(),
            title: "Secretariado Técnico de Gobierno Abierto de Oaxaca".into(),
            kind: BodyKind::TechnicalSecretariat,
            purpose: "Instancia de coordinación entre autoridades, órgano garante y sociedad civil organizada para construir, dar seguimiento y evaluar los planes de acción de gobierno abierto del estado.".into(),
            rules: "## Reglas de operación (resumen)\n\n1. El Secretariado sesiona de forma **ordinaria cada trimestre** y de forma extraordinaria cuando lo convoque la Secretaría Técnica.\n2. Las sesiones ordinarias se convocan con **cinco días** de anticipación, con el orden del día.\n3. Hay quórum con la **mitad más uno** de los integrantes con voto. Sin quórum no se adoptan acuerdos.\n4. Cada integrante tiene una persona titular y una suplente.\n5. Las organizaciones pueden solicitar su adhesión en cualquier momento; la Secretaría Técnica resuelve de forma fundada.\n\n*Datos de demostración.*".into(),
            quorum_rule: QuorumRule::Majority,
            notice_days: 5,
            accepts_members: true,
            adhesion_documents: "Acta constitutiva o documento que acredite el trabajo de la organización\nCarta de exposición de motivos".into(),
            parent_id: None,
            subject_id: Some(guarantor),
            term_start: "2025-01-01".into(),
            term_end: "2027-12-31".into(),
        },
    )
    .await?;
    tx.commit().await?;
    let mut seats = Vec::new();
    for (holder, is_subject, sector, position, titular, alternate) in SEATS {
        let (organisation_id, subject_id) = if *is_subject {
            (None, Some(find_subject(db, holder).await?))
        } else {
            (Some(organisation_id(db, holder).await?), None)
        };
        seats.push(SeatInput {
            organisation_id,
            subject_id,
            user_id: None,
            holder_name: (*holder).to_owned(),
            sector: *sector,
            position: *position,
            titular_name: (*titular).to_owned(),
            titular_email: String::new(),
            alternate_name: (*alternate).to_owned(),
            alternate_email: String::new(),
            starts_on: "2025-01-15".into(),
            ends_on: "2027-12-31".into(),
            source: "direct",
        });
    }
    let tx = db.begin().await?;
    for seat in &seats {
        bodies::add_seat(&tx, &sys, id, seat).await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// A demo session, convened and held: who attended (by seat index; the rest absent).
async fn held_session(
    db: &Db,
    body: &Body,
    starts_at: &str,
    agenda: &str,
    absent: &[usize],
) -> anyhow::Result<Session> {
    let sys = Who::system();
    let plan = SessionPlan {
        kind: SessionKind::Ordinary,
        starts_at: at(starts_at)?,
        ends_at: None,
        place: "Sala de Plenos del Órgano Garante, Oaxaca de Juárez".into(),
        online_url: String::new(),
        agenda: agenda.into(),
    };
    let tx = db.begin().await?;
    let session = bodies::convene(&tx, &sys, body, &plan).await?;
    let seats = bodies::seats(&tx, body.id).await?;
    let marks: HashMap<i64, Attendance> = seats
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mark = if absent.contains(&i) {
                Attendance::Absent
            } else if i % 3 == 2 {
                Attendance::Alternate
            } else {
                Attendance::Present
            };
            (s.id, mark)
        })
        .collect();
    bodies::record_attendance(&tx, &sys, body, &session, &marks).await?;
    let session = Session::by_id(&tx, session.id).await?;
    tx.commit().await?;
    Ok(session)
}

/// Sessions, agreements, minutes and calls, once the demo accounts exist. `reviewer` scores
/// the closed call; `members` are (organisation name, representative user id).
pub async fn load_activity(
    db: &Db,
    reviewer: i64,
    members: &[(String, i64)],
) -> anyhow::Result<()> {
    let body = Body::by_name(db, STGA).await?;
    if !bodies::sessions(db, body.id).await?.is_empty() {
        return Ok(());
    }
    let sys = Who::system();
    let seats = bodies::seats(db, body.id).await?;
    // A member's seat by (part of) its holder's name.
    let seat = |name: &str| {
        seats
            .iter()
            .find(|s| s.holder_name.contains(name))
            .map(|s| s.id)
            .unwrap_or_default()
    };
    let (guarantor, city, education) = (
        seat("ÓRGANO GARANTE"),
        seat("AYUNTAMIENTO"),
        seat("EDUCACIÓN PÚBLICA"),
    );
    let (builders, universities) = (
        seat("Industria de la Construcción"),
        seat("Red de Universidades"),
    );

    // First session: installation and the work plan.
    let first = held_session(
        db,
        &body,
        "2026-03-12T10:00",
        "1. Lista de asistencia y declaración de quórum\n2. Instalación del Secretariado Técnico para el periodo 2025-2027\n3. Presentación de la ruta del Plan de Acción Local\n4. Asuntos generales",
        &[8],
    )
    .await?;
    let tx = db.begin().await?;
    let mut adopted = Vec::new();
    for (text, responsible, others, due) in [
        (
            "Publicar en Tequio el calendario de sesiones ordinarias de 2026.",
            vec![guarantor],
            vec![],
            "2026-03-31",
        ),
        (
            "Abrir una convocatoria para integrar la Mesa de Trabajo de Obra Pública Abierta.",
            vec![guarantor, builders],
            vec![],
            "2026-04-30",
        ),
        (
            "Presentar un diagnóstico de datos abiertos educativos disponibles.",
            vec![education, universities],
            vec!["Dirección de Planeación Educativa".to_owned()],
            "2026-07-31",
        ),
    ] {
        adopted.push(
            bodies::adopt(
                &tx,
                &sys,
                &body,
                &first,
                &AgreementInput {
                    text: text.into(),
                    responsible_seats: responsible,
                    responsible_others: others,
                    due_on: due.into(),
                },
            )
            .await?
            .0,
        );
    }
    bodies::save_minutes(
        &tx,
        &sys,
        &first,
        "## Acta de la primera sesión ordinaria de 2026\n\nEn Oaxaca de Juárez, a las 10:00 horas del 12 de marzo de 2026, se reunieron las personas integrantes del Secretariado Técnico de Gobierno Abierto de Oaxaca.\n\n1. Se pasó lista y se declaró el **quórum legal**.\n2. Se instaló el Secretariado para el periodo 2025-2027.\n3. La Secretaría Técnica presentó la ruta del Plan de Acción Local.\n4. Se adoptaron los acuerdos STGA-OAX/2026/1/1 a STGA-OAX/2026/1/3.\n\nSe cerró la sesión a las 12:15 horas.",
        MinutesStatus::Circulated,
    )
    .await?;
    tx.commit().await?;

    // Follow-up: the first done with a note, the second in progress.
    for (id, status, note) in [
        (
            adopted[0],
            AgreementStatus::Done,
            "El calendario 2026 está publicado en el calendario del Secretariado.",
        ),
        (
            adopted[1],
            AgreementStatus::Done,
            "La convocatoria se publicó el 1 de febrero y la mesa quedó integrada.",
        ),
        (
            adopted[2],
            AgreementStatus::InProgress,
            "La Red de Universidades entregó un primer inventario de 14 conjuntos de datos.",
        ),
    ] {
        let agreement = bodies::Agreement::get(db, id).await?;
        let tx = db.begin().await?;
        bodies::follow_up(&tx, &sys, &agreement, status, note, false).await?;
        tx.commit().await?;
    }

    // Second session: approves the first minutes; one agreement stays pending past its date.
    let second = held_session(
        db,
        &body,
        "2026-06-18T10:00",
        "1. Lista de asistencia y declaración de quórum\n2. Aprobación del acta de la sesión anterior\n3. Informe de la Mesa de Trabajo de Obra Pública Abierta\n4. Asuntos generales",
        &[4, 9],
    )
    .await?;
    let tx = db.begin().await?;
    let present: Vec<i64> = bodies::attendance(&tx, &second)
        .await?
        .into_iter()
        .filter(|r| r.status.is_some_and(Attendance::counts) && r.position.votes())
        .map(|r| r.seat_id)
        .collect();
    let votes: HashMap<i64, Vote> = present
        .iter()
        .enumerate()
        .map(|(i, id)| (*id, if i == 0 { Vote::Abstain } else { Vote::For }))
        .collect();
    let first = Session::by_id(&tx, first.id).await?;
    bodies::approve_minutes(&tx, &sys, &first, &second, &votes).await?;
    for (text, responsible, due) in [
        (
            "Publicar la base de datos de obra pública municipal en formato abierto.",
            vec![city, builders],
            "2026-08-31",
        ),
        (
            "Organizar una capacitación sobre datos abiertos para las unidades de transparencia.",
            vec![guarantor],
            "2026-12-15",
        ),
    ] {
        bodies::adopt(
            &tx,
            &sys,
            &body,
            &second,
            &AgreementInput {
                text: text.into(),
                responsible_seats: responsible,
                responsible_others: Vec::new(),
                due_on: due.into(),
            },
        )
        .await?;
    }
    bodies::save_minutes(
        &tx,
        &sys,
        &second,
        "## Acta de la segunda sesión ordinaria de 2026\n\nSe declaró el quórum, se aprobó el acta de la sesión anterior y la Mesa de Trabajo de Obra Pública Abierta presentó su informe. Se adoptaron los acuerdos STGA-OAX/2026/2/1 y STGA-OAX/2026/2/2.",
        MinutesStatus::Circulated,
    )
    .await?;
    tx.commit().await?;

    load_calls(db, &body, reviewer, members).await?;
    load_instruments_and_training(db, &body, members).await?;
    load_upcoming(db, &body).await
}

/// What lies ahead, dated from the day the demo is loaded so the home page always has
/// something coming: the next ordinary session in three weeks and a training in five.
async fn load_upcoming(db: &Db, body: &Body) -> anyhow::Result<()> {
    use tequio_domain::events::EventKind;
    use tequio_store::events;
    let sys = Who::system();
    let today = crate::clock::local_now().date();
    let day = |weeks: i64, hour: u8| -> anyhow::Result<time::PrimitiveDateTime> {
        let date = today + time::Duration::weeks(weeks);
        Ok(date.with_hms(hour, 0, 0)?)
    };
    let tx = db.begin().await?;
    bodies::convene(
        &tx,
        &sys,
        body,
        &SessionPlan {
            kind: SessionKind::Ordinary,
            starts_at: day(3, 10)?,
            ends_at: None,
            place: "Sala de Plenos del Órgano Garante, Oaxaca de Juárez".into(),
            online_url: String::new(),
            agenda: "1. Lista de asistencia y declaración de quórum\n2. Aprobación del acta de la sesión anterior\n3. Seguimiento de acuerdos vencidos\n4. Asuntos generales".into(),
        },
    )
    .await?;
    let format = tequio_domain::bodies::format_local;
    events::create(
        &tx,
        &sys,
        &events::EventInput {
            name: "taller-lenguaje-claro".into(),
            kind: EventKind::Training,
            title: "Taller: escribir en lenguaje claro".into(),
            description: "Cómo escribir avisos, respuestas y documentos públicos que cualquier persona entienda a la primera.".into(),
            audience: "Personas servidoras públicas y organizaciones de la sociedad civil".into(),
            starts_at: format(day(5, 10)?),
            ends_at: format(day(5, 13)?),
            place: "Aula de capacitación del Órgano Garante, Oaxaca de Juárez".into(),
            online_url: String::new(),
            capacity: 30,
            hours: 3,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Two collaboration instruments and one training event, with its attendance certificates.
async fn load_instruments_and_training(
    db: &Db,
    stga: &Body,
    members: &[(String, i64)],
) -> anyhow::Result<()> {
    use tequio_domain::events::{EventKind, certificate_code};
    use tequio_domain::instruments::InstrumentKind;
    use tequio_store::{events, instruments};
    let sys = Who::system();
    let guarantor = SEATS[1].0;
    let tx = db.begin().await?;
    instruments::create(
        &tx,
        &sys,
        &instruments::InstrumentInput {
            name: "declaratoria-gobierno-abierto-oaxaca".into(),
            kind: InstrumentKind::Declaration,
            title: "Declaratoria conjunta de Gobierno Abierto de Oaxaca".into(),
            objectives: "Comprometer a los poderes del estado, al órgano garante y a la sociedad civil a construir y cumplir un Plan de Acción Local de Gobierno Abierto.".into(),
            signed_on: "2025-01-15".into(),
            valid_until: "2027-12-31".into(),
            parties: vec![
                guarantor.to_owned(),
                "SECRETARÍA DE HONESTIDAD, TRANSPARENCIA Y FUNCIÓN PUBLICA".into(),
                "Consejo Ciudadano de Transparencia de Oaxaca de Juárez".into(),
                "Red de Universidades por el Gobierno Abierto".into(),
            ],
            body_ids: vec![stga.id],
        },
    )
    .await?;
    instruments::create(
        &tx,
        &sys,
        &instruments::InstrumentInput {
            name: "convenio-datos-abiertos-obra-publica".into(),
            kind: InstrumentKind::Convenio,
            title: "Convenio de colaboración para la apertura de datos de obra pública".into(),
            objectives: "Publicar en formatos abiertos el padrón de obras del municipio y acompañar su uso por la Mesa de Trabajo de Obra Pública Abierta.".into(),
            signed_on: "2026-05-20".into(),
            valid_until: "2026-12-31".into(),
            parties: vec![
                guarantor.to_owned(),
                "H. AYUNTAMIENTO DE OAXACA DE JUÁREZ".into(),
                "Cámara Mexicana de la Industria de la Construcción, Delegación Oaxaca".into(),
            ],
            body_ids: vec![stga.id],
        },
    )
    .await?;
    events::create(
        &tx,
        &sys,
        &events::EventInput {
            name: "capacitacion-datos-abiertos-2026".into(),
            kind: EventKind::Training,
            title: "Capacitación: publicar datos abiertos en Tequio".into(),
            description: "Taller práctico para las unidades de transparencia: cómo publicar un conjunto de datos, describir sus columnas y mantenerlo al día.\n\n1. Formatos abiertos y licencias\n2. El diccionario de datos\n3. Práctica con sus propios archivos".into(),
            audience: "Unidades de transparencia de los sujetos obligados".into(),
            starts_at: "2026-09-10T10:00".into(),
            ends_at: "2026-09-10T14:00".into(),
            place: "Aula de capacitación del Órgano Garante, Oaxaca de Juárez".into(),
            online_url: String::new(),
            capacity: 40,
            hours: 4,
        },
    )
    .await?;
    tx.commit().await?;
    let event = events::Event::by_name(db, "capacitacion-datos-abiertos-2026").await?;
    let tx = db.begin().await?;
    for (org, user) in members {
        events::register(
            &tx,
            &Who::user(*user, "demo"),
            &event,
            &format!("Enlace de {org}"),
            org,
        )
        .await?;
    }
    let attended: Vec<i64> = events::registrations(&tx, event.id)
        .await?
        .iter()
        .map(|r| r.id)
        .collect();
    // Fixed codes so the demo is the same every time: anyone can try them at /constancias.
    let codes = (0..attended.len())
        .map(|i| {
            let mut bytes = [0u8; 12];
            for (k, b) in bytes.iter_mut().enumerate() {
                *b = u8::try_from((i * 37 + k * 11 + 5) % 256).unwrap_or(0);
            }
            certificate_code(&bytes)
        })
        .collect();
    events::record_attendance(&tx, &sys, &event, &attended, codes).await?;
    tx.commit().await?;
    Ok(())
}

async fn load_calls(
    db: &Db,
    stga: &Body,
    reviewer: i64,
    members: &[(String, i64)],
) -> anyhow::Result<()> {
    let sys = Who::system();
    // The closed call, with results and the working group it formed.
    let plan = CallInput {
        title: "Convocatoria para integrar la Mesa de Trabajo de Obra Pública Abierta".into(),
        objective: "Integrar una mesa de trabajo de sociedad civil, academia, cámaras y colegios que acompañe la publicación de los datos de obra pública del estado y de la capital.".into(),
        eligibility: Eligibility {
            sectors: vec![Sector::CivilSociety, Sector::Academia, Sector::PrivateSector, Sector::ProfessionalCollege],
            citizens: false,
        },
        requirements: "- Tener al menos un año de trabajo en el tema.\n- Designar una persona titular y una suplente.".into(),
        required_documents: String::new(),
        opens_at: "2026-04-01T09:00".into(),
        closes_at: "2026-04-30T18:00".into(),
        criteria: "Experiencia en el tema | 40\nCalidad de la propuesta de trabajo | 40\nRepresentatividad | 20".into(),
        places: "2".into(),
    }
    .check()
    .map_err(|e| anyhow::anyhow!("demo call: {e:?}"))?;
    let tx = db.begin().await?;
    calls::create(
        &tx,
        &sys,
        "mesa-obra-publica-abierta",
        &plan,
        &CallOwner {
            subject_id: None,
            body_id: None,
        },
    )
    .await?;
    tx.commit().await?;
    let call = Call::by_name(db, "mesa-obra-publica-abierta").await?;
    let during = at("2026-04-15T12:00")?;
    let after = at("2026-05-02T10:00")?;
    let statements = [
        "Acompañamos desde 2020 la vigilancia ciudadana de obras en la capital; proponemos revisar los expedientes técnicos y publicar su avance.",
        "Nuestros agremiados conocen el ciclo de la obra pública; proponemos un catálogo común de conceptos de obra.",
        "Queremos formar a jóvenes en monitoreo de obras con datos abiertos.",
    ];
    let tx = db.begin().await?;
    calls::add_reviewer(&tx, &sys, &call, reviewer).await?;
    let mut applications = Vec::new();
    for ((org, user), statement) in members.iter().zip(statements) {
        let organisation_id = organisation_id(db, org).await?;
        applications.push(
            calls::apply(
                &tx,
                &Who::user(*user, "demo"),
                &call,
                &ApplicationInput {
                    organisation_id: Some(organisation_id),
                    statement: statement.into(),
                    titular_name: format!("Titular de {org}"),
                    titular_email: String::new(),
                    alternate_name: format!("Suplente de {org}"),
                    alternate_email: String::new(),
                },
                0,
                during,
            )
            .await?,
        );
    }
    let reviewer_who = Who::user(reviewer, "demo");
    let marks = [[9, 8, 7], [8, 9, 8], [6, 7, 6]];
    let decisions = [
        (
            Decision::Accepted,
            "Experiencia comprobada en vigilancia de obra y propuesta concreta.",
        ),
        (
            Decision::Accepted,
            "Aporta conocimiento técnico del ciclo de la obra pública.",
        ),
        (
            Decision::Rejected,
            "Propuesta valiosa pero sin experiencia previa en obra pública; se le invita a la próxima convocatoria.",
        ),
    ];
    for ((id, m), (decision, reason)) in applications.iter().zip(marks).zip(decisions) {
        let m: Vec<(i64, String)> = m.iter().map(|s| (*s, String::new())).collect();
        calls::score(&tx, &reviewer_who, &call, *id, &m, after).await?;
        calls::decide(&tx, &sys, &call, *id, decision, reason).await?;
    }
    calls::publish_results(&tx, &sys, &call).await?;
    tx.commit().await?;
    let call = Call::by_name(db, "mesa-obra-publica-abierta").await?;
    let tx = db.begin().await?;
    calls::constitute(
        &tx,
        &sys,
        &call,
        Some(&NewGroup {
            name: "mesa-obra-publica-abierta".into(),
            code: "MOPA".into(),
            title: "Mesa de Trabajo de Obra Pública Abierta".into(),
            parent_id: Some(stga.id),
        }),
        "2026-05-15",
    )
    .await?;
    tx.commit().await?;

    // The open call: new members for the Secretariat, open until the end of January 2027.
    let plan = CallInput {
        title: "Convocatoria abierta para integrarse al Secretariado Técnico de Gobierno Abierto".into(),
        objective: "Sumar organizaciones de la sociedad civil, academia y colegios de profesionistas al Secretariado Técnico para el Plan de Acción Local 2027.".into(),
        eligibility: Eligibility {
            sectors: vec![Sector::CivilSociety, Sector::Academia, Sector::ProfessionalCollege],
            citizens: false,
        },
        requirements: "- Estar legalmente constituida o ser un colectivo con trabajo comprobable.\n- Designar una persona titular y una suplente.".into(),
        required_documents: "Acta constitutiva o carta de presentación del colectivo\nCarta de exposición de motivos".into(),
        opens_at: "2026-11-01T09:00".into(),
        closes_at: "2027-01-31T18:00".into(),
        criteria: "Trayectoria | 50\nPropuesta para el Plan de Acción | 50".into(),
        places: "4".into(),
    }
    .check()
    .map_err(|e| anyhow::anyhow!("demo call: {e:?}"))?;
    let tx = db.begin().await?;
    calls::create(
        &tx,
        &sys,
        "integracion-secretariado-2027",
        &plan,
        &CallOwner {
            subject_id: None,
            body_id: Some(stga.id),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
