//! The open-data catalogue: datasets, their resources, licences, update frequencies, file
//! formats, and the rules a dataset's fields follow. Tabular files are read in [`table`].

pub mod table;

use crate::text::normalize_email;
use serde::{Deserialize, Serialize};

/// A licence a dataset can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Licence {
    /// The identifier used in the API and in CKAN (`license_id`).
    pub id: &'static str,
    pub title: &'static str,
    pub url: &'static str,
    /// Whether it meets the Open Definition (all of these do; kept for CKAN's `license_is_open`).
    pub open: bool,
}

/// The licences offered. The first is the default: Mexico's open-data licence.
pub const LICENCES: &[Licence] = &[
    Licence {
        id: "mx-libre-uso",
        title: "Términos de Libre Uso MX",
        url: "https://datos.gob.mx/libreusomx",
        open: true,
    },
    Licence {
        id: "cc-by-4.0",
        title: "Creative Commons Atribución 4.0 (CC BY 4.0)",
        url: "https://creativecommons.org/licenses/by/4.0/",
        open: true,
    },
    Licence {
        id: "cc-by-sa-4.0",
        title: "Creative Commons Atribución-CompartirIgual 4.0 (CC BY-SA 4.0)",
        url: "https://creativecommons.org/licenses/by-sa/4.0/",
        open: true,
    },
    Licence {
        id: "cc0-1.0",
        title: "Creative Commons Dominio Público (CC0 1.0)",
        url: "https://creativecommons.org/publicdomain/zero/1.0/",
        open: true,
    },
    Licence {
        id: "odc-odbl",
        title: "Open Data Commons Open Database License (ODbL)",
        url: "https://opendatacommons.org/licenses/odbl/1-0/",
        open: true,
    },
];

impl Licence {
    pub fn default_licence() -> &'static Licence {
        &LICENCES[0]
    }

    pub fn find(id: &str) -> Option<&'static Licence> {
        LICENCES.iter().find(|l| l.id == id)
    }
}

/// How often a dataset is updated (the EU frequency vocabulary, which DCAT-AP uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    Continuous,
    Daily,
    Weekly,
    Monthly,
    Quarterly,
    Semiannual,
    Annual,
    Irregular,
    Never,
}

impl Frequency {
    pub const ALL: &'static [Frequency] = &[
        Frequency::Continuous,
        Frequency::Daily,
        Frequency::Weekly,
        Frequency::Monthly,
        Frequency::Quarterly,
        Frequency::Semiannual,
        Frequency::Annual,
        Frequency::Irregular,
        Frequency::Never,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Continuous => "continuous",
            Frequency::Daily => "daily",
            Frequency::Weekly => "weekly",
            Frequency::Monthly => "monthly",
            Frequency::Quarterly => "quarterly",
            Frequency::Semiannual => "semiannual",
            Frequency::Annual => "annual",
            Frequency::Irregular => "irregular",
            Frequency::Never => "never",
        }
    }

    pub fn parse(s: &str) -> Option<Frequency> {
        Self::ALL.iter().copied().find(|f| f.as_str() == s)
    }

    /// The term of the EU "frequency" authority table.
    pub fn eu_uri(self) -> String {
        let code = match self {
            Frequency::Continuous => "CONT",
            Frequency::Daily => "DAILY",
            Frequency::Weekly => "WEEKLY",
            Frequency::Monthly => "MONTHLY",
            Frequency::Quarterly => "QUARTERLY",
            Frequency::Semiannual => "ANNUAL_2",
            Frequency::Annual => "ANNUAL",
            Frequency::Irregular => "IRREG",
            Frequency::Never => "NEVER",
        };
        format!("http://publications.europa.eu/resource/authority/frequency/{code}")
    }

    /// The ISO 8601 repeating duration DCAT-US expects in `accrualPeriodicity`.
    pub fn iso8601(self) -> &'static str {
        match self {
            Frequency::Continuous => "R/PT1S",
            Frequency::Daily => "R/P1D",
            Frequency::Weekly => "R/P1W",
            Frequency::Monthly => "R/P1M",
            Frequency::Quarterly => "R/P3M",
            Frequency::Semiannual => "R/P6M",
            Frequency::Annual => "R/P1Y",
            Frequency::Irregular | Frequency::Never => "irregular",
        }
    }
}

