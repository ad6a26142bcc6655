//! Transparency obligations in the database: laws, obligations and versioned formats loaded
//! from framework files; the applicability table per subject; publications, each a version
//! with its content hash, and their records.

use crate::audit::{self, Change, Who};
use crate::db::{Engine, Exec, Row, Tx, Value};
use crate::error::{StoreError, StoreResult};
use crate::{params, summary};
use serde::Serialize;
use std::collections::HashMap;
use tequio_domain::search as norm;
use tequio_domain::subjects::SubjectKind;
use tequio_domain::transparency::acceptance;
use tequio_domain::transparency::framework::{FormatDef, FrameworkFile, LawDef, ObligationDef};
use tequio_domain::transparency::period::{Period, Periodicity};
use tequio_domain::transparency::records::{Record, content_hash};

// ---------------------------------------------------------------------------------------------
// Laws, obligations, formats

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Law {
    pub id: i64,
    pub guarantor_id: i64,
    pub code: String,
    pub name: String,
    pub short_name: String,
    pub description: String,
    pub published_on: Option<String>,
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
    pub source_url: String,
    pub obligation_count: i64,
}

const LAW_SELECT: &str = "SELECT l.id, l.guarantor_id, l.code, l.name, l.short_name, l.description, l.published_on,
    l.valid_from, l.valid_until, l.source_url, (SELECT COUNT(*) FROM obligations o WHERE o.law_id = l.id)
    FROM laws l";

impl Law {
    fn from_row(mut r: Row) -> StoreResult<Law> {
        Ok(Law {
            id: r.take(0)?,
            guarantor_id: r.take(1)?,
            code: r.take(2)?,
            name: r.take(3)?,
            short_name: r.take(4)?,
            description: r.take(5)?,
            published_on: r.take(6)?,
            valid_from: r.take(7)?,
            valid_until: r.take(8)?,
            source_url: r.take(9)?,
            obligation_count: r.take(10)?,
        })
    }
}

pub async fn laws(db: &impl Exec) -> StoreResult<Vec<Law>> {
    db.query(
        &format!("{LAW_SELECT} ORDER BY l.guarantor_id, l.code"),
        params![],
    )
    .await?
    .into_iter()
    .map(Law::from_row)
    .collect()
}

pub async fn law(db: &impl Exec, id: i64) -> StoreResult<Option<Law>> {
    db.query_opt(&format!("{LAW_SELECT} WHERE l.id = $1"), params![id])
        .await?
        .map(Law::from_row)
        .transpose()
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Obligation {
    pub id: i64,
    pub law_id: i64,
    pub code: String,
    pub article: String,
    pub fraction: String,
    pub title: String,
    pub description: String,
    pub periodicity: Periodicity,
    pub deadline_days: i64,
    pub conservation: String,
    /// Subject kinds it applies to; empty means all.
    pub applies_to: Vec<String>,
}

const OBLIGATION_SELECT: &str =
    "SELECT id, law_id, code, article, fraction, title, description, periodicity,
    deadline_days, conservation, applies_to FROM obligations";

fn periodicity(s: &str) -> StoreResult<Periodicity> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|_| StoreError::Decode(format!("unknown periodicity {s}")))
}

impl Obligation {
    fn from_row(mut r: Row) -> StoreResult<Obligation> {
        let applies: String = r.take(10)?;
        Ok(Obligation {
            id: r.take(0)?,
            law_id: r.take(1)?,
            code: r.take(2)?,
            article: r.take(3)?,
            fraction: r.take(4)?,
            title: r.take(5)?,
            description: r.take(6)?,
            periodicity: periodicity(&r.take::<String>(7)?)?,
            deadline_days: r.take(8)?,
            conservation: r.take(9)?,
            applies_to: applies
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        })
    }

    pub fn applies_to_kind(&self, kind: SubjectKind) -> bool {
        self.applies_to.is_empty() || self.applies_to.iter().any(|k| k == kind.as_str())
    }

    /// "Art. 70, fr. VIII"
    pub fn reference(&self) -> String {
        if self.fraction.is_empty() {
            format!("Art. {}", self.article)
        } else {
            format!("Art. {}, fr. {}", self.article, self.fraction)
        }
    }
}

pub async fn obligations(db: &impl Exec, law_id: i64) -> StoreResult<Vec<Obligation>> {
    db.query(
        &format!("{OBLIGATION_SELECT} WHERE law_id = $1 ORDER BY position"),
        params![law_id],
    )
    .await?
    .into_iter()
    .map(Obligation::from_row)
    .collect()
}

pub async fn obligation(db: &impl Exec, id: i64) -> StoreResult<Option<Obligation>> {
    db.query_opt(&format!("{OBLIGATION_SELECT} WHERE id = $1"), params![id])
        .await?
        .map(Obligation::from_row)
        .transpose()
}

/// Finds an obligation by its code (`70-VIII`) among the laws of a guarantor.
pub async fn obligation_by_code(
    db: &impl Exec,
    guarantor_id: i64,
    code: &str,
) -> StoreResult<Option<Obligation>> {
    db.query_opt(
        &format!(
            "{OBLIGATION_SELECT} WHERE code = $1 AND law_id IN (SELECT id FROM laws WHERE guarantor_id = $2)
             ORDER BY id DESC LIMIT 1"
        ),
        params![code, guarantor_id],
    )
    .await?
    .map(Obligation::from_row)
    .transpose()
}

/// A version of a format.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Format {
    pub id: i64,
    pub obligation_id: i64,
    pub code: String,
    pub version: i64,
    pub created_at: String,
    pub def: FormatDef,
}

const FORMAT_SELECT: &str =
    "SELECT id, obligation_id, code, version, created_at, definition FROM formats";

impl Format {
    fn from_row(mut r: Row) -> StoreResult<Format> {
        let json: String = r.take(5)?;
        Ok(Format {
            id: r.take(0)?,
            obligation_id: r.take(1)?,
            code: r.take(2)?,
            version: r.take(3)?,
            created_at: r.take(4)?,
            def: serde_json::from_str(&json)
                .map_err(|e| StoreError::Decode(format!("format definition: {e}")))?,
        })
    }
}

pub async fn format(db: &impl Exec, id: i64) -> StoreResult<Option<Format>> {
    db.query_opt(&format!("{FORMAT_SELECT} WHERE id = $1"), params![id])
        .await?
        .map(Format::from_row)
        .transpose()
}

