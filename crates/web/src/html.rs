//! What every server-rendered page shares: the layout's context ([`Ctx`]), rendering, submitted
//! forms and the small helpers of links and pages. Handlers are thin: read the request, call
//! the store, fill a template. Shared: no domain is imported here.

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use std::collections::HashMap;

/// What the layout needs on every page.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub lang: Lang,
    /// The path of this page, for the language switch to come back to.
    pub path: String,
    pub user_name: Option<String>,
    /// Signed in, but the e-mail address is not verified yet: forms that need it say so first.
    pub unverified: bool,
    pub is_admin: bool,
    /// The words in the header's search box.
    pub query: String,
    /// A one-line confirmation shown above the content.
    pub notice: Option<String>,
    /// The portal's identity: name, logo, colour, contact details.
    pub look: std::sync::Arc<tequio_domain::site::Look>,
    /// The site's public address, without a trailing slash.
    pub site_url: std::sync::Arc<str>,
}

impl Ctx {
    pub fn new(viewer: &Viewer, path: &str) -> Ctx {
        Ctx {
            lang: viewer.lang,
            path: path.to_owned(),
            user_name: viewer.user.as_ref().map(|u| u.display_name.clone()),
            unverified: viewer
                .user
                .as_ref()
                .is_some_and(|u| u.email_verified_at.is_none()),
            is_admin: viewer.is_admin(),
            query: String::new(),
            notice: None,
            look: viewer.look.clone(),
            site_url: viewer.site_url.clone(),
        }
    }

    /// For pages rendered without a viewer (error pages), with the portal's identity.
    pub fn bare(
        lang: Lang,
        path: &str,
        look: std::sync::Arc<tequio_domain::site::Look>,
        site_url: &str,
    ) -> Ctx {
        Ctx {
            lang,
            path: path.to_owned(),
            user_name: None,
            unverified: false,
            is_admin: false,
            query: String::new(),
            notice: None,
            look,
            site_url: site_url.trim_end_matches('/').into(),
        }
    }

    /// This page's full address in a language (`lang=es`), or without one (`""`: the
    /// language is negotiated, the `x-default` of `hreflang`).
    pub fn in_lang(&self, code: &str) -> String {
        let (path, query) = self.path.split_once('?').unwrap_or((&self.path, ""));
        let mut pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .filter(|(k, _)| k != "lang")
            .collect();
        if !code.is_empty() {
            pairs.push(("lang".into(), code.into()));
        }
        let query: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        let sep = if query.is_empty() { "" } else { "?" };
        format!("{}{path}{sep}{query}", self.site_url)
    }

    /// The address search engines should keep for this page: itself, in its language.
    pub fn canonical(&self) -> String {
        self.in_lang(self.lang.code())
    }

    pub fn with_notice(mut self, notice: Option<String>) -> Ctx {
        self.notice = notice;
        self
    }

    pub fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }

    /// A text with one argument: `t1("records-count", "count", 3)`.
    pub fn t1(&self, key: &str, name: &'static str, value: impl ToString) -> String {
        self.lang.t_args(key, &[(name, value.to_string())])
    }

    /// A text with two arguments.
    pub fn t2(
        &self,
        key: &str,
        n1: &'static str,
        v1: impl ToString,
        n2: &'static str,
        v2: impl ToString,
    ) -> String {
        self.lang
            .t_args(key, &[(n1, v1.to_string()), (n2, v2.to_string())])
    }

    /// The text for a value of an enumeration: `label("kind", "municipality")` → `kind-municipality`.
    pub fn label(&self, prefix: &str, value: &str) -> String {
        self.lang
            .t(&format!("{prefix}-{}", value.replace(['_', '.'], "-")))
    }

    /// A date, or the day of a stored instant in Mexico's time: `12 mar 2026`. Pages put the
    /// raw value in the `datetime` attribute of the `<time>` around it.
    pub fn day(&self, ts: &str) -> String {
        crate::format::date(ts, self.lang)
    }

    /// A stored instant in Mexico's time with the zone: `12 mar 2026, 04:05 (hora del centro…)`.
    pub fn moment(&self, ts: &str) -> String {
        format!(
            "{} ({})",
            crate::format::instant(ts, self.lang),
            self.zone()
        )
    }

    /// A session's or event's time as entered (already Mexico's time), without the zone.
    pub fn wall(&self, ts: &str) -> String {
        crate::format::wall_time(ts, self.lang)
    }

    /// The name of the time zone every time on the site is shown in.
    pub fn zone(&self) -> String {
        crate::format::zone(self.lang)
    }

    /// A count with thousands separators.
    pub fn num(&self, n: impl std::borrow::Borrow<i64>) -> String {
        crate::format::integer(*n.borrow())
    }

    /// An amount of money: `$1,234.50`.
    pub fn money(&self, raw: &str) -> String {
        crate::format::money(raw)
    }

    /// A file size: `1.2 MB`.
    pub fn size(&self, bytes: i64) -> String {
        crate::format::file_size(bytes.max(0).unsigned_abs())
    }
}