/// Longest dataset title.
pub const MAX_TITLE: usize = 300;
/// Longest description.
pub const MAX_NOTES: usize = 20_000;
/// Most keywords on one dataset, and the longest keyword.
pub const MAX_TAGS: usize = 50;
pub const MAX_TAG_LEN: usize = 100;

/// A problem with one field of a form or an API call: the field's name and what is wrong, in
/// Spanish and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub es: String,
    pub en: String,
}

impl FieldError {
    pub fn new(field: &'static str, es: impl Into<String>, en: impl Into<String>) -> FieldError {
        FieldError {
            field,
            es: es.into(),
            en: en.into(),
        }
    }

    pub fn message(&self, lang: &str) -> String {
        if lang == "en" {
            format!("{}: {}", self.field, self.en)
        } else {
            format!("{}: {}", self.field, self.es)
        }
    }
}

/// What an editor fills in for a dataset.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct DatasetInput {
    /// The URL name (`gasto-por-capitulo`); made from the title when empty.
    pub name: String,
    pub title: String,
    pub notes: String,
    pub tags: Vec<String>,
    /// Theme (group) names.
    pub groups: Vec<String>,
    pub licence_id: String,
    pub frequency: String,
    pub temporal_start: String,
    pub temporal_end: String,
    pub spatial: String,
    pub contact_name: String,
    pub contact_email: String,
    pub landing_page: String,
    pub version: String,
}

