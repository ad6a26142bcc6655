//! Demo data, so a newcomer sees a living portal: the guarantor of Oaxaca, the 202 obligated
//! subjects of Oaxaca as the national platform lists them (`demo/instituciones_OAX.txt`, a copy
//! of `shared/data/pnt/instituciones_OAX.txt`), a few organisations and one account per role.
//! Loading it twice changes nothing.

use crate::auth;
use anyhow::Context;
use tequio_domain::accounts::{Grant, Role, Sector};
use tequio_store::accounts;
use tequio_store::audit::Who;
use tequio_store::subjects::{self, Filter, SubjectInput, TransparencyUnit};
use tequio_store::{Db, Tx};

pub const REGISTRY: &str = include_str!("../demo/instituciones_OAX.txt");
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

/// A password nobody can guess and a person can type: 4 groups of 5 lowercase letters and digits.
pub fn generate_password() -> anyhow::Result<String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    Ok(chars
        .chunks(5)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-"))
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

/// Loads the demo. Accounts are only created (and their passwords only shown) the first time.
pub async fn load(db: &Db) -> anyhow::Result<DemoReport> {
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
            Some((Role::BodySecretary, Some(1))),
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
        let password = generate_password()?;
        let hash = auth::hash_password(password.clone())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
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
    let publications = publish_demo_records(db, guarantor).await?;
    Ok(DemoReport {
        subjects_added: report.added.len(),
        accounts: created,
        publications,
    })
}

/// The shipped legal framework (Art. 70 of the 2015 general law).
pub const FRAMEWORK: &str = include_str!("../../../frameworks/lgtaip2015-art70.json");

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
    let today = crate::publishing::today();
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
                    let seed =
                        crate::synthetic::seed_of(&[name, &ob.code, &format.code, &period.code()]);
                    let records = crate::synthetic::records(&format.def, period, size, seed, true);
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

async fn find_subject(db: &Db, name: &str) -> anyhow::Result<i64> {
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
