//! Obligated subjects (sujetos obligados) and their guarantors: the registry.

use crate::audit::{self, Change, Who};
use crate::db::{Exec, Row, Tx, Value};
use crate::error::{StoreError, StoreResult};
use crate::{params, search, summary};
use serde::Serialize;
use tequio_domain::search::SearchKind;
use tequio_domain::subjects::{RegistryLine, SubjectKind};

/// A guarantor institute (órgano garante): it oversees a set of subjects.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Guarantor {
    pub id: i64,
    pub name: String,
    pub acronym: String,
    pub state: Option<String>,
    pub website: Option<String>,
}

/// The office that answers for a subject's transparency (Unidad de Transparencia).
#[derive(Debug, Clone, Default, Serialize, PartialEq, serde::Deserialize)]
pub struct TransparencyUnit {
    pub head: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub hours: Option<String>,
}

impl TransparencyUnit {
    /// True when no detail of the unit is known.
    pub fn is_empty(&self) -> bool {
        *self == TransparencyUnit::default()
    }
}

/// An obligated subject as shown to everyone.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Subject {
    pub id: i64,
    pub name: String,
    pub acronym: Option<String>,
    pub kind: SubjectKind,
    pub guarantor_id: Option<i64>,
    pub guarantor_name: Option<String>,
    /// The subject's id on the national transparency platform.
    pub platform_id: Option<String>,
    /// `active` or `extinct`.
    pub status: String,
    pub extinct_on: Option<String>,
    /// When merged, the subject that took over its obligations.
    pub merged_into_id: Option<i64>,
    pub unit: TransparencyUnit,
    pub created_at: String,
    pub updated_at: String,
}

/// What an admin fills in to create or edit a subject.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct SubjectInput {
    pub name: String,
    pub acronym: Option<String>,
    pub kind: Option<SubjectKind>,
    pub guarantor_id: Option<i64>,
    pub platform_id: Option<String>,
    pub unit: TransparencyUnit,
}

const SUBJECT_SELECT: &str = "SELECT s.id, s.name, s.acronym, s.kind, s.guarantor_id, g.name, s.platform_id,
    s.status, s.extinct_on, s.merged_into_id, s.unit_head, s.unit_address, s.unit_phone, s.unit_email,
    s.unit_hours, s.created_at, s.updated_at
    FROM subjects s LEFT JOIN guarantors g ON g.id = s.guarantor_id";

impl Subject {
    fn from_row(mut r: Row) -> StoreResult<Subject> {
        let kind: String = r.take(3)?;
        Ok(Subject {
            id: r.take(0)?,
            name: r.take(1)?,
            acronym: r.take(2)?,
            kind: SubjectKind::parse(&kind).unwrap_or(SubjectKind::Other),
            guarantor_id: r.take(4)?,
            guarantor_name: r.take(5)?,
            platform_id: r.take(6)?,
            status: r.take(7)?,
            extinct_on: r.take(8)?,
            merged_into_id: r.take(9)?,
            unit: TransparencyUnit {
                head: r.take(10)?,
                address: r.take(11)?,
                phone: r.take(12)?,
                email: r.take(13)?,
                hours: r.take(14)?,
            },
            created_at: r.take(15)?,
            updated_at: r.take(16)?,
        })
    }

    pub fn is_active(&self) -> bool {
        self.status == "active"
    }