impl DatasetInput {
    /// Trims every field, fills the defaults (name from the title, the default licence) and
    /// checks it all, returning every problem at once.
    pub fn clean(mut self) -> Result<DatasetInput, Vec<FieldError>> {
        let mut errors = Vec::new();
        for s in [
            &mut self.name,
            &mut self.title,
            &mut self.notes,
            &mut self.licence_id,
            &mut self.frequency,
            &mut self.temporal_start,
            &mut self.temporal_end,
            &mut self.spatial,
            &mut self.contact_name,
            &mut self.contact_email,
            &mut self.landing_page,
            &mut self.version,
        ] {
            *s = s.trim().to_owned();
        }
        if self.title.is_empty() {
            errors.push(FieldError::new(
                "title",
                "escribe un título",
                "a title is required",
            ));
        } else if self.title.chars().count() > MAX_TITLE {
            errors.push(FieldError::new(
                "title",
                format!("el título pasa de {MAX_TITLE} caracteres"),
                format!("the title is longer than {MAX_TITLE} characters"),
            ));
        }
        if self.name.is_empty() {
            self.name = crate::text::slugify(&self.title)
                .chars()
                .take(90)
                .collect::<String>()
                .trim_end_matches('-')
                .to_owned();
        }
        if !valid_name(&self.name) {
            errors.push(FieldError::new(
                "name",
                format!(
                    "«{}» no sirve como nombre: usa de 2 a 100 minúsculas sin acentos, números, - o _",
                    self.name
                ),
                format!(
                    "“{}” is not a valid name: use 2 to 100 lowercase letters, digits, - or _",
                    self.name
                ),
            ));
        }
        if self.notes.chars().count() > MAX_NOTES {
            errors.push(FieldError::new(
                "notes",
                format!("la descripción pasa de {MAX_NOTES} caracteres"),
                format!("the description is longer than {MAX_NOTES} characters"),
            ));
        }
        let mut tags: Vec<String> = Vec::new();
        for t in self.tags.iter().flat_map(|t| t.split(',')) {
            let t = t.trim();
            if t.is_empty() || tags.iter().any(|x| x.eq_ignore_ascii_case(t)) {
                continue;
            }
            if t.chars().count() > MAX_TAG_LEN {
                errors.push(FieldError::new(
                    "tags",
                    format!("la palabra clave «{t}» pasa de {MAX_TAG_LEN} caracteres"),
                    format!("the keyword “{t}” is longer than {MAX_TAG_LEN} characters"),
                ));
            }
            tags.push(t.to_owned());
        }
        if tags.len() > MAX_TAGS {
            errors.push(FieldError::new(
                "tags",
                format!("hay {} palabras clave; el máximo es {MAX_TAGS}", tags.len()),
                format!("{} keywords; at most {MAX_TAGS}", tags.len()),
            ));
        }
        self.tags = tags;
        self.groups = self
            .groups
            .iter()
            .map(|g| g.trim().to_owned())
            .filter(|g| !g.is_empty())
            .collect();
        self.groups.dedup();
        if self.licence_id.is_empty() {
            self.licence_id = Licence::default_licence().id.to_owned();
        } else if Licence::find(&self.licence_id).is_none() {
            errors.push(FieldError::new(
                "license_id",
                format!("«{}» no es una licencia de la lista", self.licence_id),
                format!("“{}” is not one of the licences offered", self.licence_id),
            ));
        }
        if self.frequency.is_empty() {
            self.frequency = Frequency::Irregular.as_str().to_owned();
        } else if Frequency::parse(&self.frequency).is_none() {
            errors.push(FieldError::new(
                "frequency",
                format!("«{}» no es una frecuencia de la lista", self.frequency),
                format!("“{}” is not one of the frequencies offered", self.frequency),
            ));
        }
        let start = check_date(&self.temporal_start, "temporal_start", &mut errors);
        let end = check_date(&self.temporal_end, "temporal_end", &mut errors);
        if let (Some(s), Some(e)) = (start, end)
            && s > e
        {
            errors.push(FieldError::new(
                "temporal_end",
                "la cobertura termina antes de empezar",
                "the coverage ends before it starts",
            ));
        }
        if !self.contact_email.is_empty() {
            self.contact_email = normalize_email(&self.contact_email);
            if !crate::text::looks_like_email(&self.contact_email) {
                errors.push(FieldError::new(
                    "contact_email",
                    format!("«{}» no parece un correo", self.contact_email),
                    format!(
                        "“{}” does not look like an e-mail address",
                        self.contact_email
                    ),
                ));
            }
        }
        if !self.landing_page.is_empty()
            && let Err(e) = check_web_url(&self.landing_page, "landing_page")
        {
            errors.push(e);
        }
        if self.version.chars().count() > 50 {
            errors.push(FieldError::new(
                "version",
                "la versión pasa de 50 caracteres",
                "the version is longer than 50 characters",
            ));
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }
}

fn check_date(
    value: &str,
    field: &'static str,
    errors: &mut Vec<FieldError>,
) -> Option<crate::transparency::period::Date> {
    if value.is_empty() {
        return None;
    }
    let date = crate::transparency::period::Date::parse_iso(value).filter(|_| value.len() == 10);
    if date.is_none() {
        errors.push(FieldError::new(
            field,
            format!("«{value}» no es una fecha AAAA-MM-DD que exista"),
            format!("“{value}” is not an existing YYYY-MM-DD date"),
        ));
    }
    date
}

/// Checks that `url` is an absolute http or https address with a host.
pub fn check_web_url(url: &str, field: &'static str) -> Result<(), FieldError> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
    match host {
        Some(h) if !h.is_empty() && !url.chars().any(char::is_whitespace) => Ok(()),
        _ => Err(FieldError::new(
            field,
            format!("«{url}» no es una dirección http:// o https://"),
            format!("“{url}” is not an http:// or https:// address"),
        )),
    }
}

/// CKAN's rule for dataset, organisation and group names.
pub fn valid_name(name: &str) -> bool {
    (2..=100).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// A resource's format as people know it, and its media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FileFormat {
    /// `CSV`, `XLSX`, `PDF`… (CKAN's `format`).
    pub label: &'static str,
    pub media_type: &'static str,
    /// Whether the datastore can load it.
    pub tabular: bool,
}

const FORMATS: &[(&str, FileFormat)] = &[
    (
        "csv",
        FileFormat {
            label: "CSV",
            media_type: "text/csv",
            tabular: true,
        },
    ),
    (
        "xlsx",
        FileFormat {
            label: "XLSX",
            media_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            tabular: true,
        },
    ),
    (
        "xls",
        FileFormat {
            label: "XLS",
            media_type: "application/vnd.ms-excel",
            tabular: false,
        },
    ),
    (
        "ods",
        FileFormat {
            label: "ODS",
            media_type: "application/vnd.oasis.opendocument.spreadsheet",
            tabular: false,
        },
    ),
    (
        "json",
        FileFormat {
            label: "JSON",
            media_type: "application/json",
            tabular: false,
        },
    ),
    (
        "geojson",
        FileFormat {
            label: "GeoJSON",
            media_type: "application/geo+json",
            tabular: false,
        },
    ),
    (
        "xml",
        FileFormat {
            label: "XML",
            media_type: "application/xml",
            tabular: false,
        },
    ),
    (
        "pdf",
        FileFormat {
            label: "PDF",
            media_type: "application/pdf",
            tabular: false,
        },
    ),
    (
        "zip",
        FileFormat {
            label: "ZIP",
            media_type: "application/zip",
            tabular: false,
        },
    ),
    (
        "txt",
        FileFormat {
            label: "TXT",
            media_type: "text/plain",
            tabular: false,
        },
    ),
    (
        "html",
        FileFormat {
            label: "HTML",
            media_type: "text/html",
            tabular: false,
        },
    ),
    (
        "docx",
        FileFormat {
            label: "DOCX",
            media_type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            tabular: false,
        },
    ),
    (
        "kml",
        FileFormat {
            label: "KML",
            media_type: "application/vnd.google-earth.kml+xml",
            tabular: false,
        },
    ),
];

/// Bytes of unknown kind.
pub const BINARY: FileFormat = FileFormat {
    label: "BIN",
    media_type: "application/octet-stream",
    tabular: false,
};

impl FileFormat {
    /// The format named by a file extension or a label (`csv`, `CSV`).
    pub fn from_extension(ext: &str) -> Option<FileFormat> {
        let ext = ext.to_ascii_lowercase();
        FORMATS.iter().find(|(e, _)| *e == ext).map(|(_, f)| *f)
    }

