//! Demo data, so a newcomer sees a living portal: the guarantor of Oaxaca, the 202 obligated
//! subjects of Oaxaca as the national platform lists them (`demo/instituciones_OAX.txt`, a copy
//! of `shared/data/pnt/instituciones_OAX.txt`), a few organisations and one account per role.
//! Loading it twice changes nothing.

pub mod bodies;
pub mod synthetic;
pub mod synthetic_bodies;

use crate::auth;
use anyhow::Context;
use tequio_domain::accounts::{Grant, Role, Sector};
use tequio_store::accounts;
use tequio_store::audit::Who;
use tequio_store::subjects::{self, Filter, SubjectInput, TransparencyUnit};
use tequio_store::{Db, Tx};

pub const REGISTRY: &str = include_str!("../../demo/instituciones_OAX.txt");
pub const GUARANTOR: &str = "Órgano Garante de Acceso a la Información Pública, Transparencia, Protección de Datos Personales y Buen Gobierno del Estado de Oaxaca";

/// An account the demo created, with its one-time generated password.
pub struct DemoAccount {
    pub email: String,
    pub role: String,
    pub password: String,
}

/// What loading the demo did.
pub struct DemoReport {
    pub subjects_added: usize,
    pub accounts: Vec<DemoAccount>,
    /// Publications made now (none the second time).
    pub publications: usize,
}

const ORGANISATIONS: &[(&str, Sector, &str)] = &[
    (
        "Red Ciudadana por la Transparencia de Oaxaca A.C.",
        Sector::CivilSociety,
        "Organización de la sociedad civil que promueve el acceso a la información y la rendición de cuentas.",
    ),
    (
        "Asociación de Mujeres Empresarias de Oaxaca",
        Sector::PrivateSector,
        "Empresarias que impulsan la participación económica de las mujeres.",
    ),
    (
        "Red de Universidades por el Gobierno Abierto",
        Sector::Academia,
        "Asociación de instituciones de educación superior que estudian y evalúan el gobierno abierto.",
    ),
    (
        "Colegio de Contadores Públicos de Oaxaca",
        Sector::ProfessionalCollege,
        "Colegio profesional que acompaña la vigilancia del gasto público.",
    ),
    (
        "Jóvenes por la Participación Cívica",
        Sector::CivilSociety,
        "Asociación juvenil que forma a nuevas generaciones en participación ciudadana.",
    ),
];