/// One item of a form's error summary (the GOV.UK pattern): the field it is about, named by
/// its label and linked to, and what is wrong. Refusals are written `field: what is wrong`
/// (`title: escribe un título`); the key never reaches the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorItem {
    /// The field's name, which is also its element's `id` (the summary links to `#field`).
    pub field: Option<String>,
    /// The field's label (`field-<name>` in the locale files), when there is one.
    pub label: Option<String>,
    pub text: String,
}

impl ErrorItem {
    /// What the summary shows: `Título: escribe un título`.
    pub fn line(&self) -> String {
        match &self.label {
            Some(label) => format!("{label}: {}", self.text),
            None => self.text.clone(),
        }
    }
}

/// Splits `field: text` when `field` is a form field's name (lower case, digits, `_`).
fn split_field(message: &str) -> Option<(&str, &str)> {
    let (key, text) = message.split_once(": ")?;
    let is_name = key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    is_name.then_some((key, text))
}

impl Ctx {
    /// A refusal as an item of the error summary.
    pub fn error_item(&self, message: &str) -> ErrorItem {
        match split_field(message) {
            Some((key, text)) => ErrorItem {
                field: Some(key.to_owned()),
                label: self.lang.try_t(&format!("field-{key}")),
                text: text.to_owned(),
            },
            None => ErrorItem {
                field: None,
                label: None,
                text: message.to_owned(),
            },
        }
    }

    /// What is wrong with one field, to show beside it (joined when there are several).
    pub fn field_error(&self, errors: &[String], field: &str) -> Option<String> {
        let texts: Vec<String> = errors
            .iter()
            .filter_map(|m| split_field(m))
            .filter(|(key, _)| *key == field)
            .map(|(_, text)| text.to_owned())
            .collect();
        (!texts.is_empty()).then(|| texts.join(" "))
    }
}

/// One group of the site's menu: its name (a locale key) and its links (locale key, path).
#[derive(Debug)]
pub struct MenuGroup {
    pub key: &'static str,
    pub links: &'static [(&'static str, &'static str)],
}

/// Every public part of the site, grouped so the menu fits a phone. The header shows it (as
/// disclosures: no JavaScript needed) and the footer lists it whole.
pub const MENU: &[MenuGroup] = &[
    MenuGroup {
        key: "menu-transparency",
        links: &[("nav-subjects", "/sujetos"), ("nav-transparency", "/marco")],
    },
    MenuGroup {
        key: "menu-data",
        links: &[
            ("nav-catalog", "/datos"),
            ("nav-themes", "/datos/temas"),
            ("nav-topics", "/portales"),
        ],
    },
    MenuGroup {
        key: "menu-collaboration",
        links: &[
            ("nav-bodies", "/organos"),
            ("nav-agreements", "/acuerdos"),
            ("nav-calls", "/convocatorias"),
            ("nav-instruments", "/instrumentos"),
        ],
    },
    MenuGroup {
        key: "menu-training",
        links: &[
            ("nav-events", "/eventos"),
            ("nav-certificates", "/constancias"),
        ],
    },
    MenuGroup {
        key: "menu-society",
        links: &[
            ("nav-organisations", "/organizaciones"),
            ("nav-audit", "/bitacora"),
            ("nav-search", "/buscar"),
        ],
    },
];