/// The latest version of each format of an obligation, in the framework's order.
pub async fn current_formats(db: &impl Exec, obligation_id: i64) -> StoreResult<Vec<Format>> {
    db.query(
        &format!(
            "{FORMAT_SELECT} f WHERE obligation_id = $1 AND version =
               (SELECT MAX(version) FROM formats g WHERE g.obligation_id = f.obligation_id AND g.code = f.code)
             ORDER BY id"
        ),
        params![obligation_id],
    )
    .await?
    .into_iter()
    .map(Format::from_row)
    .collect()
}

/// Every version of one format, newest first.
pub async fn format_versions(
    db: &impl Exec,
    obligation_id: i64,
    code: &str,
) -> StoreResult<Vec<Format>> {
    db.query(
        &format!("{FORMAT_SELECT} WHERE obligation_id = $1 AND code = $2 ORDER BY version DESC"),
        params![obligation_id, code],
    )
    .await?
    .into_iter()
    .map(Format::from_row)
    .collect()
}

/// What loading a framework file changed.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct FrameworkReport {
    pub law_id: i64,
    pub obligations_added: usize,
    pub obligations_updated: usize,
    pub formats_added: usize,
    /// Formats whose definition changed: a new version was made.
    pub formats_new_version: usize,
    pub formats_unchanged: usize,
}

/// Loads (or reloads) a framework file for a guarantor. Obligations are matched by code;
/// a format whose definition changed gets a new version, and old publications keep theirs.
pub async fn import_framework(
    tx: &Tx,
    who: &Who,
    guarantor_id: i64,
    file: &FrameworkFile,
) -> StoreResult<FrameworkReport> {
    let problems = file.problems();
    if !problems.is_empty() {
        return Err(StoreError::Invalid(format!(
            "framework: {}",
            problems.join("; ")
        )));
    }
    let now = crate::now();
    let law = &file.law;
    let law_id: i64 = tx
        .query_one(
            "INSERT INTO laws (guarantor_id, code, name, short_name, description, published_on, valid_from,
                valid_until, source_url, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
             ON CONFLICT (guarantor_id, code) DO UPDATE SET name = excluded.name, short_name = excluded.short_name,
                description = excluded.description, published_on = excluded.published_on,
                valid_from = excluded.valid_from, valid_until = excluded.valid_until,
                source_url = excluded.source_url, updated_at = excluded.updated_at
             RETURNING id",
            params![
                guarantor_id, law.code.as_str(), law.name.as_str(), law.short_name.as_str(), law.description.as_str(),
                law.published_on.clone(), law.valid_from.clone(), law.valid_until.clone(), law.source_url.as_str(), now.as_str()
            ],
        )
        .await?
        .get(0)?;
    let mut report = FrameworkReport {
        law_id,
        ..FrameworkReport::default()
    };
    let existing: HashMap<String, Obligation> = obligations(tx, law_id)
        .await?
        .into_iter()
        .map(|o| (o.code.clone(), o))
        .collect();
    for (position, ob) in file.obligations.iter().enumerate() {
        let applies = ob.applies_to.join(",");
        let obligation_id: i64 = tx
            .query_one(
                "INSERT INTO obligations (law_id, code, article, fraction, title, description, periodicity,
                    deadline_days, conservation, applies_to, position, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
                 ON CONFLICT (law_id, code) DO UPDATE SET article = excluded.article, fraction = excluded.fraction,
                    title = excluded.title, description = excluded.description, periodicity = excluded.periodicity,
                    deadline_days = excluded.deadline_days, conservation = excluded.conservation,
                    applies_to = excluded.applies_to, position = excluded.position, updated_at = excluded.updated_at
                 RETURNING id",
                params![
                    law_id, ob.code.as_str(), ob.article.as_str(), ob.fraction.as_str(), ob.title.as_str(),
                    ob.description.as_str(), ob.periodicity.as_str(), i64::from(ob.deadline_days),
                    ob.conservation.as_str(), applies, i64::try_from(position).unwrap_or(0), now.as_str()
                ],
            )
            .await?
            .get(0)?;
        match existing.get(&ob.code) {
            None => report.obligations_added += 1,
            Some(before) if obligation_changed(before, ob) => report.obligations_updated += 1,
            Some(_) => {}
        }
        for def in &ob.formats {
            match save_format_version(tx, who, obligation_id, def).await? {
                FormatSaved::New => report.formats_added += 1,
                FormatSaved::NewVersion => report.formats_new_version += 1,
                FormatSaved::Unchanged => report.formats_unchanged += 1,
            }
        }
    }
    let changed = report.obligations_added
        + report.obligations_updated
        + report.formats_added
        + report.formats_new_version;
    if changed == 0 {
        // Reloading the same file is not an event worth a log entry.
        return Ok(report);
    }
    audit::append(
        tx,
        who,
        Change {
            action: "framework.import",
            target_kind: "law",
            target_id: law_id.to_string(),
            public: true,
            summary: summary! {
                "law" => law.code, "obligations_added" => report.obligations_added,
                "obligations_updated" => report.obligations_updated, "formats_added" => report.formats_added,
                "formats_new_version" => report.formats_new_version,
            },
        },
    )
    .await?;
    Ok(report)
}

fn obligation_changed(before: &Obligation, ob: &ObligationDef) -> bool {
    before.title != ob.title
        || before.article != ob.article
        || before.fraction != ob.fraction
        || before.description != ob.description
        || before.periodicity != ob.periodicity
        || before.deadline_days != i64::from(ob.deadline_days)
        || before.conservation != ob.conservation
        || before.applies_to != ob.applies_to
}

enum FormatSaved {
    New,
    NewVersion,
    Unchanged,
}

async fn save_format_version(
    tx: &Tx,
    who: &Who,
    obligation_id: i64,
    def: &FormatDef,
) -> StoreResult<FormatSaved> {
    let latest = tx
        .query_opt(
            "SELECT version, definition FROM formats WHERE obligation_id = $1 AND code = $2
             ORDER BY version DESC LIMIT 1",
            params![obligation_id, def.code.as_str()],
        )
        .await?;
    let definition = def.definition_json();
    let (version, outcome) = match latest {
        None => (1, FormatSaved::New),
        Some(r) if r.get::<String>(1)? == definition => return Ok(FormatSaved::Unchanged),
        Some(r) => (r.get::<i64>(0)? + 1, FormatSaved::NewVersion),
    };
    tx.execute(
        "INSERT INTO formats (obligation_id, code, version, title, status, definition, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        params![
            obligation_id, def.code.as_str(), version, def.title.as_str(),
            serde_json::to_value(def.status).ok().and_then(|v| v.as_str().map(str::to_owned)),
            definition, who.user_id, crate::now()
        ],
    )
    .await?;
    Ok(outcome)
}