    /// The format of an uploaded file, from its content first and its name second. Fails
    /// when the content contradicts the name (a PDF called `.csv`), with what was found.
    pub fn detect(file_name: &str, bytes: &[u8]) -> Result<FileFormat, FieldError> {
        let ext = file_name
            .rsplit(['/', '\\'])
            .next()
            .and_then(|n| n.rsplit_once('.'))
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        let named = FileFormat::from_extension(&ext);
        let sniffed = sniff(bytes);
        let clash = |found: &str| {
            FieldError::new(
                "file",
                format!("«{file_name}» dice ser .{ext} pero su contenido es {found}"),
                format!("“{file_name}” is named .{ext} but its content is {found}"),
            )
        };
        match (named, sniffed) {
            (_, Sniffed::Empty) => Err(FieldError::new(
                "file",
                format!("«{file_name}» está vacío"),
                format!("“{file_name}” is empty"),
            )),
            (Some(n), Sniffed::Zip) if matches!(n.label, "XLSX" | "ODS" | "DOCX" | "ZIP") => Ok(n),
            (Some(n), Sniffed::Pdf) if n.label == "PDF" => Ok(n),
            (Some(n), Sniffed::OldOffice) if n.label == "XLS" => Ok(n),
            (Some(n), Sniffed::Text)
                if !matches!(n.label, "XLSX" | "ODS" | "DOCX" | "ZIP" | "PDF" | "XLS") =>
            {
                Ok(n)
            }
            (Some(_), Sniffed::Zip) => Err(clash("un archivo ZIP")),
            (Some(_), Sniffed::Pdf) => Err(clash("un PDF")),
            (Some(_), Sniffed::OldOffice) => Err(clash("un documento de Office 97-2003")),
            (Some(_), Sniffed::Text) => Err(clash("texto")),
            (Some(_), Sniffed::Binary) => Err(clash("datos binarios")),
            (None, Sniffed::Zip) => Ok(FileFormat::from_extension("zip").unwrap_or(BINARY)),
            (None, Sniffed::Pdf) => Ok(FileFormat::from_extension("pdf").unwrap_or(BINARY)),
            (None, Sniffed::OldOffice) => Ok(FileFormat::from_extension("xls").unwrap_or(BINARY)),
            (None, Sniffed::Text) => Ok(FileFormat::from_extension("txt").unwrap_or(BINARY)),
            (None, Sniffed::Binary) => Ok(BINARY),
        }
    }
}

enum Sniffed {
    Empty,
    Zip,
    Pdf,
    OldOffice,
    Text,
    Binary,
}

fn sniff(bytes: &[u8]) -> Sniffed {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        Sniffed::Empty
    } else if bytes.starts_with(b"PK\x03\x04") {
        Sniffed::Zip
    } else if bytes.starts_with(b"%PDF") {
        Sniffed::Pdf
    } else if bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        Sniffed::OldOffice
    } else if bytes.iter().take(8192).any(|b| *b == 0) {
        Sniffed::Binary
    } else {
        Sniffed::Text
    }
}