impl Ctx {
    pub fn menu(&self) -> &'static [MenuGroup] {
        MENU
    }

    /// The parts shown directly in the header on wide screens (the menu holds them all).
    pub fn quick_links(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("nav-subjects", "/sujetos"),
            ("nav-data", "/datos"),
            ("nav-bodies", "/organos"),
            ("nav-calls", "/convocatorias"),
            ("nav-events", "/eventos"),
        ]
    }

    /// Whether a menu link leads to the part of the site this page belongs to.
    pub fn is_current(&self, link: &str) -> bool {
        let path = self.path.split('?').next().unwrap_or("");
        path == link
            || path
                .strip_prefix(link)
                .is_some_and(|rest| rest.starts_with('/'))
    }

    /// Whether this page belongs to one of the group's parts.
    pub fn in_group(&self, group: &MenuGroup) -> bool {
        group.links.iter().any(|(_, link)| self.is_current(link))
    }
}

/// Renders a template into a response.
pub fn render(t: &impl Template) -> AppResult<Response> {
    Ok(Html(t.render().map_err(|e| AppError::Internal(e.into()))?).into_response())
}

/// Renders a template with a status other than 200 (forms sent back with errors).
pub fn render_status(status: axum::http::StatusCode, t: &impl Template) -> AppResult<Response> {
    Ok((
        status,
        Html(t.render().map_err(|e| AppError::Internal(e.into()))?),
    )
        .into_response())
}

/// A submitted form (`application/x-www-form-urlencoded`), repeated fields kept in order.
pub struct Form(Vec<(String, String)>);

impl Form {
    pub fn parse(body: &[u8]) -> Form {
        Form(form_urlencoded::parse(body).into_owned().collect())
    }

    /// The first value of a field, trimmed; empty when missing.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.trim())
    }

    /// The untrimmed value (long texts keep their layout).
    pub fn raw(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every value of a repeated field (checkboxes).
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every (name, value) pair whose name starts with `prefix`, the prefix removed.
    pub fn with_prefix<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.0
            .iter()
            .filter_map(move |(k, v)| k.strip_prefix(prefix).map(|rest| (rest, v.as_str())))
    }
}

/// A form's fields as typed, to fill it again when it comes back with errors.
#[derive(Debug, Clone, Default)]
pub struct Filled(pub HashMap<String, String>);

impl Filled {
    pub fn from_body(body: &[u8]) -> Filled {
        Filled(form_urlencoded::parse(body).into_owned().collect())
    }

    /// A field's value; empty when missing.
    pub fn v(&self, key: &str) -> &str {
        self.0.get(key).map_or("", String::as_str)
    }

    /// Whether a field holds `value` (for `selected` and `checked`).
    pub fn is(&self, key: &str, value: &str) -> bool {
        self.v(key) == value
    }

    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        self.0.insert(key.to_owned(), value.into());
    }
}

/// Messages to show beside a form for a refused write, in the person's language; other
/// errors pass through.
pub fn form_errors(e: AppError, lang: Lang) -> AppResult<Vec<String>> {
    e.messages(lang).ok_or(e)
}

/// Commits `tx` when the write worked; otherwise drops it (nothing is saved) and gives the
/// messages to show beside the form, or the error itself when it is not the person's to fix.
pub async fn committed<T>(
    tx: tequio_store::Tx,
    result: tequio_store::StoreResult<T>,
    lang: Lang,
) -> AppResult<Result<T, Vec<String>>> {
    match result {
        Ok(value) => {
            tx.commit().await?;
            Ok(Ok(value))
        }
        Err(e) => {
            drop(tx);
            form_errors(e.into(), lang).map(Err)
        }
    }
}

/// Escapes text for XML or HTML written by hand (charts, the sitemap); templates escape on
/// their own.
pub fn escape_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Percent-encodes a value for a query string.
pub fn url_encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub c: &'a Ctx,
    pub status: u16,
    pub title: &'a str,
    pub detail: Option<&'a str>,
}

/// Only paths on this site: never send people to another host after a switch or a log-in.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

/// What has a page of its own on this site. Domains implement it for their store types: the
/// store keeps data, the web crate makes addresses.
pub trait HasPage {
    /// The path of its page (or download), from the site's root.
    fn path(&self) -> String;
}