    /// The text the search index holds besides the name.
    /// Not the guarantor's name: it is the same for every subject of a state and would make
    /// a search for the state's name match them all.
    fn search_body(&self) -> String {
        [
            self.acronym.as_deref(),
            self.unit.head.as_deref(),
            self.unit.address.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ")
    }
}

fn clean(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl SubjectInput {
    /// Trims every field and checks what the form cannot.
    fn validated(self) -> StoreResult<SubjectInput> {
        let name = self.name.trim().to_owned();
        if name.is_empty() {
            return Err(StoreError::Invalid("name: el nombre es obligatorio".into()));
        }
        if name.chars().count() > 300 {
            return Err(StoreError::Invalid(
                "name: el nombre tiene más de 300 caracteres".into(),
            ));
        }
        let unit = TransparencyUnit {
            head: clean(self.unit.head),
            address: clean(self.unit.address),
            phone: clean(self.unit.phone),
            email: clean(self.unit.email),
            hours: clean(self.unit.hours),
        };
        if let Some(email) = &unit.email
            && !tequio_domain::text::looks_like_email(email)
        {
            return Err(StoreError::Invalid(
                "unit.email: el correo de la unidad no es válido".into(),
            ));
        }
        Ok(SubjectInput {
            name,
            acronym: clean(self.acronym),
            kind: self.kind,
            guarantor_id: self.guarantor_id,
            platform_id: clean(self.platform_id),
            unit,
        })
    }
}

// ---------- guarantors ----------

/// Creates a guarantor, or returns the one with that name.
pub async fn ensure_guarantor(
    tx: &Tx,
    who: &Who,
    name: &str,
    acronym: &str,
    state: Option<&str>,
    website: Option<&str>,
) -> StoreResult<i64> {
    if let Some(r) = tx
        .query_opt("SELECT id FROM guarantors WHERE name = $1", params![name])
        .await?
    {
        return r.get(0);
    }
    let id: i64 = tx
        .query_one(
            "INSERT INTO guarantors (name, acronym, state, website, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            params![name, acronym, state, website, crate::now()],
        )
        .await?
        .get(0)?;
    audit::append(
        tx,
        who,
        Change {
            action: "guarantor.create",
            target_kind: "guarantor",
            target_id: id.to_string(),
            public: true,
            summary: summary! {"name" => name, "acronym" => acronym},
        },
    )
    .await?;
    Ok(id)
}

pub async fn list_guarantors(db: &impl Exec) -> StoreResult<Vec<Guarantor>> {
    let rows = db
        .query(
            "SELECT id, name, acronym, state, website FROM guarantors ORDER BY name",
            params![],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Guarantor {
                id: r.get(0)?,
                name: r.get(1)?,
                acronym: r.get(2)?,
                state: r.get(3)?,
                website: r.get(4)?,
            })
        })
        .collect()
}

// ---------- reading ----------

pub async fn get(db: &impl Exec, id: i64) -> StoreResult<Option<Subject>> {
    let row = db
        .query_opt(&format!("{SUBJECT_SELECT} WHERE s.id = $1"), params![id])
        .await?;
    row.map(Subject::from_row).transpose()
}

/// Every active subject's id and name, by name (for choosing one in a form).
pub async fn names(db: &impl Exec) -> StoreResult<Vec<(i64, String)>> {
    db.query(
        "SELECT id, name FROM subjects WHERE status = 'active' ORDER BY name",
        params![],
    )
    .await?
    .into_iter()
    .map(|mut r| Ok((r.take(0)?, r.take(1)?)))
    .collect()
}

/// Filters of the public directory.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Words to search in names, acronyms and transparency units.
    pub q: Option<String>,
    pub kind: Option<SubjectKind>,
    /// `active` or `extinct`; both when `None`.
    pub status: Option<String>,
    pub guarantor_id: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

/// One page of the directory, in name order, and how many subjects match in all.
pub async fn list(db: &impl Exec, f: &Filter) -> StoreResult<(i64, Vec<Subject>)> {
    let mut conditions = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    if let Some(q) = f.q.as_deref() {
        let terms = tequio_domain::search::query_terms(q, search::MAX_QUERY_TERMS);
        if !terms.is_empty() {
            args.push(Value::Text(search::match_expression(db.engine(), &terms)));
            conditions.push(format!(
                "s.id IN (SELECT search_index.ref_id FROM search_index WHERE search_index.kind = 'subject' AND {})",
                search::match_condition(db.engine(), args.len())
            ));
        }
    }
    if let Some(kind) = f.kind {
        args.push(kind.as_str().into());
        conditions.push(format!("s.kind = ${}", args.len()));
    }
    if let Some(status) = &f.status {
        args.push(status.as_str().into());
        conditions.push(format!("s.status = ${}", args.len()));
    }
    if let Some(g) = f.guarantor_id {
        args.push(g.into());
        conditions.push(format!("s.guarantor_id = ${}", args.len()));
    }
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    let total: i64 = db
        .query_one(&format!("SELECT COUNT(*) FROM subjects s{filter}"), &args)
        .await?
        .get(0)?;
    args.push(f.limit.clamp(1, 1000).into());
    args.push(f.offset.max(0).into());
    let sql = format!(
        "{SUBJECT_SELECT}{filter} ORDER BY s.name, s.id LIMIT ${} OFFSET ${}",
        args.len() - 1,
        args.len()
    );
    let rows = db.query(&sql, &args).await?;
    Ok((
        total,
        rows.into_iter()
            .map(Subject::from_row)
            .collect::<StoreResult<_>>()?,
    ))
}

/// Counts of subjects per kind (active ones), for the directory's filters and the home page.
pub async fn count_by_kind(db: &impl Exec) -> StoreResult<Vec<(SubjectKind, i64)>> {
    let rows = db
        .query("SELECT kind, COUNT(*) FROM subjects WHERE status = 'active' GROUP BY kind ORDER BY kind", params![])
        .await?;
    rows.iter()
        .filter_map(|r| {
            let kind: StoreResult<String> = r.get(0);
            kind.map(|k| SubjectKind::parse(&k).map(|k| r.get(1).map(|n| (k, n))))
                .transpose()
                .map(|x| x.and_then(|y| y))
        })
        .collect()
}

