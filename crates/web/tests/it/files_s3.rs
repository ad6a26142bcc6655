#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The file store on an S3-compatible bucket: a real S3-protocol server (s3s-fs, over a
//! temporary folder) on a loopback port, Tequio talking to it over HTTP with signed requests,
//! on every database engine. An upload lands in the bucket and is served back, its rows load
//! from there, a replacement removes the old object, and a refused or failed upload leaves no
//! object behind.

use crate::common::{login, user};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tequio::files::FileStore;
use tequio_domain::accounts::{Grant, Role};

const PASSWORD: &str = "contraseña-larga-1";
const KEY: &str = "tequio-test-key";
const SECRET: &str = "tequio-test-secret-0123456789";

/// Starts s3s-fs on a loopback port over `root` with one bucket; returns its endpoint.
async fn s3_server(root: &Path, bucket: &str) -> String {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::server::conn::auto::Builder as ConnBuilder;
    std::fs::create_dir_all(root.join(bucket)).unwrap();
    let fs = s3s_fs::FileSystem::new(root).unwrap();
    let mut b = s3s::service::S3ServiceBuilder::new(fs);
    b.set_auth(s3s::auth::SimpleAuth::from_single(KEY, SECRET));
    let service = b.build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let http = ConnBuilder::new(TokioExecutor::new());
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                continue;
            };
            let conn = http
                .serve_connection(TokioIo::new(socket), service.clone())
                .into_owned();
            tokio::spawn(async move {
                let _ = conn.await;
            });
        }
    });
    format!("http://{addr}")
}

/// Every object file under the bucket's folder (s3s-fs keeps objects as files).
fn objects(root: &Path, bucket: &str) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if !p.to_string_lossy().contains(".s3s") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&root.join(bucket), &mut out);
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_live_in_an_s3_bucket_and_leave_no_orphans() {
    for t in tequio_testkit::databases().await {
        let engine = t.name;
        let root = std::env::temp_dir().join(format!("tequio-s3-{engine}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let endpoint = s3_server(&root, "datos").await;
        let files = FileStore::from_url_with_keys(
            Some(&format!(
                "s3://datos/tequio?endpoint={endpoint}&region=us-east-1"
            )),
            &root,
            Some((KEY, SECRET)),
        )
        .unwrap();
        assert!(
            files.description.contains("S3 bucket datos"),
            "{}",
            files.description
        );
        let app = crate::common::spawn_with_files(t, files.clone()).await;
        let (subject, _) = crate::common::two_subjects(&app.db).await;
        user(
            &app.db,
            "editora@finanzas.mx",
            PASSWORD,
            &[Grant::new(Role::SubjectEditor, Some(subject)).unwrap()],
        )
        .await;
        let editor = app.browser();
        login(&app, &editor, "editora@finanzas.mx", PASSWORD).await;
        let res = editor
            .post(app.url(&format!("/sujetos/{subject}/datos/nuevo")))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("title=Compras")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{engine}");

        // An upload: the object is in the bucket, served back, and its rows load from there.
        let csv = "proveedor,monto\nPapelería Juárez,1200.50\nFerretería Mitla,830\n";
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("compras.csv"),
        );
        let res = editor
            .post(app.url("/datos/compras/recursos/nuevo"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{engine}");
        let location = res.headers()["location"].to_str().unwrap().to_owned();
        let rid: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
        let stored = objects(&root, "datos");
        assert_eq!(stored.len(), 1, "{engine}: {stored:?}");
        assert!(
            stored[0].starts_with(root.join("datos/tequio/sha256")),
            "{engine}: {stored:?}"
        );
        assert_eq!(std::fs::read_to_string(&stored[0]).unwrap(), csv);
        let back = reqwest::get(app.url(&format!("{location}/archivo")))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(back, csv, "{engine}: downloaded from the bucket");
        let mut loaded = None;
        for _ in 0..200 {
            let r = tequio_store::catalog::resource(&app.db, rid).await.unwrap();
            if r.load_status == "done" || r.load_status == "failed" {
                loaded = Some(r);
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let loaded = loaded.expect("the load finished");
        assert_eq!(
            (loaded.load_status.as_str(), loaded.datastore_rows),
            ("done", Some(2)),
            "{engine}"
        );

        // A replacement: the new object in, the old one out.
        let csv2 = "proveedor,monto\nTextiles Teotitlán,5400\n";
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(csv2.as_bytes().to_vec()).file_name("compras-2.csv"),
        );
        let res = editor
            .post(app.url(&format!("{location}/reemplazar")))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{engine}");
        let stored = objects(&root, "datos");
        assert_eq!(
            stored.len(),
            1,
            "{engine}: only the new file is kept: {stored:?}"
        );
        assert_eq!(std::fs::read_to_string(&stored[0]).unwrap(), csv2);

        // A refused upload stores nothing.
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(b"a,b\n1,2,3\n".to_vec()).file_name("roto.csv"),
        );
        let res = editor
            .post(app.url("/datos/compras/recursos/nuevo"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{engine}");
        assert_eq!(objects(&root, "datos").len(), 1, "{engine}");

        // An upload whose saving fails after the file went to the bucket: the file is removed.
        let state = tequio::state::AppState::with_files(
            app.db.clone(),
            tequio::config::Settings::for_tests(&app.base),
            files.clone(),
        )
        .unwrap();
        let prepared = tequio::catalog::prepare_resource(
            &state,
            "es",
            "huérfano",
            "",
            "",
            tequio::upload::FileField::Present {
                name: "huerfano.csv".into(),
                bytes: b"x,y\n1,2\n".to_vec(),
            },
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(
            objects(&root, "datos").len(),
            2,
            "{engine}: the file reached the bucket"
        );
        let saved = tequio::catalog::save_new_resource(
            &state,
            &tequio_store::audit::Who::system(),
            999_999, // no such dataset: the database refuses the row
            &prepared,
        )
        .await;
        assert!(saved.is_err(), "{engine}");
        let key = prepared.file.as_ref().unwrap().key.clone();
        assert!(
            !files.exists(&key).await,
            "{engine}: no orphan in the bucket"
        );
        assert_eq!(objects(&root, "datos").len(), 1, "{engine}");
        let _ = std::fs::remove_dir_all(&root);
    }
}
