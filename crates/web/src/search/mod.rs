//! Search of everything public: its page and its `/api/v1` part.

pub mod api;
pub mod pages;

use crate::state::AppState;
use axum::Router;

/// The pages (small requests).
pub fn routes() -> Router<AppState> {
    Router::new().merge(pages::routes())
}

/// `/api/v1` routes, nested by the app.
pub fn api_routes() -> Router<AppState> {
    api::routes()
}

/// The path of a search result's page, made from its kind and key (the store keeps no page
/// addresses; a session's key is `body/year/number`).
pub fn link(kind: tequio_domain::search::SearchKind, key: &str) -> String {
    use tequio_domain::search::SearchKind;
    match kind {
        SearchKind::Subject => format!("/sujetos/{key}"),
        SearchKind::Dataset => format!("/datos/{key}"),
        SearchKind::Topic => format!("/portales/{key}"),
        SearchKind::Body => format!("/organos/{key}"),
        SearchKind::Call => format!("/convocatorias/{key}"),
        SearchKind::Agreement => format!("/acuerdos/{key}"),
        SearchKind::Instrument => format!("/instrumentos/{key}"),
        SearchKind::Event => format!("/eventos/{key}"),
        SearchKind::Session => {
            let mut parts = key.rsplitn(3, '/');
            let (number, year, body) = (parts.next(), parts.next(), parts.next());
            match (body, year, number) {
                (Some(b), Some(y), Some(n)) => format!("/organos/{b}/sesiones/{y}/{n}"),
                _ => format!("/organos/{key}"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use tequio_domain::search::SearchKind;

    #[test]
    fn every_kind_links_to_its_page() {
        assert_eq!(super::link(SearchKind::Subject, "12"), "/sujetos/12");
        assert_eq!(super::link(SearchKind::Agreement, "7"), "/acuerdos/7");
        assert_eq!(
            super::link(SearchKind::Call, "mesa-obra"),
            "/convocatorias/mesa-obra"
        );
        assert_eq!(
            super::link(SearchKind::Session, "secretariado/2026/3"),
            "/organos/secretariado/sesiones/2026/3"
        );
    }
}