// ---------- writing ----------

async fn reindex(tx: &Tx, id: i64) -> StoreResult<Subject> {
    let s = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    search::put(
        tx,
        SearchKind::Subject,
        id,
        &s.name,
        &s.search_body(),
        &id.to_string(),
    )
    .await?;
    Ok(s)
}

/// Registers a new subject.
pub async fn create(tx: &Tx, who: &Who, input: SubjectInput) -> StoreResult<Subject> {
    let input = input.validated()?;
    let kind = input
        .kind
        .unwrap_or_else(|| SubjectKind::guess_from_name(&input.name));
    let now = crate::now();
    let id: i64 = tx
        .query_one(
            "INSERT INTO subjects (name, acronym, kind, guarantor_id, platform_id, status, unit_head, unit_address,
                unit_phone, unit_email, unit_hours, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, 'active', $6, $7, $8, $9, $10, $11, $11) RETURNING id",
            params![
                input.name.as_str(), input.acronym.clone(), kind.as_str(), input.guarantor_id, input.platform_id.clone(),
                input.unit.head.clone(), input.unit.address.clone(), input.unit.phone.clone(), input.unit.email.clone(),
                input.unit.hours.clone(), now
            ],
        )
        .await?
        .get(0)?;
    let subject = reindex(tx, id).await?;
    audit::append(
        tx,
        who,
        Change {
            action: "subject.create",
            target_kind: "subject",
            target_id: id.to_string(),
            public: true,
            summary: serde_json::to_value(&subject).unwrap_or_default(),
        },
    )
    .await?;
    Ok(subject)
}

/// Changes a subject's details; the log records each field that changed, before and after.
pub async fn update(tx: &Tx, who: &Who, id: i64, input: SubjectInput) -> StoreResult<Subject> {
    let before = get(tx, id).await?.ok_or(StoreError::NotFound)?;
    let input = input.validated()?;
    let kind = input.kind.unwrap_or(before.kind);
    tx.execute(
        "UPDATE subjects SET name = $1, acronym = $2, kind = $3, guarantor_id = $4, platform_id = $5,
            unit_head = $6, unit_address = $7, unit_phone = $8, unit_email = $9, unit_hours = $10, updated_at = $11
         WHERE id = $12",
        params![
            input.name, input.acronym, kind.as_str(), input.guarantor_id, input.platform_id, input.unit.head,
            input.unit.address, input.unit.phone, input.unit.email, input.unit.hours, crate::now(), id
        ],
    )
    .await?;
    let after = reindex(tx, id).await?;
    let diff = diff(&before, &after);
    if !diff.as_object().is_some_and(serde_json::Map::is_empty) {
        audit::append(
            tx,
            who,
            Change {
                action: "subject.update",
                target_kind: "subject",
                target_id: id.to_string(),
                public: true,
                summary: diff,
            },
        )
        .await?;
    }
    Ok(after)
}

/// `{field: [before, after]}` for every field that changed (timestamps left out).
fn diff(before: &Subject, after: &Subject) -> serde_json::Value {
    let (serde_json::Value::Object(b), serde_json::Value::Object(a)) = (
        serde_json::to_value(before).unwrap_or_default(),
        serde_json::to_value(after).unwrap_or_default(),
    ) else {
        return serde_json::json!({});
    };
    let mut out = serde_json::Map::new();
    for (k, va) in &a {
        if k == "updated_at" || k == "created_at" {
            continue;
        }
        let vb = b.get(k).cloned().unwrap_or_default();
        if &vb != va {
            out.insert(k.clone(), serde_json::json!([vb, va]));
        }
    }
    serde_json::Value::Object(out)
}

