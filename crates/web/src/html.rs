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
    pub is_admin: bool,
    /// The words in the header's search box.
    pub query: String,
    /// A one-line confirmation shown above the content.
    pub notice: Option<String>,
}

impl Ctx {
    pub fn new(viewer: &Viewer, path: &str) -> Ctx {
        Ctx {
            lang: viewer.lang,
            path: path.to_owned(),
            user_name: viewer.user.as_ref().map(|u| u.display_name.clone()),
            is_admin: viewer.is_admin(),
            query: String::new(),
            notice: None,
        }
    }

    /// For pages rendered without a viewer (error pages).
    pub fn bare(lang: Lang, path: &str) -> Ctx {
        Ctx {
            lang,
            path: path.to_owned(),
            user_name: None,
            is_admin: false,
            query: String::new(),
            notice: None,
        }
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

    /// The date part of a stored time.
    pub fn day(&self, ts: &str) -> String {
        ts.get(..10).unwrap_or(ts).to_owned()
    }

    /// A stored time to the second, in UTC.
    pub fn moment(&self, ts: &str) -> String {
        ts.get(..19)
            .map(|s| format!("{} UTC", s.replace('T', " ")))
            .unwrap_or_else(|| ts.to_owned())
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