/// A file name reduced to safe characters, for headers and storage: no paths, no quotes.
pub fn safe_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .take(120)
        .collect();
    if cleaned.trim_matches(['.', '_']).is_empty() {
        "archivo".to_owned()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dataset_is_cleaned_and_every_problem_named() {
        let ok = DatasetInput {
            title: "Gasto público por capítulo, 2025".into(),
            tags: vec!["gasto, presupuesto".into(), "Gasto".into()],
            ..Default::default()
        }
        .clean()
        .unwrap();
        assert_eq!(ok.name, "gasto-publico-por-capitulo-2025");
        assert_eq!(ok.tags, vec!["gasto", "presupuesto"]);
        assert_eq!(ok.licence_id, "mx-libre-uso");
        assert_eq!(ok.frequency, "irregular");

        let errors = DatasetInput {
            title: String::new(),
            name: "Mal Nombre".into(),
            licence_id: "propietaria".into(),
            temporal_start: "2025-02-31".into(),
            landing_page: "ftp://example.org".into(),
            contact_email: "nadie".into(),
            ..Default::default()
        }
        .clean()
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "title",
                "name",
                "license_id",
                "temporal_start",
                "contact_email",
                "landing_page"
            ]
        );
    }

    #[test]
    fn formats_come_from_content_and_name() {
        assert_eq!(
            FileFormat::detect("a.csv", b"a,b\n1,2\n").unwrap().label,
            "CSV"
        );
        assert_eq!(
            FileFormat::detect("a.xlsx", b"PK\x03\x04rest")
                .unwrap()
                .label,
            "XLSX"
        );
        assert!(FileFormat::detect("a.csv", b"%PDF-1.7").is_err());
        assert!(FileFormat::detect("a.pdf", b"hola").is_err());
        assert!(FileFormat::detect("a.csv", b"  \n").is_err());
        assert_eq!(FileFormat::detect("datos", b"\x00\x01").unwrap(), BINARY);
        assert!(check_web_url("javascript:alert(1)", "url").is_err());
        assert!(check_web_url("https://datos.gob.mx/x", "url").is_ok());
        assert_eq!(safe_file_name("../../etc/pass wd\".csv"), "pass_wd_.csv");
    }
}
