//! Multipart forms with one file: read whole, the same way for every upload (registry files,
//! framework files, publication files, the publishing API).

use crate::error::{AppError, AppResult};
use axum::extract::Multipart;
use std::collections::HashMap;

/// The file part of a form.
#[derive(Debug)]
pub enum FileField {
    /// No file was chosen.
    Missing,
    /// Over the limit: its name, and nothing of its content kept.
    TooLarge {
        name: String,
    },
    Present {
        name: String,
        bytes: Vec<u8>,
    },
}

/// A form read whole: its text fields, its file (the part named `file`) and any other file
/// parts (named `doc…`), in order.
#[derive(Debug)]
pub struct FormData {
    pub fields: HashMap<String, String>,
    pub file: FileField,
    pub docs: Vec<(String, FileField)>,
}

impl FormData {
    /// A text field, trimmed; empty when missing.
    pub fn text(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", |v| v.trim())
    }
}

/// Reads every part of `form`. A file larger than `max_bytes` is dropped and reported as
/// [`FileField::TooLarge`]; a malformed body is a bad request.
pub async fn read_form(mut form: Multipart, max_bytes: usize) -> AppResult<FormData> {
    let bad = |e: axum::extract::multipart::MultipartError| AppError::BadRequest(e.body_text());
    let mut fields = HashMap::new();
    let mut file = FileField::Missing;
    let mut docs = Vec::new();
    while let Some(field) = form.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" || name.starts_with("doc") {
            let file_name = field.file_name().unwrap_or("").to_owned();
            let bytes = field.bytes().await.map_err(bad)?;
            let file_name = if file_name.is_empty() && !bytes.is_empty() {
                "archivo".to_owned()
            } else {
                file_name
            };
            let part = if file_name.is_empty() {
                FileField::Missing
            } else if bytes.len() > max_bytes {
                FileField::TooLarge { name: file_name }
            } else {
                FileField::Present {
                    name: file_name,
                    bytes: Vec::from(bytes),
                }
            };
            if name == "file" {
                file = part;
            } else {
                docs.push((name, part));
            }
        } else {
            fields.insert(name, field.text().await.map_err(bad)?);
        }
    }
    Ok(FormData { fields, file, docs })
}

/// The file as UTF-8 text, or what is wrong with it in plain Spanish (file name first).
pub fn text_file(file: &FileField, max_mb: usize) -> Result<(String, String), String> {
    match file {
        FileField::Missing => Err("file: elige un archivo".into()),
        FileField::TooLarge { name } => Err(format!("{name}: el archivo pesa más de {max_mb} MB")),
        FileField::Present { name, bytes } => {
            if bytes.contains(&0) {
                return Err(format!("{name}: no es un archivo de texto"));
            }
            match std::str::from_utf8(bytes) {
                Ok(t) if t.trim().is_empty() => Err(format!("{name}: el archivo está vacío")),
                Ok(t) => Ok((name.clone(), t.to_owned())),
                Err(e) => Err(format!(
                    "{name}: no está en UTF-8 (byte {})",
                    e.valid_up_to() + 1
                )),
            }
        }
    }
}