/// Saves an edited format as its next version (the admin's editor). Refuses a definition
/// with problems, or one that changes the format's code.
pub async fn save_format(
    tx: &Tx,
    who: &Who,
    obligation_id: i64,
    def: &FormatDef,
) -> StoreResult<Format> {
    let mut problems = Vec::new();
    let wrapper = FrameworkFile {
        tequio_framework: tequio_domain::transparency::framework::FILE_VERSION,
        law: LawDef {
            code: "x".into(),
            name: "x".into(),
            short_name: String::new(),
            description: String::new(),
            published_on: None,
            valid_from: None,
            valid_until: None,
            source_url: String::new(),
        },
        obligations: vec![ObligationDef {
            code: "x".into(),
            article: "x".into(),
            fraction: String::new(),
            title: "x".into(),
            description: String::new(),
            periodicity: Periodicity::Quarterly,
            deadline_days: 0,
            conservation: String::new(),
            applies_to: Vec::new(),
            formats: vec![def.clone()],
        }],
    };
    for p in wrapper.problems() {
        problems.push(p.replace("obligations[0] (x).formats[0]", "formato"));
    }
    if !problems.is_empty() {
        return Err(StoreError::Invalid(format!(
            "definition: {}",
            problems.join("; ")
        )));
    }
    if format_versions(tx, obligation_id, &def.code)
        .await?
        .is_empty()
    {
        return Err(StoreError::Invalid(format!(
            "code: la obligación no tiene un formato «{}»",
            def.code
        )));
    }
    save_format_version(tx, who, obligation_id, def).await?;
    let saved = format_versions(tx, obligation_id, &def.code)
        .await?
        .into_iter()
        .next()
        .ok_or(StoreError::NotFound)?;
    audit::append(
        tx,
        who,
        Change {
            action: "format.version",
            target_kind: "format",
            target_id: saved.id.to_string(),
            public: true,
            summary: summary! { "obligation_id" => obligation_id, "code" => def.code, "version" => saved.version },
        },
    )
    .await?;
    Ok(saved)
}

/// The framework file of a law: its obligations with the latest version of each format.
pub async fn export_framework(db: &impl Exec, law_id: i64) -> StoreResult<FrameworkFile> {
    let law = law(db, law_id).await?.ok_or(StoreError::NotFound)?;
    let mut out = Vec::new();
    for ob in obligations(db, law_id).await? {
        let formats = current_formats(db, ob.id)
            .await?
            .into_iter()
            .map(|f| f.def)
            .collect();
        out.push(ObligationDef {
            code: ob.code,
            article: ob.article,
            fraction: ob.fraction,
            title: ob.title,
            description: ob.description,
            periodicity: ob.periodicity,
            deadline_days: u32::try_from(ob.deadline_days).unwrap_or(0),
            conservation: ob.conservation,
            applies_to: ob.applies_to,
            formats,
        });
    }
    Ok(FrameworkFile {
        tequio_framework: tequio_domain::transparency::framework::FILE_VERSION,
        law: LawDef {
            code: law.code,
            name: law.name,
            short_name: law.short_name,
            description: law.description,
            published_on: law.published_on,
            valid_from: law.valid_from,
            valid_until: law.valid_until,
            source_url: law.source_url,
        },
        obligations: out,
    })
}

// ---------------------------------------------------------------------------------------------
// Applicability

/// Whether an obligation applies to a subject, and why not when it does not.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Applicability {
    pub obligation: Obligation,
    pub applies: bool,
    pub reason: String,
    /// True when an admin decided it; false when it follows from the law and the subject's kind.
    pub decided: bool,
    pub decided_at: Option<String>,
}

/// The applicability table of a subject: every obligation of its guarantor's laws.
pub async fn applicability(db: &impl Exec, subject_id: i64) -> StoreResult<Vec<Applicability>> {
    let subject = crate::subjects::get(db, subject_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let Some(guarantor_id) = subject.guarantor_id else {
        return Ok(Vec::new());
    };
    let decisions: HashMap<i64, (bool, String, String)> = db
        .query(
            "SELECT obligation_id, applies, reason, decided_at FROM applicability WHERE subject_id = $1",
            params![subject_id],
        )
        .await?
        .into_iter()
        .map(|mut r| Ok((r.take(0)?, (r.take(1)?, r.take(2)?, r.take(3)?))))
        .collect::<StoreResult<_>>()?;
    let rows = db
        .query(
            &format!(
                "{OBLIGATION_SELECT} WHERE law_id IN (SELECT id FROM laws WHERE guarantor_id = $1)
                 ORDER BY law_id, position"
            ),
            params![guarantor_id],
        )
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let ob = Obligation::from_row(r)?;
        let entry = match decisions.get(&ob.id) {
            Some((applies, reason, at)) => Applicability {
                applies: *applies,
                reason: reason.clone(),
                decided: true,
                decided_at: Some(at.clone()),
                obligation: ob,
            },
            None => {
                let applies = ob.applies_to_kind(subject.kind);
                Applicability {
                    applies,
                    reason: if applies {
                        String::new()
                    } else {
                        "La ley no la prevé para este tipo de sujeto obligado.".into()
                    },
                    decided: false,
                    decided_at: None,
                    obligation: ob,
                }
            }
        };
        out.push(entry);
    }
    Ok(out)
}

