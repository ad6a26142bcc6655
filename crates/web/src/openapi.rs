//! The OpenAPI 3.1 description of `/api/v1`, assembled from each domain's part. Like `app.rs`,
//! it is an assembler: it names every domain.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(info(
    title = "Tequio API",
    description = "Open data of the Tequio open-government platform: obligated subjects, search and the tamper-evident change log. Read-only and public; errors are RFC 9457 problem documents.",
    license(name = "AGPL-3.0-or-later")
))]
struct ApiDoc;

/// The OpenAPI 3.1 description of this API.
pub fn openapi_json() -> String {
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::site::api::SiteDoc::openapi());
    doc.merge(crate::subjects::api::SubjectsDoc::openapi());
    doc.merge(crate::accounts::api::AccountsDoc::openapi());
    doc.merge(crate::search::api::SearchDoc::openapi());
    doc.merge(crate::audit::api::AuditDoc::openapi());
    doc.merge(crate::transparency::api::TransparencyDoc::openapi());
    doc.merge(crate::catalog::api::CatalogDoc::openapi());
    doc.merge(crate::bodies::api::BodiesDoc::openapi());
    doc.merge(crate::calls::api::CallsDoc::openapi());
    doc.merge(crate::instruments::api::InstrumentsDoc::openapi());
    doc.merge(crate::events::api::EventsDoc::openapi());
    if let Some(components) = doc.components.as_mut() {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        components.add_security_scheme(
            "api_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A subject's API token, created by its editors on the subject's page.",
                    ))
                    .build(),
            ),
        );
    }
    doc.to_json().unwrap_or_else(|_| "{}".into())
}

#[cfg(test)]
mod tests {
    /// The API's description is kept in `docs/openapi.json`, so that a change to any field,
    /// path or parameter shows in review. Objects compare without regard to key order. After
    /// a deliberate change: `TEQUIO_UPDATE_OPENAPI=1 cargo test -p tequio openapi`.
    #[test]
    fn the_api_description_matches_docs_openapi_json() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
        let now: serde_json::Value =
            serde_json::from_str(&super::openapi_json()).unwrap_or_else(|e| panic!("{e}"));
        if std::env::var_os("TEQUIO_UPDATE_OPENAPI").is_some() {
            let text = serde_json::to_string_pretty(&now).unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(path, text + "\n").unwrap_or_else(|e| panic!("{e}"));
        }
        let kept: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}")),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            now == kept,
            "the OpenAPI description changed; if on purpose, update docs/openapi.json (see above)"
        );
    }
}
