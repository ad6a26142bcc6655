//! A real server on a loopback port, over a fresh database, for each engine under test.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use tequio::app::router;
use tequio::config::Settings;
use tequio::state::AppState;
use tequio_store::Db;
use tequio_testkit::TestDb;

pub struct TestApp {
    pub base: String,
    pub db: Db,
    pub t: TestDb,
    /// The server's state (its settings, signing key, file store).
    pub state: AppState,
}

impl TestApp {
    /// A browser-like client: keeps cookies, does not follow redirects, sends Origin.
    pub fn browser(&self) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("origin", self.base.parse().unwrap());
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

pub async fn spawn(t: TestDb) -> TestApp {
    spawn_with(t, |_| {}).await
}

/// Like [`spawn`], with settings changed by `adjust` (which gets the test defaults).
pub async fn spawn_with(t: TestDb, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_full(t, adjust, None).await
}

/// Like [`spawn`], with uploaded files in `files` (an S3 bucket, say).
pub async fn spawn_with_files(t: TestDb, files: tequio::files::FileStore) -> TestApp {
    spawn_full(t, |_| {}, Some(files)).await
}

async fn spawn_full(
    t: TestDb,
    adjust: impl FnOnce(&mut Settings),
    files: Option<tequio::files::FileStore>,
) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut settings = Settings::for_tests(&base);
    adjust(&mut settings);
    let state = match files {
        Some(f) => AppState::with_files(t.db.clone(), settings, f).unwrap(),
        None => AppState::new(t.db.clone(), settings).unwrap(),
    };
    tequio::app::start_workers(&state);
    let app = router(state.clone());
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    TestApp {
        base,
        db: t.db.clone(),
        t,
        state,
    }
}

/// One running app per engine under test.
pub async fn apps() -> Vec<TestApp> {
    let mut out = Vec::new();
    for t in tequio_testkit::databases().await {
        out.push(spawn(t).await);
    }
    out
}

/// Creates an account with a verified e-mail, a known password and optional grants; returns its id.
pub async fn user(
    db: &Db,
    email: &str,
    password: &str,
    grants: &[tequio_domain::accounts::Grant],
) -> i64 {
    use tequio_store::{accounts, audit::Who};
    let hash = password_auth::generate_hash(password);
    let tx = db.begin().await.unwrap();
    let u = accounts::create_user(
        &tx,
        &Who::system(),
        email,
        email.split('@').next().unwrap(),
        &hash,
        "es",
    )
    .await
    .unwrap();
    accounts::mark_email_verified(&tx, &Who::system(), u.id)
        .await
        .unwrap();
    for g in grants {
        accounts::grant(&tx, &Who::system(), u.id, *g)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    u.id
}

/// Logs in through the form; panics unless it works.
pub async fn login(app: &TestApp, client: &reqwest::Client, email: &str, password: &str) {
    let res = client
        .post(app.url("/entrar"))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        303,
        "{}: log-in of {email} failed",
        app.t.name
    );
}

/// Two subjects for permission tests: returns their ids.
pub async fn two_subjects(db: &Db) -> (i64, i64) {
    use tequio_store::{audit::Who, subjects};
    let tx = db.begin().await.unwrap();
    let a = subjects::create(
        &tx,
        &Who::system(),
        subjects::SubjectInput {
            name: "Secretaría de Finanzas".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let b = subjects::create(
        &tx,
        &Who::system(),
        subjects::SubjectInput {
            name: "Secretaría de Turismo".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (a.id, b.id)
}

/// The text of a page's `<title>`; panics when the page has none or it holds markup.
pub fn title_of(html: &str) -> &str {
    let start = html.find("<title>").expect("a <title>") + "<title>".len();
    let end = html[start..].find("</title>").expect("a </title>") + start;
    let title = &html[start..end];
    assert!(!title.contains('<'), "markup inside <title>: {title}");
    title
}

/// The body of a page or download, as text (whatever its status).
pub async fn get_text(client: &reqwest::Client, url: impl reqwest::IntoUrl) -> String {
    client.get(url).send().await.unwrap().text().await.unwrap()
}

/// A JSON answer, parsed (whatever its status).
pub async fn get_json<T: serde::de::DeserializeOwned>(
    client: &reqwest::Client,
    url: impl reqwest::IntoUrl,
) -> T {
    client.get(url).send().await.unwrap().json().await.unwrap()
}

/// A form without fields (a button).
pub const NO_FIELDS: &[(&str, &str)] = &[];

/// Posts a form and returns the response.
pub async fn post_form<F: serde::Serialize + ?Sized>(
    client: &reqwest::Client,
    url: String,
    form: &F,
) -> reqwest::Response {
    client.post(url).form(form).send().await.unwrap()
}

/// A multipart form with a file (the part `file`) and text fields.
pub fn file_form(name: &str, bytes: &[u8], fields: &[(&str, &str)]) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_owned()),
    );
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    form
}

/// Waits for the background load of a resource to finish (done or failed).
pub async fn wait_loaded(app: &TestApp, resource: i64) -> tequio_store::catalog::Resource {
    for _ in 0..200 {
        let r = tequio_store::catalog::resource(&app.db, resource)
            .await
            .unwrap();
        if r.load_status == "done" || r.load_status == "failed" {
            return r;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!(
        "{}: the load of resource {resource} did not finish",
        app.t.name
    );
}

/// A guarantor with the 2015 framework and subjects of these names: (guarantor, subject ids).
pub async fn guarantor_with_framework(
    db: &Db,
    subjects: &[&str],
    kind: Option<tequio_domain::subjects::SubjectKind>,
) -> (i64, Vec<i64>) {
    use tequio_store::{audit::Who, subjects as st};
    let sys = Who::system();
    let tx = db.begin().await.unwrap();
    let g = st::ensure_guarantor(&tx, &sys, "Instituto", "INAIP", None, None)
        .await
        .unwrap();
    let mut ids = Vec::new();
    for name in subjects {
        let s = st::create(
            &tx,
            &sys,
            st::SubjectInput {
                name: (*name).into(),
                kind,
                guarantor_id: Some(g),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        ids.push(s.id);
    }
    let framework = tequio_domain::transparency::framework::FrameworkFile::parse(include_str!(
        "../../../../../frameworks/lgtaip2015-art70.json"
    ))
    .unwrap();
    tequio_store::transparency::import_framework(&tx, &sys, g, &framework)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    (g, ids)
}

/// Creates a subject's API token through its page, as its editor (`client`); returns it.
pub async fn subject_token(
    app: &TestApp,
    editor: &reqwest::Client,
    subject: i64,
    name: &str,
) -> String {
    let res = editor
        .post(app.url(&format!("/sujetos/{subject}/tokens")))
        .form(&[("name", name)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        200,
        "{}: a token for subject {subject}",
        app.t.name
    );
    let html = res.text().await.unwrap();
    let at = html.find("tqo_").unwrap();
    html[at..at + 68].to_owned()
}