/// Marks a subject as extinct from `date` (YYYY-MM-DD).
pub async fn extinguish(tx: &Tx, who: &Who, id: i64, date: &str) -> StoreResult<Subject> {
    if time::Date::parse(
        date,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .is_err()
    {
        return Err(StoreError::Invalid(format!(
            "extinct_on: «{date}» no es una fecha AAAA-MM-DD"
        )));
    }
    let changed = tx
        .execute(
            "UPDATE subjects SET status = 'extinct', extinct_on = $1, updated_at = $2 WHERE id = $3 AND status = 'active'",
            params![date, crate::now(), id],
        )
        .await?;
    if changed == 0 {
        return match get(tx, id).await? {
            None => Err(StoreError::NotFound),
            Some(_) => Err(StoreError::Invalid(
                "status: el sujeto obligado ya está extinto".into(),
            )),
        };
    }
    let s = reindex(tx, id).await?;
    audit::append(
        tx,
        who,
        Change {
            action: "subject.extinguish",
            target_kind: "subject",
            target_id: id.to_string(),
            public: true,
            summary: summary! {"extinct_on" => date},
        },
    )
    .await?;
    Ok(s)
}

/// Merges subject `from` into `into`: `from` becomes extinct and points at `into`, which
/// takes over its obligations. Its platform id moves too when `into` has none.
pub async fn merge(tx: &Tx, who: &Who, from: i64, into: i64, date: &str) -> StoreResult<Subject> {
    if from == into {
        return Err(StoreError::Invalid(
            "merged_into_id: un sujeto no puede fusionarse consigo mismo".into(),
        ));
    }
    let target = get(tx, into)
        .await?
        .ok_or_else(|| StoreError::Invalid("merged_into_id: el sujeto destino no existe".into()))?;
    if !target.is_active() {
        return Err(StoreError::Invalid(
            "merged_into_id: el sujeto destino está extinto".into(),
        ));
    }
    extinguish(tx, who, from, date).await?;
    tx.execute(
        "UPDATE subjects SET merged_into_id = $1 WHERE id = $2",
        params![into, from],
    )
    .await?;
    audit::append(
        tx,
        who,
        Change {
            action: "subject.merge",
            target_kind: "subject",
            target_id: from.to_string(),
            public: true,
            summary: summary! {"merged_into_id" => into, "merged_into" => target.name},
        },
    )
    .await?;
    get(tx, from).await?.ok_or(StoreError::NotFound)
}

/// What an import of a registry file did.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ImportReport {
    pub added: Vec<String>,
    pub updated: Vec<String>,
    pub unchanged: usize,
    /// (line number from 1, the line, why it was rejected)
    pub rejected: Vec<(usize, String, String)>,
}

/// Imports a registry file in the national platform's format (`ID<TAB>STATE - NAME`, one per
/// line). Subjects are matched by platform id: new ones are added, known ones get the name and
/// status of the file. Bad lines are reported and skipped; the rest lands in one transaction.
pub async fn import_registry(
    tx: &Tx,
    who: &Who,
    guarantor_id: Option<i64>,
    text: &str,
) -> StoreResult<ImportReport> {
    let mut report = ImportReport::default();
    let mut seen = std::collections::HashSet::new();
    for (i, raw) in text.lines().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        let line = match RegistryLine::parse(raw) {
            Ok(l) => l,
            Err(e) => {
                report.rejected.push((i + 1, raw.to_owned(), e.to_string()));
                continue;
            }
        };
        if !seen.insert(line.platform_id.clone()) {
            report.rejected.push((
                i + 1,
                raw.to_owned(),
                format!(
                    "el identificador {} ya apareció antes en el archivo",
                    line.platform_id
                ),
            ));
            continue;
        }
        let existing = tx
            .query_opt(
                "SELECT id, name, status FROM subjects WHERE platform_id = $1",
                params![line.platform_id.as_str()],
            )
            .await?;
        let status = if line.extinct { "extinct" } else { "active" };
        match existing {
            None => {
                let s = create(
                    tx,
                    who,
                    SubjectInput {
                        name: line.name.clone(),
                        guarantor_id,
                        platform_id: Some(line.platform_id.clone()),
                        ..SubjectInput::default()
                    },
                )
                .await?;
                if line.extinct {
                    // The file says it is extinct but not since when.
                    tx.execute(
                        "UPDATE subjects SET status = 'extinct' WHERE id = $1",
                        params![s.id],
                    )
                    .await?;
                    reindex(tx, s.id).await?;
                    audit::append(
                        tx,
                        who,
                        Change {
                            action: "subject.import_update",
                            target_kind: "subject",
                            target_id: s.id.to_string(),
                            public: true,
                            summary: summary! {"status" => ["active", "extinct"]},
                        },
                    )
                    .await?;
                }
                report.added.push(line.name);
            }
            Some(r) => {
                let (id, name, old_status): (i64, String, String) =
                    (r.get(0)?, r.get(1)?, r.get(2)?);
                if name == line.name && old_status == status {
                    report.unchanged += 1;
                    continue;
                }
                tx.execute(
                    "UPDATE subjects SET name = $1, status = $2, updated_at = $3 WHERE id = $4",
                    params![line.name.as_str(), status, crate::now(), id],
                )
                .await?;
                reindex(tx, id).await?;
                audit::append(tx, who, Change {
                    action: "subject.import_update",
                    target_kind: "subject",
                    target_id: id.to_string(),
                    public: true,
                    summary: summary! {"name" => [name, line.name.clone()], "status" => [old_status, status.to_owned()]},
                })
                .await?;
                report.updated.push(line.name);
            }
        }
    }
    Ok(report)
}
