//! The legal framework as data: a law, its obligations and their formats, loaded from one JSON
//! file (documented in `docs/FRAMEWORK-FILE.md`). Nothing here knows a particular law.

use super::period::Periodicity;
use crate::subjects::SubjectKind;
use serde::{Deserialize, Serialize};

/// The version of the framework file layout this build reads.
pub const FILE_VERSION: u32 = 1;

/// A whole framework file: one law with its obligations.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FrameworkFile {
    /// Always [`FILE_VERSION`].
    pub tequio_framework: u32,
    pub law: LawDef,
    pub obligations: Vec<ObligationDef>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LawDef {
    /// Stable code, unique per guarantor, such as `LGTAIP-2015`.
    pub code: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub short_name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// ISO dates (`AAAA-MM-DD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_on: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source_url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ObligationDef {
    /// Unique within the law, such as `70-VIII`.
    pub code: String,
    pub article: String,
    #[serde(default)]
    pub fraction: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    pub periodicity: Periodicity,
    /// Natural days after the period closes by which it must be published.
    pub deadline_days: u32,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub conservation: String,
    /// Kinds of subject it applies to (`SubjectKind` codes); empty means every kind.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applies_to: Vec<String>,
    pub formats: Vec<FormatDef>,
}

impl ObligationDef {
    /// Whether the law makes this obligation apply to a subject of `kind` (before any
    /// subject-specific decision in its applicability table).
    pub fn applies_to_kind(&self, kind: SubjectKind) -> bool {
        self.applies_to.is_empty() || self.applies_to.iter().any(|k| k == kind.as_str())
    }
}

/// A publication format: the columns every record has.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FormatDef {
    /// Unique within the obligation, such as `8` or `28a`.
    pub code: String,
    pub title: String,
    pub status: FormatStatus,
    pub fields: Vec<FieldDef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub criteria: Vec<CriterionDef>,
}

/// Whether a shipped format carries the full column list of the rules or only the common ones.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FormatStatus {
    Complete,
    Provisional,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    /// Lower-case ASCII letters, digits and `_`; unique within the format or sub-table.
    pub key: String,
    /// The column title, as the national platform shows it.
    pub label: String,
    #[serde(rename = "type")]
    pub kind: FieldType,
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    /// Overrides the type's own length limit (text types only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_len: Option<u32>,
    /// The allowed values of a catalogue field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// The fields of a sub-table.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldDef>,
    /// The national platform's number of a sub-table (its sheet is `Tabla_<number>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pnt_table: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub help: String,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl FieldDef {
    /// The most characters a value may have, for text types.
    pub fn max_len(&self) -> Option<usize> {
        self.max_len
            .map(|n| n as usize)
            .or_else(|| self.kind.default_max_len())
    }

    /// The sheet that holds a sub-table's rows in a workbook.
    pub fn sheet_name(&self) -> String {
        match &self.pnt_table {
            Some(n) => format!("Tabla_{n}"),
            None => self.key.chars().take(31).collect(),
        }
    }
}

/// The SIPOT field types.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    ShortText,
    LongText,
    Number,
    Date,
    Time,
    Money,
    Url,
    File,
    Catalogue,
    Table,
    Year,
    UpdateDate,
    Note,
}

impl FieldType {
    pub const ALL: &'static [FieldType] = &[
        FieldType::ShortText,
        FieldType::LongText,
        FieldType::Number,
        FieldType::Date,
        FieldType::Time,
        FieldType::Money,
        FieldType::Url,
        FieldType::File,
        FieldType::Catalogue,
        FieldType::Table,
        FieldType::Year,
        FieldType::UpdateDate,
        FieldType::Note,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::ShortText => "short_text",
            FieldType::LongText => "long_text",
            FieldType::Number => "number",
            FieldType::Date => "date",
            FieldType::Time => "time",
            FieldType::Money => "money",
            FieldType::Url => "url",
            FieldType::File => "file",
            FieldType::Catalogue => "catalogue",
            FieldType::Table => "table",
            FieldType::Year => "year",
            FieldType::UpdateDate => "update_date",
            FieldType::Note => "note",
        }
    }

    pub fn default_max_len(self) -> Option<usize> {
        match self {
            FieldType::ShortText => Some(150),
            FieldType::LongText | FieldType::Note => Some(4000),
            FieldType::Url | FieldType::File => Some(2048),
            _ => None,
        }
    }

    /// Whether its values are words worth indexing for full-text search. Notes are left out:
    /// they are mostly the same boilerplate on every record.
    pub fn is_searchable(self) -> bool {
        matches!(
            self,
            FieldType::ShortText | FieldType::LongText | FieldType::Catalogue
        )
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CriterionDef {
    pub code: String,
    pub kind: CriterionKind,
    pub text: String,
    pub weight: f64,
}

/// Substantive criteria check the content; adjective ones its update, reliability and format.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CriterionKind {
    Substantive,
    Adjective,
}

