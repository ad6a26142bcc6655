//! Files attached to bodies, sessions, applications and agreements: checked (size, content
//! sniffed against the name), stored by their SHA-256, and served back with the rights of
//! what they belong to.

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::upload::FileField;
use crate::{http::attachment as disposition, state::AppState};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use tequio_domain::accounts::Action;
use tequio_store::files::StoredFile;
use tequio_store::files::{self, Attachment};

/// The largest attached file.
pub const MAX_ATTACHMENT_MB: usize = 20;
pub const MAX_ATTACHMENT_BYTES: usize = MAX_ATTACHMENT_MB * 1024 * 1024;

/// A file checked and put in the file store, not yet recorded in the database.
#[derive(Debug, Clone)]
pub struct Upload {
    pub file: StoredFile,
    pub media_type: &'static str,
}

/// Checks and stores one file part. `Ok(None)` when no file was chosen; `Err` with a message
/// that names the file when it is too large, empty or not what its name says.
pub async fn store(
    state: &AppState,
    lang: &str,
    part: FileField,
) -> AppResult<Result<Option<Upload>, String>> {
    let en = lang == "en";
    match part {
        FileField::Missing => Ok(Ok(None)),
        FileField::TooLarge { name } => Ok(Err(if en {
            format!("{name}: the file is larger than {MAX_ATTACHMENT_MB} MB")
        } else {
            format!("{name}: el archivo pesa más de {MAX_ATTACHMENT_MB} MB")
        })),
        FileField::Present { name, bytes } => {
            let format = match tequio_domain::catalog::FileFormat::detect(&name, &bytes) {
                Ok(f) if f.label != "BIN" => f,
                Ok(_) => {
                    return Ok(Err(if en {
                        format!(
                            "{name}: unknown file type; send a PDF, an office document, CSV, text or images in a ZIP"
                        )
                    } else {
                        format!(
                            "{name}: tipo de archivo desconocido; envía PDF, documentos de oficina, CSV, texto o imágenes en un ZIP"
                        )
                    }));
                }
                Err(e) => return Ok(Err(format!("{name}: {}", e.message(lang)))),
            };
            let file = state.files.put(&name, bytes).await?;
            Ok(Ok(Some(Upload {
                file,
                media_type: format.media_type,
            })))
        }
    }
}

/// Reads a form with one public document (fields `title` and `file`) and attaches it to
/// `owner_kind`/`owner_id`, all or nothing. `Ok(Err(message))` when the person must fix
/// something (no file, too large, not what its name says).
pub async fn attach_document(
    state: &AppState,
    viewer: &Viewer,
    form: axum::extract::Multipart,
    owner_kind: &str,
    owner_id: i64,
) -> AppResult<Result<(), String>> {
    let data = crate::upload::read_form(form, MAX_ATTACHMENT_BYTES).await?;
    let title = data.text("title").to_owned();
    let upload = match store(state, viewer.lang.code(), data.file).await? {
        Ok(Some(u)) => u,
        Ok(None) => return Ok(Err(viewer.lang.t("bodies-document-missing"))),
        Err(message) => return Ok(Err(message)),
    };
    let title = if title.is_empty() {
        upload.file.name.clone()
    } else {
        title
    };
    let saved = async {
        let tx = state.db.begin().await?;
        files::add_attachment(
            &tx,
            &viewer.who(),
            owner_kind,
            owner_id,
            &title,
            &upload.file,
            upload.media_type,
            true,
        )
        .await?;
        tx.commit().await
    }
    .await;
    if let Err(e) = saved {
        forget(state, &[upload]).await;
        return Err(e.into());
    }
    Ok(Ok(()))
}

/// Checks and stores the documents a form asks for (its `doc_N` parts), each titled by the
/// document it answers (`titles[N]`, else its file name). When any is refused, the ones already
/// stored are removed and the messages come back instead.
pub async fn store_documents(
    state: &AppState,
    lang: &str,
    parts: Vec<(String, FileField)>,
    titles: &[String],
) -> AppResult<Result<Vec<(String, Upload)>, Vec<String>>> {
    let mut uploads: Vec<(String, Upload)> = Vec::new();
    let mut errors = Vec::new();
    for (i, (_, part)) in parts.into_iter().enumerate() {
        match store(state, lang, part).await? {
            Ok(Some(u)) => {
                let title = titles
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| u.file.name.clone());
                uploads.push((title, u));
            }
            Ok(None) => {}
            Err(m) => errors.push(m),
        }
    }
    if errors.is_empty() {
        Ok(Ok(uploads))
    } else {
        let stored: Vec<Upload> = uploads.into_iter().map(|(_, u)| u).collect();
        forget(state, &stored).await;
        Ok(Err(errors))
    }
}

/// Removes stored files whose database rows were not saved (the transaction failed).
pub async fn forget(state: &AppState, uploads: &[Upload]) {
    for u in uploads {
        if let Err(e) = state.files.delete_if_unused(&state.db, &u.file.key).await {
            tracing::warn!(error = %e, "cannot remove an unused file");
        }
    }
}

/// Whether the viewer may download an attachment: public ones anyone; the others as
/// `Action::ReadDocument` decides from what they belong to.
async fn may_read(viewer: &Viewer, state: &AppState, a: &Attachment) -> AppResult<bool> {
    if a.public {
        return Ok(true);
    }
    let Some(user) = viewer.user.as_ref() else {
        return Ok(false);
    };
    let owner = files::document_owner(&state.db, a, user.id).await?;
    Ok(viewer.actor.can(Action::ReadDocument(owner)))
}

/// `GET /adjuntos/{id}/{file}`: the file, if the viewer may read it.
pub async fn download(
    viewer: Viewer,
    State(state): State<AppState>,
    Path((id, _name)): Path<(i64, String)>,
) -> AppResult<Response> {
    let a = files::attachment(&state.db, id).await?;
    if !may_read(&viewer, &state, &a).await? {
        return Err(if viewer.user.is_some() {
            AppError::Forbidden
        } else {
            AppError::NotFound
        });
    }
    let stream = state.files.stream(&a.file_key).await?;
    Ok((
        [
            (header::CONTENT_TYPE, a.media_type.clone()),
            disposition(&a.file_name),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

impl crate::html::HasPage for Attachment {
    /// Where it is downloaded.
    fn path(&self) -> String {
        format!("/adjuntos/{}/{}", self.id, self.file_name)
    }
}