/// Records an admin's decision on whether an obligation applies to a subject. A "does not
/// apply" needs its reason. The log keeps the history.
pub async fn set_applicability(
    tx: &Tx,
    who: &Who,
    subject_id: i64,
    obligation_id: i64,
    applies: bool,
    reason: &str,
) -> StoreResult<()> {
    let reason = reason.trim();
    if !applies && reason.is_empty() {
        return Err(StoreError::Invalid(
            "reason: diga por qué la obligación no aplica".into(),
        ));
    }
    let table = applicability(tx, subject_id).await?;
    let before = table
        .iter()
        .find(|a| a.obligation.id == obligation_id)
        .ok_or_else(|| {
            StoreError::Invalid(
                "obligation_id: la obligación no es de la ley del garante del sujeto".into(),
            )
        })?;
    let code = before.obligation.code.clone();
    let was = before.applies;
    tx.execute(
        "INSERT INTO applicability (subject_id, obligation_id, applies, reason, decided_by, decided_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (subject_id, obligation_id) DO UPDATE SET applies = excluded.applies,
            reason = excluded.reason, decided_by = excluded.decided_by, decided_at = excluded.decided_at",
        params![subject_id, obligation_id, applies, reason, who.user_id, crate::now()],
    )
    .await?;
    audit::append(
        tx,
        who,
        Change {
            action: "applicability.set",
            target_kind: "subject",
            target_id: subject_id.to_string(),
            public: true,
            summary: summary! { "obligation" => code, "applied_before" => was, "applies" => applies, "reason" => reason },
        },
    )
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Publications

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Publication {
    pub id: i64,
    pub subject_id: i64,
    pub obligation_id: i64,
    pub format_id: i64,
    pub format_code: String,
    pub format_version: i64,
    pub period: String,
    pub period_start: String,
    pub period_end: String,
    pub version: i64,
    pub is_current: bool,
    /// SHA-256 of the canonical form of the records (see `docs/PUBLICATIONS.md`).
    pub content_hash: String,
    pub record_count: i64,
    pub sub_row_count: i64,
    pub source_name: String,
    pub source_kind: String,
    pub note: String,
    pub published_by: String,
    pub published_at: String,
    pub superseded_at: Option<String>,
}

const PUBLICATION_SELECT: &str = "SELECT p.id, p.subject_id, p.obligation_id, p.format_id, p.format_code,
    f.version, p.period, p.period_start, p.period_end, p.version, p.is_current, p.content_hash, p.record_count,
    p.sub_row_count, p.source_name, p.source_kind, p.note, p.published_by_label, p.published_at, p.superseded_at
    FROM publications p JOIN formats f ON f.id = p.format_id";

impl Publication {
    fn from_row(mut r: Row) -> StoreResult<Publication> {
        Ok(Publication {
            id: r.take(0)?,
            subject_id: r.take(1)?,
            obligation_id: r.take(2)?,
            format_id: r.take(3)?,
            format_code: r.take(4)?,
            format_version: r.take(5)?,
            period: r.take(6)?,
            period_start: r.take(7)?,
            period_end: r.take(8)?,
            version: r.take(9)?,
            is_current: r.take(10)?,
            content_hash: r.take(11)?,
            record_count: r.take(12)?,
            sub_row_count: r.take(13)?,
            source_name: r.take(14)?,
            source_kind: r.take(15)?,
            note: r.take(16)?,
            published_by: r.take(17)?,
            published_at: r.take(18)?,
            superseded_at: r.take(19)?,
        })
    }
}

pub async fn publication(db: &impl Exec, id: i64) -> StoreResult<Option<Publication>> {
    db.query_opt(
        &format!("{PUBLICATION_SELECT} WHERE p.id = $1"),
        params![id],
    )
    .await?
    .map(Publication::from_row)
    .transpose()
}

/// Every version of every period of a subject's obligation, newest period and version first.
pub async fn publications(
    db: &impl Exec,
    subject_id: i64,
    obligation_id: i64,
) -> StoreResult<Vec<Publication>> {
    db.query(
        &format!(
            "{PUBLICATION_SELECT} WHERE p.subject_id = $1 AND p.obligation_id = $2
             ORDER BY p.period_start DESC, p.format_code, p.version DESC"
        ),
        params![subject_id, obligation_id],
    )
    .await?
    .into_iter()
    .map(Publication::from_row)
    .collect()
}

/// A recent publication as the home page lists it.
#[derive(Debug, Clone)]
pub struct RecentPublication {
    pub id: i64,
    pub subject_id: i64,
    pub subject_name: String,
    pub obligation_title: String,
    pub period: String,
    pub published_at: String,
}

/// The newest current publications, newest first (one query).
pub async fn recent_publications(
    db: &impl Exec,
    limit: i64,
) -> StoreResult<Vec<RecentPublication>> {
    db.query(
        "SELECT p.id, p.subject_id, s.name, o.title, p.period, p.published_at
         FROM publications p JOIN subjects s ON s.id = p.subject_id
         JOIN obligations o ON o.id = p.obligation_id
         WHERE p.is_current = $1 ORDER BY p.published_at DESC, p.id DESC LIMIT $2",
        params![true, limit],
    )
    .await?
    .into_iter()
    .map(|mut r| {
        Ok(RecentPublication {
            id: r.take(0)?,
            subject_id: r.take(1)?,
            subject_name: r.take(2)?,
            obligation_title: r.take(3)?,
            period: r.take(4)?,
            published_at: r.take(5)?,
        })
    })
    .collect()
}

/// How much is published, for the home page: current publications, the subjects that have
/// at least one, and the active subjects there are.
#[derive(Debug, Clone, Copy, Default)]
pub struct PublishingSummary {
    pub current_publications: i64,
    pub publishing_subjects: i64,
    pub active_subjects: i64,
}

pub async fn publishing_summary(db: &impl Exec) -> StoreResult<PublishingSummary> {
    let mut r = db
        .query_one(
            "SELECT (SELECT COUNT(*) FROM publications WHERE is_current = $1),
                    (SELECT COUNT(DISTINCT subject_id) FROM publications WHERE is_current = $1),
                    (SELECT COUNT(*) FROM subjects WHERE status = 'active')",
            params![true],
        )
        .await?;
    Ok(PublishingSummary {
        current_publications: r.take(0)?,
        publishing_subjects: r.take(1)?,
        active_subjects: r.take(2)?,
    })
}

/// For each obligation of a law that some subject publishes: how many subjects have a current
/// publication of it (one grouped query).
pub async fn publishing_subjects_by_obligation(
    db: &impl Exec,
    law_id: i64,
) -> StoreResult<HashMap<i64, i64>> {
    db.query(
        "SELECT p.obligation_id, COUNT(DISTINCT p.subject_id) FROM publications p
         JOIN obligations o ON o.id = p.obligation_id
         WHERE o.law_id = $1 AND p.is_current = $2 GROUP BY p.obligation_id",
        params![law_id, true],
    )
    .await?
    .into_iter()
    .map(|mut r| Ok((r.take(0)?, r.take(1)?)))
    .collect()
}

/// How many publications are current (one per subject, obligation, format and period).
pub async fn count_current_publications(db: &impl Exec) -> StoreResult<i64> {
    db.query_one(
        "SELECT COUNT(*) FROM publications WHERE is_current = $1",
        params![true],
    )
    .await?
    .get(0)
}

/// A slice of the current publications' ids and publication times, oldest first (the
/// sitemap reads them in pages).
pub async fn current_publication_ids(
    db: &impl Exec,
    offset: i64,
    limit: i64,
) -> StoreResult<Vec<(i64, String)>> {
    db.query(
        "SELECT id, published_at FROM publications WHERE is_current = $1 ORDER BY id LIMIT $2 OFFSET $3",
        params![true, limit, offset],
    )
    .await?
    .into_iter()
    .map(|mut r| Ok((r.take(0)?, r.take(1)?)))
    .collect()
}

/// The current version of one period.
pub async fn current_publication(
    db: &impl Exec,
    subject_id: i64,
    obligation_id: i64,
    format_code: &str,
    period: &str,
) -> StoreResult<Option<Publication>> {
    db.query_opt(
        &format!(
            "{PUBLICATION_SELECT} WHERE p.subject_id = $1 AND p.obligation_id = $2 AND p.format_code = $3
               AND p.period = $4 AND p.is_current = $5"
        ),
        params![subject_id, obligation_id, format_code, period, true],
    )
    .await?
    .map(Publication::from_row)
    .transpose()
}

/// The current versions of every period published with a format of one of these codes, by
/// subject and period (the procurement export reads formats 28a and 28b), with the subject's
/// name.
pub async fn current_publications_of_formats(
    db: &impl Exec,
    codes: &[&str],
) -> StoreResult<Vec<(Publication, String)>> {
    let mut out = Vec::new();
    for code in codes {
        let rows = db
            .query(
                &format!(
                    "SELECT q.*, s.name FROM ({PUBLICATION_SELECT} WHERE p.format_code = $1 AND p.is_current = $2) q
                     JOIN subjects s ON s.id = q.subject_id ORDER BY q.subject_id, q.period_start"
                ),
                params![*code, true],
            )
            .await?;
        for mut r in rows {
            let name: String = r.take(20)?;
            out.push((Publication::from_row(r)?, name));
        }
    }
    Ok(out)
}

/// The latest current publication of each obligation of a subject (for its obligations page).
pub async fn latest_by_obligation(
    db: &impl Exec,
    subject_id: i64,
) -> StoreResult<HashMap<i64, Publication>> {
    let rows = db
        .query(
            &format!(
                "{PUBLICATION_SELECT} WHERE p.subject_id = $1 AND p.is_current = $2
                 ORDER BY p.obligation_id, p.period_start DESC"
            ),
            params![subject_id, true],
        )
        .await?;
    let mut out = HashMap::new();
    for r in rows {
        let p = Publication::from_row(r)?;
        out.entry(p.obligation_id).or_insert(p);
    }
    Ok(out)
}

/// What is being published.
#[derive(Debug, Clone)]
pub struct NewPublication<'a> {
    pub subject_id: i64,
    pub obligation: &'a Obligation,
    pub format: &'a Format,
    pub period: Period,
    pub source_name: &'a str,
    pub source_kind: &'a str,
    pub note: &'a str,
    /// The day the publication is made (periods must have closed by then).
    pub today: tequio_domain::transparency::period::Date,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Published {
    /// A new version was saved.
    New(Publication),
    /// The content is the same as the current version's: nothing was saved.
    Unchanged(Publication),
}

impl Published {
    pub fn publication(&self) -> &Publication {
        match self {
            Published::New(p) | Published::Unchanged(p) => p,
        }
    }
}

/// Publishes records as the next version of (subject, obligation, format, period), all or
/// nothing: the previous version stops being current, its records leave the search index,
/// and the log records who published what. The records must already have been checked
/// against `format` (see `tequio_domain::transparency::import`).
pub async fn publish(
    tx: &Tx,
    who: &Who,
    new: &NewPublication<'_>,
    records: &[Record],
) -> StoreResult<Published> {
    let subject = crate::subjects::get(tx, new.subject_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let applies = applicability(tx, new.subject_id)
        .await?
        .into_iter()
        .find(|a| a.obligation.id == new.obligation.id);
    acceptance::check(&acceptance::Facts {
        subject_active: subject.status == "active",
        format_is_obligations: new.format.obligation_id == new.obligation.id,
        applicability: applies.as_ref().map(|a| (a.applies, a.reason.as_str())),
        obligation_code: &new.obligation.code,
        periodicity: new.obligation.periodicity,
        period: new.period,
        today: new.today,
        record_count: records.len(),
    })
    .map_err(|r| StoreError::Invalid(r.to_string()))?;
    let def = &new.format.def;
    let hash = content_hash(def, par_map(records, |r| r.digest(def)));
    let code = new.format.code.as_str();
    let period = new.period.code();
    let current = current_publication(tx, new.subject_id, new.obligation.id, code, &period).await?;
    if let Some(c) = current
        .as_ref()
        .filter(|c| c.content_hash == hash && c.format_id == new.format.id)
    {
        return Ok(Published::Unchanged(c.clone()));
    }
    let now = crate::now();
    if let Some(c) = &current {
        tx.execute(
            "UPDATE publications SET is_current = $1, superseded_at = $2 WHERE id = $3",
            params![false, now.as_str(), c.id],
        )
        .await?;
        unindex_records(tx, c.id).await?;
    }
    // Versions are numbered per period, whatever the format version.
    let version = max_version(tx, new, &period).await? + 1;
    let sub_rows: usize = records.iter().map(Record::sub_row_count).sum();
    let id: i64 = tx
        .query_one(
            "INSERT INTO publications (subject_id, obligation_id, format_id, format_code, period, period_start,
                period_end, version, is_current, content_hash, record_count, sub_row_count, source_name, source_kind,
                note, published_by, published_by_label, published_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id",
            params![
                new.subject_id, new.obligation.id, new.format.id, code, period.as_str(),
                new.period.start().to_string(), new.period.end().to_string(), version, true, hash.as_str(),
                i64::try_from(records.len()).unwrap_or(i64::MAX), i64::try_from(sub_rows).unwrap_or(i64::MAX),
                new.source_name, new.source_kind, new.note, who.user_id, who.label.as_str(), now.as_str()
            ],
        )
        .await?
        .get(0)?;
    insert_records(tx, id, def, records).await?;
    let saved = publication(tx, id).await?.ok_or(StoreError::NotFound)?;
    let ob = new.obligation;
    let entry = crate::catalog::PublicationEntry {
        obligation_id: ob.id,
        obligation_code: &ob.code,
        reference: ob.reference(),
        title: &ob.title,
        description: &ob.description,
        periodicity: ob.periodicity,
        id: saved.id,
        subject_id: saved.subject_id,
        format_code: &saved.format_code,
        period: &saved.period,
        version: saved.version,
        record_count: saved.record_count,
        content_hash: &saved.content_hash,
    };
    crate::catalog::sync_publication(tx, &entry).await?;
    audit::append(
        tx,
        who,
        Change {
            action: "publication.publish",
            target_kind: "publication",
            target_id: id.to_string(),
            public: true,
            summary: summary! {
                "subject_id" => new.subject_id, "obligation" => new.obligation.code, "format" => code,
                "format_version" => new.format.version, "period" => period, "version" => version,
                "records" => records.len(), "content_hash" => hash,
                "replaces" => current.as_ref().map(|c| c.id),
            },
        },
    )
    .await?;
    Ok(Published::New(saved))
}

async fn max_version(tx: &Tx, new: &NewPublication<'_>, period: &str) -> StoreResult<i64> {
    tx.query_one(
        "SELECT COALESCE(MAX(version), 0) FROM publications
             WHERE subject_id = $1 AND obligation_id = $2 AND format_code = $3 AND period = $4",
        params![
            new.subject_id,
            new.obligation.id,
            new.format.code.as_str(),
            period
        ],
    )
    .await?
    .get(0)
}

/// Inserts the records with one prepared statement per engine, feeding the full-text index
/// in the same pass (no per-row trigger).
async fn insert_records(
    tx: &Tx,
    publication_id: i64,
    def: &FormatDef,
    records: &[Record],
) -> StoreResult<()> {
    // Rows are prepared (stored JSON, search text, index terms) on every core a chunk at a
    // time, then inserted in order with one prepared statement.
    const CHUNK: usize = 20_000;
    let sqls: &[&str] = match tx.engine() {
        Engine::Sqlite => &[
            "INSERT INTO records (publication_id, position, source_id, data, search_text)
             VALUES ($1, $2, $3, $4, $5)",
            "INSERT INTO records_fts (rowid, search_text) VALUES (last_insert_rowid(), $6)",
        ],
        Engine::Postgres => &[
            "INSERT INTO records (publication_id, position, source_id, data, search_text, tsv)
             VALUES ($1, $2, $3, $4, $5, to_tsvector('simple', $6))",
        ],
    };
    for (c, chunk) in records.chunks(CHUNK).enumerate() {
        let first = c * CHUNK;
        let positions: Vec<usize> = (first..first + chunk.len()).collect();
        let rows = par_map(&positions, |&i| {
            let r = &records[i];
            let raw = r.search_text(def);
            let indexed = norm::index_text(&raw);
            vec![
                Value::Int(publication_id),
                Value::Int(i64::try_from(i).unwrap_or(i64::MAX)),
                Value::Text(r.source_id.clone()),
                Value::Text(r.to_json()),
                Value::Text(raw),
                Value::Text(indexed),
            ]
        });
        tx.execute_each(sqls, &mut rows.into_iter()).await?;
    }
    Ok(())
}

/// Maps `items` with `f` on every core (in order); small inputs stay on this thread.
fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    if threads < 2 || items.len() < 4096 {
        return items.iter().map(f).collect();
    }
    let per = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|s| {
        let parts: Vec<_> = items
            .chunks(per)
            .map(|part| s.spawn(move || part.iter().map(f).collect::<Vec<R>>()))
            .collect();
        parts
            .into_iter()
            // A panic in a worker is re-raised here: never a silently shorter result.
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// Takes a superseded version's records out of the full-text index (they stay readable).
async fn unindex_records(tx: &Tx, publication_id: i64) -> StoreResult<()> {
    let sql = match tx.engine() {
        Engine::Sqlite => {
            "DELETE FROM records_fts WHERE rowid IN (SELECT id FROM records WHERE publication_id = $1)"
        }
        Engine::Postgres => "UPDATE records SET tsv = NULL WHERE publication_id = $1",
    };
    tx.execute(sql, params![publication_id]).await?;
    Ok(())
}

/// A stored record with its place.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    pub id: i64,
    pub publication_id: i64,
    pub position: i64,
    pub record: Record,
}

fn stored_record(mut r: Row) -> StoreResult<StoredRecord> {
    let id: i64 = r.take(0)?;
    let position: i64 = r.take(2)?;
    let source_id: String = r.take(3)?;
    let data: String = r.take(4)?;
    let record = Record::from_json(source_id, usize::try_from(position + 1).unwrap_or(0), &data)
        .ok_or_else(|| StoreError::Decode(format!("record {id}: bad data")))?;
    Ok(StoredRecord {
        id,
        publication_id: r.take(1)?,
        position,
        record,
    })
}

/// Records of a publication in order, `limit` from position `after` (exclusive; -1 for the
/// start): keyset paging, so reading a million records stays linear.
pub async fn records_after(
    db: &impl Exec,
    publication_id: i64,
    after: i64,
    limit: i64,
) -> StoreResult<Vec<StoredRecord>> {
    db.query(
        "SELECT id, publication_id, position, source_id, data FROM records
         WHERE publication_id = $1 AND position > $2 ORDER BY position LIMIT $3",
        params![publication_id, after, limit],
    )
    .await?
    .into_iter()
    .map(stored_record)
    .collect()
}

pub async fn record(db: &impl Exec, id: i64) -> StoreResult<Option<StoredRecord>> {
    db.query_opt(
        "SELECT id, publication_id, position, source_id, data FROM records WHERE id = $1",
        params![id],
    )
    .await?
    .map(stored_record)
    .transpose()
}

/// Every record of a publication (for checks, diffs and exports of small publications).
pub async fn all_records(db: &impl Exec, publication_id: i64) -> StoreResult<Vec<Record>> {
    let mut out = Vec::new();
    let mut after = -1;
    loop {
        let page = records_after(db, publication_id, after, 5000).await?;
        let Some(last) = page.last() else { break };
        after = last.position;
        out.extend(page.into_iter().map(|s| s.record));
    }
    Ok(out)
}

/// The content hash of a publication recomputed from its stored records.
pub async fn recompute_hash(db: &impl Exec, publication_id: i64) -> StoreResult<String> {
    let p = publication(db, publication_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let f = format(db, p.format_id).await?.ok_or(StoreError::NotFound)?;
    let records = all_records(db, publication_id).await?;
    Ok(content_hash(
        &f.def,
        records.iter().map(|r| r.digest(&f.def)).collect(),
    ))
}

/// How two versions differ: records only in the older one and records only in the newer one
/// (a changed record appears in both lists).
#[derive(Debug, Clone, Default)]
pub struct Diff {
    pub removed: Vec<Record>,
    pub added: Vec<Record>,
    pub unchanged: usize,
}

pub async fn diff(db: &impl Exec, older: &Publication, newer: &Publication) -> StoreResult<Diff> {
    let fo = format(db, older.format_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let fnew = format(db, newer.format_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let old_records = all_records(db, older.id).await?;
    let new_records = all_records(db, newer.id).await?;
    let mut old_digests: HashMap<[u8; 32], usize> = HashMap::new();
    for r in &old_records {
        *old_digests.entry(r.digest(&fo.def)).or_default() += 1;
    }
    let mut out = Diff::default();
    for r in new_records {
        let d = r.digest(&fnew.def);
        match old_digests.get_mut(&d) {
            Some(n) if *n > 0 => {
                *n -= 1;
                out.unchanged += 1;
            }
            _ => out.added.push(r),
        }
    }
    for r in old_records {
        let d = r.digest(&fo.def);
        if let Some(n) = old_digests.get_mut(&d)
            && *n > 0
        {
            *n -= 1;
            out.removed.push(r);
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Record search

/// One record found by full-text search.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RecordHit {
    pub record_id: i64,
    pub publication_id: i64,
    pub subject_id: i64,
    pub subject_name: String,
    pub obligation_code: String,
    pub obligation_title: String,
    pub period: String,
    pub text: String,
    pub score: usize,
}

/// Full-text search over the records of current publications. At most
/// [`crate::search::MAX_CANDIDATES`] matches are ranked, which bounds the cost of very
/// common words; `subject_id` and `publication_id` narrow it.
pub async fn search_records(
    db: &impl Exec,
    text: &str,
    subject_id: Option<i64>,
    publication_id: Option<i64>,
) -> StoreResult<(Vec<String>, Vec<RecordHit>)> {
    let terms = norm::query_terms(text, crate::search::MAX_QUERY_TERMS);
    if terms.is_empty() {
        return Ok((terms, Vec::new()));
    }
    let engine = db.engine();
    // The matches, at most MAX_CANDIDATES. Unfiltered, the full-text index stops after that
    // many (a word found in most records costs no more than a rare one); filtered by subject
    // or publication, the filter applies first.
    let matches = match (engine, subject_id.is_some() || publication_id.is_some()) {
        (Engine::Sqlite, false) => {
            "SELECT rowid AS id FROM records_fts WHERE records_fts MATCH $1 LIMIT $4"
        }
        (Engine::Postgres, false) => {
            "SELECT id FROM records WHERE tsv @@ to_tsquery('simple', $1) LIMIT $4"
        }
        (Engine::Sqlite, true) => "SELECT rowid AS id FROM records_fts WHERE records_fts MATCH $1",
        (Engine::Postgres, true) => "SELECT id FROM records WHERE tsv @@ to_tsquery('simple', $1)",
    };
    let rows = db
        .query(
            &format!(
                "SELECT r.id, r.publication_id, p.subject_id, s.name, o.code, o.title, p.period, r.search_text
                 FROM ({matches}) m JOIN records r ON r.id = m.id JOIN publications p ON p.id = r.publication_id
                 JOIN subjects s ON s.id = p.subject_id JOIN obligations o ON o.id = p.obligation_id
                 WHERE ($2 = 0 OR p.subject_id = $2) AND ($3 = 0 OR r.publication_id = $3)
                 LIMIT $4"
            ),
            &[
                Value::Text(crate::search::match_expression(engine, &terms)),
                Value::Int(subject_id.unwrap_or(0)),
                Value::Int(publication_id.unwrap_or(0)),
                Value::Int(crate::search::MAX_CANDIDATES),
            ],
        )
        .await?;
    let mut hits = Vec::with_capacity(rows.len());
    for mut r in rows {
        let text: String = r.take(7)?;
        let words = norm::index_text(&text);
        // More of the query's terms, more often, in a shorter text ranks higher.
        let matched = terms
            .iter()
            .filter(|t| words.split(' ').any(|w| w == t.as_str()))
            .count();
        let occurrences = words
            .split(' ')
            .filter(|w| terms.iter().any(|t| t == w))
            .count();
        let length = words.split(' ').count();
        let score =
            matched * 1000 + occurrences.min(20) * 20 + 20usize.saturating_sub(length.min(20));
        hits.push(RecordHit {
            record_id: r.take(0)?,
            publication_id: r.take(1)?,
            subject_id: r.take(2)?,
            subject_name: r.take(3)?,
            obligation_code: r.take(4)?,
            obligation_title: r.take(5)?,
            period: r.take(6)?,
            text,
            score,
        });
    }
    hits.sort_by(|a, b| b.score.cmp(&a.score).then(a.record_id.cmp(&b.record_id)));
    Ok((terms, hits))
}

// ---------------------------------------------------------------------------------------------
// API tokens (machine publishing for one subject)

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ApiToken {
    pub id: i64,
    pub subject_id: i64,
    pub name: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// Saves a new token (only its hash is kept).
pub async fn create_token(
    tx: &Tx,
    who: &Who,
    subject_id: i64,
    name: &str,
    token_hash: &str,
) -> StoreResult<ApiToken> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(StoreError::Invalid(
            "name: dé al token un nombre de 1 a 80 caracteres".into(),
        ));
    }
    let created_by = who
        .user_id
        .ok_or_else(|| StoreError::Invalid("created_by: un token lo crea una persona".into()))?;
    let id: i64 = tx
        .query_one(
            "INSERT INTO api_tokens (subject_id, name, token_hash, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            params![subject_id, name, token_hash, created_by, crate::now()],
        )
        .await?
        .get(0)?;
    audit::append(
        tx,
        who,
        Change {
            action: "api_token.create",
            target_kind: "subject",
            target_id: subject_id.to_string(),
            public: false,
            summary: summary! { "token_id" => id, "name" => name },
        },
    )
    .await?;
    tokens(tx, subject_id)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(StoreError::NotFound)
}

pub async fn tokens(db: &impl Exec, subject_id: i64) -> StoreResult<Vec<ApiToken>> {
    db.query(
        "SELECT id, subject_id, name, created_at, last_used_at, revoked_at FROM api_tokens WHERE subject_id = $1 ORDER BY id",
        params![subject_id],
    )
    .await?
    .into_iter()
    .map(|mut r| {
        Ok(ApiToken {
            id: r.take(0)?,
            subject_id: r.take(1)?,
            name: r.take(2)?,
            created_at: r.take(3)?,
            last_used_at: r.take(4)?,
            revoked_at: r.take(5)?,
        })
    })
    .collect()
}

pub async fn revoke_token(tx: &Tx, who: &Who, subject_id: i64, token_id: i64) -> StoreResult<()> {
    let n = tx
        .execute(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND subject_id = $3 AND revoked_at IS NULL",
            params![crate::now(), token_id, subject_id],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    audit::append(
        tx,
        who,
        Change {
            action: "api_token.revoke",
            target_kind: "subject",
            target_id: subject_id.to_string(),
            public: false,
            summary: summary! { "token_id" => token_id },
        },
    )
    .await?;
    Ok(())
}

/// The live token with this hash, marked as used now.
pub async fn use_token(db: &crate::Db, token_hash: &str) -> StoreResult<Option<ApiToken>> {
    let Some(row) = db
        .query_opt(
            "SELECT id, subject_id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
            params![token_hash],
        )
        .await?
    else {
        return Ok(None);
    };
    let id: i64 = row.get(0)?;
    let subject_id: i64 = row.get(1)?;
    db.execute(
        "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2",
        params![crate::now(), id],
    )
    .await?;
    Ok(tokens(db, subject_id)
        .await?
        .into_iter()
        .find(|t| t.id == id))
}

// ---------------------------------------------------------------------------------------------
// Drafts: a checked upload waiting for the editor's confirmation

pub struct Draft {
    pub id: i64,
    pub subject_id: i64,
    pub obligation_id: i64,
    pub format_id: i64,
    pub period: String,
    pub file_name: String,
    pub content: Vec<u8>,
    pub created_by: i64,
}

/// Keeps an upload for a day; older drafts are dropped when a new one is saved.
pub async fn save_draft(tx: &Tx, token_hash: &str, d: &Draft) -> StoreResult<i64> {
    tx.execute(
        "DELETE FROM publication_drafts WHERE created_at < $1",
        params![crate::in_seconds(-24 * 3600)],
    )
    .await?;
    tx
        .query_one(
            "INSERT INTO publication_drafts (token_hash, subject_id, obligation_id, format_id, period, file_name, content, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            params![token_hash, d.subject_id, d.obligation_id, d.format_id, d.period.as_str(), d.file_name.as_str(), d.content.clone(), d.created_by, crate::now()],
        )
        .await?
        .get(0)
}

/// Takes a draft (it can be used once).
pub async fn take_draft(tx: &Tx, token_hash: &str) -> StoreResult<Option<Draft>> {
    let Some(mut r) = tx
        .query_opt(
            "SELECT id, subject_id, obligation_id, format_id, period, file_name, content, created_by FROM publication_drafts
             WHERE token_hash = $1 AND created_at >= $2",
            params![token_hash, crate::in_seconds(-24 * 3600)],
        )
        .await?
    else {
        return Ok(None);
    };
    let d = Draft {
        id: r.take(0)?,
        subject_id: r.take(1)?,
        obligation_id: r.take(2)?,
        format_id: r.take(3)?,
        period: r.take(4)?,
        file_name: r.take(5)?,
        content: r.take(6)?,
        created_by: r.take(7)?,
    };
    tx.execute(
        "DELETE FROM publication_drafts WHERE id = $1",
        params![d.id],
    )
    .await?;
    Ok(Some(d))
}

/// What an admin may change of an obligation in place (its code and law stay).
#[derive(Debug, Clone)]
pub struct ObligationEdit {
    pub title: String,
    pub description: String,
    pub periodicity: Periodicity,
    pub deadline_days: i64,
    pub conservation: String,
    pub applies_to: Vec<String>,
}

/// Edits an obligation; the log keeps each changed field, before and after.
pub async fn update_obligation(
    tx: &Tx,
    who: &Who,
    id: i64,
    edit: &ObligationEdit,
) -> StoreResult<Obligation> {
    let before = obligation(tx, id).await?.ok_or(StoreError::NotFound)?;
    let title = edit.title.trim();
    if title.is_empty() {
        return Err(StoreError::Invalid(
            "title: falta el título de la obligación".into(),
        ));
    }
    if !(0..=3650).contains(&edit.deadline_days) {
        return Err(StoreError::Invalid(
            "deadline_days: el plazo va de 0 a 3650 días".into(),
        ));
    }
    if let Some(k) = edit
        .applies_to
        .iter()
        .find(|k| SubjectKind::parse(k).is_none())
    {
        return Err(StoreError::Invalid(format!(
            "applies_to: «{k}» no es un tipo de sujeto obligado"
        )));
    }
    tx.execute(
        "UPDATE obligations SET title = $1, description = $2, periodicity = $3, deadline_days = $4,
            conservation = $5, applies_to = $6, updated_at = $7 WHERE id = $8",
        params![
            title,
            edit.description.trim(),
            edit.periodicity.as_str(),
            edit.deadline_days,
            edit.conservation.trim(),
            edit.applies_to.join(","),
            crate::now(),
            id
        ],
    )
    .await?;
    let after = obligation(tx, id).await?.ok_or(StoreError::NotFound)?;
    let mut changes = serde_json::Map::new();
    let b = serde_json::to_value(&before).unwrap_or_default();
    let a = serde_json::to_value(&after).unwrap_or_default();
    if let (Some(b), Some(a)) = (b.as_object(), a.as_object()) {
        for (k, v) in a {
            if b.get(k) != Some(v) {
                changes.insert(
                    k.clone(),
                    serde_json::json!({ "before": b.get(k), "after": v }),
                );
            }
        }
    }
    audit::append(
        tx,
        who,
        Change {
            action: "obligation.update",
            target_kind: "obligation",
            target_id: id.to_string(),
            public: true,
            summary: serde_json::Value::Object(changes),
        },
    )
    .await?;
    Ok(after)
}