impl FrameworkFile {
    /// Reads and checks a framework file. Every problem is returned, each naming where it is.
    pub fn parse(json: &str) -> Result<FrameworkFile, Vec<String>> {
        let file: FrameworkFile = serde_json::from_str(json)
            .map_err(|e| vec![format!("línea {}, columna {}: {e}", e.line(), e.column())])?;
        let problems = file.problems();
        if problems.is_empty() {
            Ok(file)
        } else {
            Err(problems)
        }
    }

    /// What is wrong with the file's content, in Spanish, each with its place.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.tequio_framework != FILE_VERSION {
            out.push(format!(
                "tequio_framework: esta versión lee la versión {FILE_VERSION} del archivo, no la {}",
                self.tequio_framework
            ));
        }
        if self.law.code.trim().is_empty() {
            out.push("law.code: falta el código de la ley".into());
        }
        if self.law.name.trim().is_empty() {
            out.push("law.name: falta el nombre de la ley".into());
        }
        for (name, date) in [
            ("published_on", &self.law.published_on),
            ("valid_from", &self.law.valid_from),
            ("valid_until", &self.law.valid_until),
        ] {
            if let Some(d) = date
                && super::period::Date::parse_iso(d).is_none()
            {
                out.push(format!("law.{name}: «{d}» no es una fecha AAAA-MM-DD"));
            }
        }
        let mut codes = std::collections::HashSet::new();
        for (i, ob) in self.obligations.iter().enumerate() {
            let at = format!("obligations[{i}] ({})", ob.code);
            if ob.code.trim().is_empty() {
                out.push(format!("{at}: falta el código"));
            } else if !codes.insert(ob.code.as_str()) {
                out.push(format!("{at}: el código se repite"));
            }
            if ob.title.trim().is_empty() {
                out.push(format!("{at}.title: falta el título"));
            }
            for kind in &ob.applies_to {
                if SubjectKind::parse(kind).is_none() {
                    out.push(format!(
                        "{at}.applies_to: «{kind}» no es un tipo de sujeto obligado"
                    ));
                }
            }
            if ob.formats.is_empty() {
                out.push(format!("{at}.formats: la obligación no tiene formato"));
            }
            let mut format_codes = std::collections::HashSet::new();
            for (j, format) in ob.formats.iter().enumerate() {
                let at = format!("{at}.formats[{j}] ({})", format.code);
                if !format_codes.insert(format.code.as_str()) {
                    out.push(format!("{at}: el código del formato se repite"));
                }
                format.collect_problems(&at, &mut out);
            }
        }
        out
    }
}

impl FormatDef {
    fn collect_problems(&self, at: &str, out: &mut Vec<String>) {
        if self.code.trim().is_empty() {
            out.push(format!("{at}: falta el código"));
        }
        if self.fields.is_empty() {
            out.push(format!("{at}.fields: el formato no tiene campos"));
        }
        check_fields(&self.fields, &format!("{at}.fields"), false, out);
        for (k, c) in self.criteria.iter().enumerate() {
            if !(c.weight.is_finite() && c.weight >= 0.0) {
                out.push(format!(
                    "{at}.criteria[{k}]: el peso debe ser un número no negativo"
                ));
            }
        }
    }

    /// The format's definition as stored: its canonical JSON. Two definitions are the same
    /// version exactly when these strings are equal.
    pub fn definition_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The sub-table fields, in order, with their position among the format's fields.
    pub fn tables(&self) -> impl Iterator<Item = (usize, &FieldDef)> {
        self.fields
            .iter()
            .enumerate()
            .filter(|(_, f)| f.kind == FieldType::Table)
    }

    pub fn field(&self, key: &str) -> Option<(usize, &FieldDef)> {
        self.fields.iter().enumerate().find(|(_, f)| f.key == key)
    }
}

