//! The portal's identity and footer pages: admins set the name, logo, colour and contact
//! details (`/admin/sitio`) and the texts of the contact, privacy, accessibility and terms
//! pages; everyone reads those pages. Also the living style page for staff (`/admin/estilo`).

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::html::{Ctx, Form, committed, render, render_status};
use crate::i18n::Lang;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use tequio_domain::accounts::Action;
use tequio_domain::site::{LOOK_KEYS, Look, MAX_PAGE_TEXT, SitePage};
use tequio_store::site as store;

pub fn routes() -> Router<AppState> {
    let mut router = Router::new()
        .route("/admin/sitio", get(settings_form).post(save_settings))
        .route(
            "/admin/sitio/paginas/{slug}",
            get(page_form).post(save_page),
        )
        .route("/admin/estilo", get(style_page));
    for page in SitePage::ALL {
        router = router.route(
            &format!("/{}", page.slug()),
            get(move |viewer: Viewer, state: State<AppState>| footer_page(viewer, state, page)),
        );
    }
    router
}

/// The footer page's title (a locale key).
fn title_key(page: SitePage) -> &'static str {
    match page {
        SitePage::Contact => "page-contact",
        SitePage::Privacy => "page-privacy",
        SitePage::Accessibility => "page-accessibility",
        SitePage::Terms => "page-terms",
    }
}

/// The text Tequio ships for a footer page, in Markdown.
fn default_text(page: SitePage, lang: Lang) -> &'static str {
    macro_rules! texts {
        ($($page:ident => $slug:literal),*) => {
            match (page, lang) {
                $(
                    (SitePage::$page, Lang::Es) => include_str!(concat!("../../content/pages/", $slug, ".es.md")),
                    (SitePage::$page, Lang::En) => include_str!(concat!("../../content/pages/", $slug, ".en.md")),
                )*
            }
        };
    }
    texts!(Contact => "contacto", Privacy => "privacidad", Accessibility => "accesibilidad", Terms => "terminos")
}

/// A footer page's Markdown in a language: the admins' text, or the shipped one; `{site_name}`,
/// `{guarantor}` and the contact details are filled in from the portal's settings.
async fn page_text(state: &AppState, page: SitePage, lang: Lang) -> AppResult<(String, bool)> {
    let settings = store::settings(&state.db).await?;
    let edited = settings.get(&page.setting_key(lang.code())).cloned();
    let is_default = edited.is_none();
    let text = edited.unwrap_or_else(|| default_text(page, lang).to_owned());
    Ok((text, is_default))
}

fn fill(text: &str, look: &Look, lang: Lang) -> String {
    let mut out = text.to_owned();
    for key in LOOK_KEYS {
        let value = match (look.get(key), key) {
            ("", "guarantor") => lang.t("site-guarantor-unset"),
            ("", _) => lang.t("site-not-set"),
            (v, _) => v.to_owned(),
        };
        out = out.replace(&format!("{{{key}}}"), &value);
    }
    out
}

#[derive(Template)]
#[template(path = "site/page.html")]
struct FooterPage {
    c: Ctx,
    title: String,
    html: String,
    slug: &'static str,
    can_edit: bool,
}

async fn footer_page(
    viewer: Viewer,
    State(state): State<AppState>,
    page: SitePage,
) -> AppResult<Response> {
    let (text, _) = page_text(&state, page, viewer.lang).await?;
    let html = crate::markdown::to_safe_html(&fill(&text, &viewer.look, viewer.lang));
    render(&FooterPage {
        c: Ctx::new(&viewer, &format!("/{}", page.slug())),
        title: viewer.lang.t(title_key(page)),
        html,
        slug: page.slug(),
        can_edit: viewer.actor.can(Action::ManageSite),
    })
}

#[derive(Template)]
#[template(path = "site/settings.html")]
struct SettingsPage {
    c: Ctx,
    f: Look,
    errors: Vec<String>,
    pages: [SitePage; 4],
}

impl SettingsPage {
    fn page_title(&self, page: &SitePage) -> String {
        self.c.t(title_key(*page))
    }
}