/// Oaxaca's identity for the demo portal: its name, the guarantor, a dark wine colour
/// (9.4:1 on white) and made-up contact details.
fn oaxaca_look() -> Vec<(String, String)> {
    [
        ("site_name", "Gobierno Abierto Oaxaca"),
        ("guarantor", GUARANTOR),
        ("logo_url", "/static/tequio.svg"),
        ("accent", "#8a1538"),
        ("contact_email", "contacto@tequio.demo"),
        ("contact_phone", "951 000 0000"),
        ("contact_address", "Oaxaca de Juárez, Oaxaca, México"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// Loads the demo. Accounts are only created (and their passwords only shown) the first time.
pub async fn load(db: &Db, files: &crate::files::FileStore) -> anyhow::Result<DemoReport> {
    let sys = Who::system();
    let tx = db.begin().await?;
    let guarantor = subjects::ensure_guarantor(
        &tx,
        &sys,
        GUARANTOR,
        "OGAIPO",
        Some("Oaxaca"),
        Some("https://ogaipo.mx"),
    )
    .await?;
    let report = subjects::import_registry(&tx, &sys, Some(guarantor), REGISTRY).await?;
    if tequio_store::site::settings(&tx).await?.is_empty() {
        tequio_store::site::save(&tx, &sys, &oaxaca_look()).await?;
    }
    fill_units(&tx, &sys).await?;
    for (name, sector, description) in ORGANISATIONS {
        if !accounts::list_organisations(&tx)
            .await?
            .iter()
            .any(|o| o.name == *name)
        {
            accounts::create_organisation(&tx, &sys, name, *sector, description, None).await?;
        }
    }
    tx.commit().await?;

    let finance = find_subject(db, "SECRETARÍA DE FINANZAS").await?;
    let secretariat = crate::demo::bodies::load_secretariat(db).await?;
    type Person<'a> = (&'a str, &'a str, Option<(Role, Option<i64>)>);
    let people: [Person<'_>; 6] = [
        (
            "admin@tequio.demo",
            "Administración del Órgano Garante",
            Some((Role::Admin, None)),
        ),
        (
            "verificacion@tequio.demo",
            "Verificación del Órgano Garante",
            Some((Role::Verifier, None)),
        ),
        (
            "transparencia.finanzas@tequio.demo",
            "Unidad de Transparencia de Finanzas",
            Some((Role::SubjectEditor, Some(finance))),
        ),
        (
            "secretaria.tecnica@tequio.demo",
            "Secretaría Técnica de Gobierno Abierto",
            Some((Role::BodySecretary, Some(secretariat))),
        ),
        (
            "moderacion@tequio.demo",
            "Moderación",
            Some((Role::Moderator, None)),
        ),
        ("ciudadana@tequio.demo", "María Ciudadana", None),
    ];
    let mut created = Vec::new();
    for (email, name, grant) in people {
        if accounts::find_by_email(db, email).await?.is_some() {
            continue;
        }
        let password = crate::auth::generate_password()?;
        let hash = auth::hash_password(password.clone())
            .await
            .map_err(|e| anyhow::anyhow!("{e:#}"))?;
        let tx = db.begin().await?;
        let user = accounts::create_user(&tx, &sys, email, name, &hash, "es").await?;
        accounts::mark_email_verified(&tx, &sys, user.id).await?;
        let role = match grant {
            Some((role, scope)) => {
                accounts::grant(&tx, &sys, user.id, Grant::new(role, scope)?).await?;
                role.as_str().to_owned()
            }
            None => "citizen".to_owned(),
        };
        if role == "citizen" {
            let orgs = accounts::list_organisations(&tx).await?;
            if let Some(org) = orgs.first() {
                accounts::add_member(&tx, &sys, org.id, user.id, true).await?;
            }
        }
        tx.commit().await?;
        created.push(DemoAccount {
            email: email.to_owned(),
            role,
            password,
        });
    }
    load_collaboration(db).await?;
    let publications = publish_demo_records(db, guarantor).await?;
    load_catalog(db, files).await?;
    Ok(DemoReport {
        subjects_added: report.added.len(),
        accounts: created,
        publications,
    })
}

/// Organisations whose representatives applied to the demo's closed call.
const APPLICANTS: &[(&str, &str)] = &[
    (
        "Red Ciudadana por la Transparencia de Oaxaca A.C.",
        "enlace.redciudadana@tequio.demo",
    ),
    (
        "Colegio de Contadores Públicos de Oaxaca",
        "enlace.contadores@tequio.demo",
    ),
    (
        "Jóvenes por la Participación Cívica",
        "enlace.jovenes@tequio.demo",
    ),
];

/// The Secretariat's sessions, agreements and calls. Each applicant organisation gets a
/// representative account (its password is never shown: it is demo scenery).
async fn load_collaboration(db: &Db) -> anyhow::Result<()> {
    let sys = Who::system();
    let mut members = Vec::new();
    for (org, email) in APPLICANTS {
        let user_id = match accounts::find_by_email(db, email).await? {
            Some((u, _)) => u.id,
            None => {
                let hash = auth::hash_password(crate::auth::generate_password()?)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e:#}"))?;
                let tx = db.begin().await?;
                let u = accounts::create_user(
                    &tx,
                    &sys,
                    email,
                    &format!("Enlace de {org}"),
                    &hash,
                    "es",
                )
                .await?;
                accounts::mark_email_verified(&tx, &sys, u.id).await?;
                let org_id = accounts::list_organisations(&tx)
                    .await?
                    .into_iter()
                    .find(|o| o.name == *org)
                    .map(|o| o.id)
                    .with_context(|| format!("demo organisation {org} missing"))?;
                accounts::add_member(&tx, &sys, org_id, u.id, true).await?;
                tx.commit().await?;
                u.id
            }
        };
        members.push(((*org).to_owned(), user_id));
    }
    let reviewer = accounts::find_by_email(db, "verificacion@tequio.demo")
        .await?
        .map(|(u, _)| u.id)
        .context("the demo verifier account is missing")?;
    crate::demo::bodies::load_activity(db, reviewer, &members).await
}

/// The shipped legal framework (Art. 70 of the 2015 general law).
pub const FRAMEWORK: &str = include_str!("../../../../frameworks/lgtaip2015-art70.json");

/// Subjects that get made-up publications for every obligation that applies to them, for
/// the last two closed periods.
const PUBLISHING_SUBJECTS: &[&str] = &[
    "SECRETARÍA DE FINANZAS",
    "UNIVERSIDAD AUTÓNOMA BENITO JUÁREZ DE OAXACA",
    "H. AYUNTAMIENTO DE OAXACA DE JUÁREZ",
];

/// Loads the framework and publishes the demo records. Made-up content is deterministic, so
/// a second run finds every publication unchanged and saves nothing.
async fn publish_demo_records(db: &Db, guarantor: i64) -> anyhow::Result<usize> {
    use tequio_store::transparency as tr;
    let sys = Who::system();
    let framework = tequio_domain::transparency::framework::FrameworkFile::parse(FRAMEWORK)
        .map_err(|p| anyhow::anyhow!("the shipped framework has problems: {}", p.join("; ")))?;
    let tx = db.begin().await?;
    tr::import_framework(&tx, &sys, guarantor, &framework).await?;
    tx.commit().await?;
    let today = crate::clock::today();
    let mut published = 0;
    for (n, name) in PUBLISHING_SUBJECTS.iter().enumerate() {
        let subject = find_subject(db, name).await?;
        for (i, a) in tr::applicability(db, subject)
            .await?
            .into_iter()
            .enumerate()
        {
            if !a.applies {
                continue;
            }
            let ob = &a.obligation;
            let last =
                tequio_domain::transparency::period::Period::last_closed(ob.periodicity, today);
            // The last subject is behind on some obligations, so every status shows.
            let periods = match (n + 1 == PUBLISHING_SUBJECTS.len(), i % 6) {
                (true, 0) => vec![],
                (true, 1 | 4) => vec![last.previous()],
                _ => vec![last.previous(), last],
            };
            for format in tr::current_formats(db, ob.id).await? {
                for period in periods.iter().copied() {
                    let size = if ob.code == "70-VIII" {
                        400
                    } else {
                        4 + (ob.id % 12) as usize
                    };
                    let seed = crate::demo::synthetic::seed_of(&[
                        name,
                        &ob.code,
                        &format.code,
                        &period.code(),
                    ]);
                    let records =
                        crate::demo::synthetic::records(&format.def, period, size, seed, true);
                    let new = tr::NewPublication {
                        subject_id: subject,
                        obligation: ob,
                        format: &format,
                        period,
                        source_name: "demo.csv",
                        source_kind: "csv",
                        note: "Datos de demostración, inventados.",
                        today,
                    };
                    let tx = db.begin().await?;
                    if let tr::Published::New(_) = tr::publish(&tx, &sys, &new, &records).await? {
                        published += 1;
                    }
                    tx.commit().await?;
                }
            }
        }
    }
    Ok(published)
}

pub(crate) async fn find_subject(db: &Db, name: &str) -> anyhow::Result<i64> {
    let (_, found) = subjects::list(
        db,
        &Filter {
            q: Some(name.to_owned()),
            limit: 20,
            ..Filter::default()
        },
    )
    .await?;
    found
        .iter()
        .find(|s| s.name == name)
        .map(|s| s.id)
        .with_context(|| format!("demo subject {name} missing"))
}

/// Gives a few subjects a transparency unit, so their pages show one. Only where none is set.
async fn fill_units(tx: &Tx, sys: &Who) -> anyhow::Result<()> {
    let units = [
        (
            "ÓRGANO GARANTE DE ACCESO A LA INFORMACIÓN PÚBLICA, TRANSPARENCIA, PROTECCIÓN DE DATOS PERSONALES Y BUEN GOBIERNO DEL ESTADO DE OAXACA",
            "Unidad de Transparencia",
            "Almendros 122, Colonia Reforma, Oaxaca de Juárez, Oax.",
            "951 515 1190",
            "unidad.transparencia@ogaipo.demo",
        ),
        (
            "SECRETARÍA DE FINANZAS",
            "Titular de la Unidad de Transparencia",
            "Centro Administrativo del Poder Ejecutivo, Edificio D, Santa María Coyotepec, Oax.",
            "951 501 6900",
            "transparencia@finanzas.demo",
        ),
        (
            "H. AYUNTAMIENTO DE OAXACA DE JUÁREZ",
            "Unidad de Transparencia Municipal",
            "Plaza de la Danza s/n, Centro, Oaxaca de Juárez, Oax.",
            "951 501 5500",
            "transparencia@municipio.demo",
        ),
    ];
    for (name, head, address, phone, email) in units {
        let (_, found) = subjects::list(
            tx,
            &Filter {
                q: Some(name.to_owned()),
                limit: 20,
                ..Filter::default()
            },
        )
        .await?;
        let Some(s) = found.into_iter().find(|s| s.name == name) else {
            continue;
        };
        if !s.unit.is_empty() {
            continue;
        }
        subjects::update(
            tx,
            sys,
            s.id,
            SubjectInput {
                name: s.name.clone(),
                acronym: s.acronym.clone(),
                kind: Some(s.kind),
                guarantor_id: s.guarantor_id,
                platform_id: s.platform_id.clone(),
                unit: TransparencyUnit {
                    head: Some(head.into()),
                    address: Some(address.into()),
                    phone: Some(phone.into()),
                    email: Some(email.into()),
                    hours: Some("Lunes a viernes, 9:00 a 15:00".into()),
                },
            },
        )
        .await?;
    }
    Ok(())
}

/// Themes of the demo catalogue: (name, title, description).
const GROUPS: &[(&str, &str, &str)] = &[
    (
        "finanzas-publicas",
        "Finanzas públicas",
        "Ingresos, presupuesto y gasto de los sujetos obligados.",
    ),
    (
        "educacion",
        "Educación",
        "Escuelas, matrícula y resultados educativos.",
    ),
    (
        "obra-publica",
        "Obra pública",
        "Obras contratadas, su costo y su avance.",
    ),
];

/// A made-up dataset of the demo: owner, name, title, description, keywords, theme, and its
/// one CSV file.
struct DemoDataset {
    subject: &'static str,
    name: &'static str,
    title: &'static str,
    notes: &'static str,
    tags: &'static str,
    group: &'static str,
    frequency: &'static str,
    file_name: &'static str,
    csv: fn() -> String,
}

const DATASETS: &[DemoDataset] = &[
    DemoDataset {
        subject: "SECRETARÍA DE FINANZAS",
        name: "presupuesto-egresos-2025",
        title: "Presupuesto de egresos 2025 por capítulo y concepto de gasto",
        notes: "Presupuesto aprobado, modificado y ejercido al tercer trimestre, por capítulo y concepto del clasificador por objeto del gasto. Datos de demostración, inventados.",
        tags: "presupuesto, gasto público, egresos",
        group: "finanzas-publicas",
        frequency: "quarterly",
        file_name: "presupuesto_egresos_2025.csv",
        csv: budget_csv,
    },
    DemoDataset {
        subject: "UNIVERSIDAD AUTÓNOMA BENITO JUÁREZ DE OAXACA",
        name: "matricula-licenciatura-2025",
        title: "Matrícula de licenciatura por escuela, programa y sexo, ciclo 2025-2026",
        notes: "Alumnas y alumnos inscritos en cada programa de licenciatura al inicio del ciclo. Datos de demostración, inventados.",
        tags: "educación superior, matrícula, igualdad de género",
        group: "educacion",
        frequency: "annual",
        file_name: "matricula_licenciatura_2025.csv",
        csv: enrolment_csv,
    },
    DemoDataset {
        subject: "H. AYUNTAMIENTO DE OAXACA DE JUÁREZ",
        name: "obra-publica-2025",
        title: "Obras públicas contratadas en 2025",
        notes: "Cada obra con su colonia, el monto contratado, la fecha de inicio y su avance físico. Datos de demostración, inventados.",
        tags: "obra pública, contratos, infraestructura",
        group: "obra-publica",
        frequency: "monthly",
        file_name: "obra_publica_2025.csv",
        csv: works_csv,
    },
];

/// A small deterministic generator, so the demo files are the same every time.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

fn csv_of(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(header);
    for r in rows {
        let _ = w.write_record(r);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn budget_csv() -> String {
    let chapters = [
        (
            1000,
            "Servicios personales",
            &[
                "Remuneraciones al personal de carácter permanente",
                "Remuneraciones adicionales y especiales",
                "Seguridad social",
            ][..],
        ),
        (
            2000,
            "Materiales y suministros",
            &[
                "Materiales de administración",
                "Alimentos y utensilios",
                "Combustibles, lubricantes y aditivos",
            ][..],
        ),
        (
            3000,
            "Servicios generales",
            &[
                "Servicios básicos",
                "Servicios de arrendamiento",
                "Servicios de comunicación social y publicidad",
            ][..],
        ),
        (
            4000,
            "Transferencias, asignaciones, subsidios y otras ayudas",
            &[
                "Transferencias internas",
                "Ayudas sociales",
                "Pensiones y jubilaciones",
            ][..],
        ),
        (
            5000,
            "Bienes muebles, inmuebles e intangibles",
            &[
                "Mobiliario y equipo de administración",
                "Vehículos y equipo de transporte",
            ][..],
        ),
        (
            6000,
            "Inversión pública",
            &[
                "Obra pública en bienes de dominio público",
                "Proyectos productivos",
            ][..],
        ),
    ];
    let mut g = Lcg(2025);
    let mut rows = Vec::new();
    for (chapter, chapter_name, concepts) in chapters {
        for (i, concept) in concepts.iter().enumerate() {
            let approved = 5_000_000 + g.next(400_000_000);
            let modified = approved - approved / 20 + g.next(approved / 10);
            let spent = modified * (55 + g.next(30)) / 100;
            rows.push(vec![
                chapter.to_string(),
                chapter_name.to_owned(),
                (chapter + 100 * (i as u64 + 1)).to_string(),
                (*concept).to_owned(),
                format!("{approved}.00"),
                format!("{modified}.50"),
                format!("{spent}.25"),
            ]);
        }
    }
    csv_of(
        &[
            "capitulo",
            "nombre_capitulo",
            "concepto",
            "nombre_concepto",
            "aprobado",
            "modificado",
            "ejercido",
        ],
        rows,
    )
}

fn enrolment_csv() -> String {
    let schools = [
        ("Facultad de Derecho y Ciencias Sociales", &["Derecho"][..]),
        (
            "Facultad de Medicina y Cirugía",
            &["Médico Cirujano", "Nutrición"][..],
        ),
        (
            "Facultad de Contaduría y Administración",
            &["Contaduría Pública", "Administración"][..],
        ),
        ("Escuela de Arquitectura", &["Arquitectura"][..]),
        ("Facultad de Idiomas", &["Enseñanza de Idiomas"][..]),
        (
            "Facultad de Sistemas Biológicos e Innovación Tecnológica",
            &["Ingeniería en Innovación Tecnológica"][..],
        ),
    ];
    let mut g = Lcg(2026);
    let mut rows = Vec::new();
    for campus in ["Oaxaca de Juárez", "Tehuantepec", "Puerto Escondido"] {
        for (school, programs) in schools {
            for program in programs {
                for sex in ["Mujer", "Hombre"] {
                    rows.push(vec![
                        campus.to_owned(),
                        school.to_owned(),
                        (*program).to_owned(),
                        sex.to_owned(),
                        (40 + g.next(900)).to_string(),
                    ]);
                }
            }
        }
    }
    csv_of(&["campus", "escuela", "programa", "sexo", "alumnos"], rows)
}

fn works_csv() -> String {
    let colonias = [
        "Centro",
        "Reforma",
        "Jalatlaco",
        "Volcanes",
        "Candiani",
        "Santa Rosa",
        "Trinidad de las Huertas",
        "Cinco Señores",
    ];
    let kinds = [
        "Pavimentación de calle",
        "Rehabilitación de red de agua potable",
        "Alumbrado público con LED",
        "Rehabilitación de parque",
        "Construcción de banquetas",
        "Drenaje sanitario",
    ];
    let mut g = Lcg(2027);
    let mut rows = Vec::new();
    for i in 1..=64u64 {
        let colonia = colonias[g.next(colonias.len() as u64) as usize];
        let kind = kinds[g.next(kinds.len() as u64) as usize];
        let month = 1 + g.next(10);
        let day = 1 + g.next(28);
        rows.push(vec![
            format!("OP-2025-{i:03}"),
            format!("{kind} en la colonia {colonia}"),
            colonia.to_owned(),
            format!("{}.00", 300_000 + g.next(9_000_000)),
            format!("2025-{month:02}-{day:02}"),
            (g.next(101)).to_string(),
        ]);
    }
    csv_of(
        &[
            "folio",
            "obra",
            "colonia",
            "monto_contratado",
            "fecha_inicio",
            "avance_fisico",
        ],
        rows,
    )
}

/// Creates the demo catalogue (themes, three datasets with a CSV each) and loads their rows.
/// Datasets that exist are left alone.
async fn load_catalog(db: &Db, files: &crate::files::FileStore) -> anyhow::Result<()> {
    use tequio_store::catalog as cat;
    let sys = Who::system();
    let existing: Vec<String> = cat::list_groups(db)
        .await?
        .into_iter()
        .map(|g| g.name)
        .collect();
    let tx = db.begin().await?;
    for (name, title, description) in GROUPS {
        if !existing.iter().any(|e| e == name) {
            cat::create_group(&tx, &sys, name, title, description).await?;
        }
    }
    tx.commit().await?;
    for demo in DATASETS {
        if cat::dataset(db, demo.name).await.is_ok() {
            continue;
        }
        let subject = find_subject(db, demo.subject).await?;
        let input = tequio_domain::catalog::DatasetInput {
            name: demo.name.into(),
            title: demo.title.into(),
            notes: demo.notes.into(),
            tags: vec![demo.tags.into()],
            groups: vec![demo.group.into()],
            frequency: demo.frequency.into(),
            temporal_start: "2025-01-01".into(),
            temporal_end: "2025-12-31".into(),
            spatial: "Oaxaca, México".into(),
            contact_name: "Unidad de Transparencia".into(),
            ..Default::default()
        }
        .clean()
        .map_err(|e| anyhow::anyhow!("demo dataset {}: {e:?}", demo.name))?;
        let bytes = (demo.csv)().into_bytes();
        let limits = tequio_domain::tabular::Limits::default();
        let table = tequio_domain::catalog::table::read(demo.file_name, &bytes, &limits)
            .map_err(|e| anyhow::anyhow!("demo file {}: {e}", demo.file_name))?;
        let file = files
            .put(demo.file_name, bytes)
            .await
            .map_err(|e| anyhow::anyhow!("{e:#}"))?;
        let resource = cat::ResourceInput {
            name: demo.title.into(),
            description: String::new(),
            url: String::new(),
            file: Some(file),
            format: "CSV".into(),
            media_type: "text/csv".into(),
            rows: Some(table.row_count as i64),
            schema: Some(table.schema),
        };
        let tx = db.begin().await?;
        let id = cat::create_dataset(&tx, &sys, subject, &input).await?;
        cat::add_resource(&tx, &sys, id, &resource).await?;
        tx.commit().await?;
    }
    let limits = tequio_domain::tabular::Limits::default();
    while crate::catalog::load::run_next(db, files, &limits).await? {}
    load_topic(db).await
}

/// A topic portal of the city on its public works, linking its data and its procurement
/// publications.
async fn load_topic(db: &Db) -> anyhow::Result<()> {
    use tequio_store::topics;
    const NAME: &str = "obra-publica-oaxaca-de-juarez";
    if topics::get(db, NAME).await.is_ok() {
        return Ok(());
    }
    let city = find_subject(db, "H. AYUNTAMIENTO DE OAXACA DE JUÁREZ").await?;
    let publications: Vec<i64> =
        tequio_store::transparency::current_publications_of_formats(db, &["28a", "28b"])
            .await?
            .into_iter()
            .filter(|(p, _)| p.subject_id == city)
            .map(|(p, _)| p.id)
            .rev()
            .take(2)
            .collect();
    let input = topics::TopicInput {
        name: NAME.into(),
        title: "Obra pública en Oaxaca de Juárez".into(),
        audience: "Vecinas y vecinos, comités de obra y periodistas".into(),
        problem: "Saber qué obras se contratan en cada colonia, cuánto cuestan, quién las hace y cuánto avanzan.".into(),
        body: "## Qué encontrarás aquí\n\n- Las **obras contratadas** este año, con su colonia, su monto y su avance físico.\n- Los **resultados de licitaciones y adjudicaciones** que el Ayuntamiento publica cada trimestre (Art. 70, fr. XXVIII).\n\n## Cómo usarlo\n\n1. Busca tu colonia en la tabla de obras y filtra por ella.\n2. Compara el monto contratado con el avance.\n3. Si algo no cuadra, pregunta a la Unidad de Transparencia.\n\n*Datos de demostración, inventados.*".into(),
        subject_id: Some(city),
        datasets: vec!["obra-publica-2025".into()],
        publications,
        documents: vec![(
            "Ley General de Transparencia y Acceso a la Información Pública".into(),
            "https://www.diputados.gob.mx/LeyesBiblio/ref/lgtaip.htm".into(),
        )],
    };
    let tx = db.begin().await?;
    topics::create(&tx, &Who::system(), &input).await?;
    tx.commit().await?;
    Ok(())
}