fn check_fields(fields: &[FieldDef], at: &str, in_table: bool, out: &mut Vec<String>) {
    let mut keys = std::collections::HashSet::new();
    for (i, f) in fields.iter().enumerate() {
        let at = format!("{at}[{i}] ({})", f.key);
        let key_ok = !f.key.is_empty()
            && f.key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !key_ok {
            out.push(format!(
                "{at}.key: use solo minúsculas sin acentos, dígitos y «_»"
            ));
        } else if !keys.insert(f.key.as_str()) {
            out.push(format!("{at}.key: la clave se repite"));
        }
        if f.label.trim().is_empty() {
            out.push(format!("{at}.label: falta el título de la columna"));
        }
        match f.kind {
            FieldType::Catalogue if f.values.is_empty() => {
                out.push(format!("{at}.values: un catálogo necesita sus valores"));
            }
            FieldType::Table if in_table => {
                out.push(format!("{at}: una subtabla no puede tener otra subtabla"));
            }
            FieldType::Table if f.fields.is_empty() => {
                out.push(format!("{at}.fields: la subtabla no tiene campos"));
            }
            _ => {}
        }
        if f.kind != FieldType::Catalogue && !f.values.is_empty() {
            out.push(format!("{at}.values: solo los catálogos tienen valores"));
        }
        if f.kind != FieldType::Table && !f.fields.is_empty() {
            out.push(format!("{at}.fields: solo las subtablas tienen campos"));
        }
        if f.kind == FieldType::Table {
            check_fields(&f.fields, &format!("{at}.fields"), true, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!("../../../../frameworks/lgtaip2015-art70.json");

    #[test]
    fn the_shipped_framework_reads_without_problems() {
        let fw = FrameworkFile::parse(SHIPPED).unwrap();
        assert_eq!(fw.obligations.len(), 48);
        let viii = fw.obligations.iter().find(|o| o.code == "70-VIII").unwrap();
        let f8 = &viii.formats[0];
        assert_eq!(f8.status, FormatStatus::Complete);
        assert_eq!(f8.tables().count(), 13);
        for code in ["70-VII", "70-IX", "70-XIII", "70-XXVIII"] {
            let ob = fw.obligations.iter().find(|o| o.code == code).unwrap();
            assert!(
                ob.formats
                    .iter()
                    .all(|f| f.status == FormatStatus::Complete)
            );
        }
        // Every format starts and ends with the common columns.
        for ob in &fw.obligations {
            for f in &ob.formats {
                let keys: Vec<&str> = f.fields.iter().map(|f| f.key.as_str()).collect();
                assert_eq!(
                    keys[..3],
                    ["ejercicio", "fecha_inicio_periodo", "fecha_termino_periodo"]
                );
                assert_eq!(
                    keys[keys.len() - 3..],
                    ["area_responsable", "fecha_actualizacion", "nota"]
                );
            }
        }
    }

    #[test]
    fn problems_name_their_place() {
        let mut fw = FrameworkFile::parse(SHIPPED).unwrap();
        fw.obligations[1].code = fw.obligations[0].code.clone();
        fw.obligations[2].formats[0].fields[3].key = "Mal Clave".into();
        fw.obligations[3].formats[0].fields[3].kind = FieldType::Catalogue;
        fw.obligations[4].applies_to = vec!["marciano".into()];
        let problems = fw.problems();
        assert_eq!(problems.len(), 4, "{problems:#?}");
        assert!(problems[0].starts_with("obligations[1] (70-I): el código se repite"));
        assert!(problems.iter().any(|p| {
            p.contains("obligations[2] (70-III).formats[0] (3).fields[3] (Mal Clave).key")
        }));
        assert!(
            problems
                .iter()
                .any(|p| p.contains("un catálogo necesita sus valores"))
        );
        assert!(problems.iter().any(|p| p.contains("«marciano»")));
    }

    #[test]
    fn syntax_errors_give_line_and_column() {
        let err = FrameworkFile::parse("{\n \"tequio_framework\": 1,\n \"law\": 3\n}").unwrap_err();
        assert!(err[0].starts_with("línea 3, columna"), "{err:?}");
    }

    #[test]
    fn export_is_the_same_file() {
        let fw = FrameworkFile::parse(SHIPPED).unwrap();
        let again = FrameworkFile::parse(&serde_json::to_string_pretty(&fw).unwrap()).unwrap();
        assert_eq!(fw, again);
    }
}