fn settings_page(viewer: &Viewer, f: Look, errors: Vec<String>) -> AppResult<Response> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        status,
        &SettingsPage {
            c: Ctx::new(viewer, "/admin/sitio"),
            f,
            errors,
            pages: SitePage::ALL,
        },
    )
}

async fn settings_form(viewer: Viewer) -> AppResult<Response> {
    viewer.require(Action::ManageSite)?;
    settings_page(&viewer, (*viewer.look).clone(), Vec::new())
}

async fn save_settings(
    viewer: Viewer,
    State(state): State<AppState>,
    body: Bytes,
) -> AppResult<Response> {
    viewer.require(Action::ManageSite)?;
    let form = Form::parse(&body);
    let field = |key: &str| form.get(key).to_owned();
    let look = match Look::parse(field) {
        Ok(look) => look,
        Err(errors) => {
            let lang = viewer.lang.code();
            let messages = errors.iter().map(|e| e.message(lang)).collect();
            return settings_page(&viewer, Look::from_form(field), messages);
        }
    };
    let changes: Vec<(String, String)> = LOOK_KEYS
        .iter()
        .map(|k| ((*k).to_owned(), look.get(k).to_owned()))
        .collect();
    let tx = state.db.begin().await?;
    let result = store::save(&tx, &viewer.who(), &changes).await;
    if let Err(errors) = committed(tx, result, viewer.lang).await? {
        return settings_page(&viewer, look, errors);
    }
    state.reload_look().await?;
    Ok(Redirect::to("/admin/sitio?guardado=1").into_response())
}

#[derive(Template)]
#[template(path = "site/page_form.html")]
struct PageForm {
    c: Ctx,
    title: String,
    slug: &'static str,
    es: String,
    en: String,
    errors: Vec<String>,
}

fn site_page(slug: &str) -> AppResult<SitePage> {
    SitePage::from_slug(slug).ok_or(AppError::NotFound)
}

async fn page_form(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    viewer.require(Action::ManageSite)?;
    let page = site_page(&slug)?;
    render(&PageForm {
        c: Ctx::new(&viewer, &format!("/admin/sitio/paginas/{slug}")),
        title: viewer.lang.t(title_key(page)),
        slug: page.slug(),
        es: page_text(&state, page, Lang::Es).await?.0,
        en: page_text(&state, page, Lang::En).await?.0,
        errors: Vec::new(),
    })
}

async fn save_page(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    viewer.require(Action::ManageSite)?;
    let page = site_page(&slug)?;
    let form = Form::parse(&body);
    let mut changes = Vec::new();
    let mut errors = Vec::new();
    for lang in [Lang::Es, Lang::En] {
        let text = form.raw(lang.code()).replace("\r\n", "\n");
        if text.len() > MAX_PAGE_TEXT {
            errors.push(viewer.lang.t_args(
                "site-page-too-long",
                &[
                    ("field", lang.code().into()),
                    ("max", MAX_PAGE_TEXT.to_string()),
                ],
            ));
        }
        // The shipped text is not stored: later versions of Tequio may improve it.
        let value = if text.trim() == default_text(page, lang).trim() {
            String::new()
        } else {
            text
        };
        changes.push((page.setting_key(lang.code()), value));
    }
    if !errors.is_empty() {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &PageForm {
                c: Ctx::new(&viewer, &format!("/admin/sitio/paginas/{slug}")),
                title: viewer.lang.t(title_key(page)),
                slug: page.slug(),
                es: form.raw("es").to_owned(),
                en: form.raw("en").to_owned(),
                errors,
            },
        );
    }
    let tx = state.db.begin().await?;
    store::save(&tx, &viewer.who(), &changes).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/{}", page.slug())).into_response())
}

#[derive(Template)]
#[template(path = "site/style.html")]
struct StylePage {
    c: Ctx,
    errors: Vec<String>,
}

/// Every component of the design system on one page, for staff writing templates.
async fn style_page(viewer: Viewer) -> AppResult<Response> {
    if !viewer.is_admin() {
        return Err(AppError::Forbidden);
    }
    render(&StylePage {
        c: Ctx::new(&viewer, "/admin/estilo"),
        errors: vec![
            "title: escribe un título".into(),
            "accent: #ffcc00 tiene poco contraste".into(),
        ],
    })
}
