//! The `tequio` binary: demo loading, admin commands and `verify-log`, on every engine.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use std::process::Command;

fn tequio(url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tequio"))
        .args(args)
        .env("TEQUIO_DATABASE_URL", url)
        .env("TEQUIO_LOG", "warn")
        .output()
        .unwrap()
}

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[tokio::test]
async fn demo_loads_once_and_verify_log_catches_tampering() {
    for t in tequio_testkit::databases().await {
        let name = t.name;
        let out = tequio(&t.url, &["demo"]);
        assert!(out.status.success(), "{name}: {}", text(&out));
        let printed = text(&out);
        assert!(
            printed.contains("202 new obligated subjects"),
            "{name}: {printed}"
        );
        let admin_line = printed
            .lines()
            .find(|l| l.contains("admin@tequio.demo"))
            .unwrap();
        let password = admin_line.split_whitespace().last().unwrap();
        assert_eq!(
            password.len(),
            23,
            "{name}: a generated password is printed"
        );

        let head = tequio_store::audit::head(&t.db).await.unwrap().unwrap();
        let again = tequio(&t.url, &["demo"]);
        assert!(again.status.success());
        assert!(text(&again).contains("0 new obligated subjects"), "{name}");
        assert_eq!(
            tequio_store::audit::head(&t.db).await.unwrap().unwrap(),
            head,
            "{name}: a second load changes nothing"
        );

        // A second run of the demo generates other passwords: none is fixed.
        let other = tequio_testkit::sqlite().await;
        let out2 = tequio(&other.url, &["demo"]);
        assert!(
            !text(&out2).contains(password),
            "{name}: passwords differ between installs"
        );

        let ok = tequio(&t.url, &["verify-log"]);
        assert!(ok.status.success(), "{name}: {}", text(&ok));
        assert!(
            text(&ok).contains(&format!("head {}:{}", head.seq, head.hash)),
            "{name}"
        );
        let saved = format!("{}:{}", head.seq, head.hash);
        assert!(
            tequio(&t.url, &["verify-log", "--head", &saved])
                .status
                .success()
        );
        let wrong = format!("{}:{}", head.seq, "0".repeat(64));
        assert_eq!(
            tequio(&t.url, &["verify-log", "--head", &wrong])
                .status
                .code(),
            Some(1),
            "{name}"
        );
        assert!(
            !tequio(&t.url, &["verify-log", "--head", "nonsense"])
                .status
                .success()
        );

        // Tamper with entry 5 by raw SQL, past the guard a superuser could drop.
        let unguard = match t.name {
            "sqlite" => "DROP TRIGGER audit_log_no_update",
            _ => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update",
        };
        t.db.batch(unguard).await.unwrap();
        t.db.batch("UPDATE audit_log SET actor = 'alguien más' WHERE seq = 5")
            .await
            .unwrap();
        let broken = tequio(&t.url, &["verify-log"]);
        assert_eq!(broken.status.code(), Some(1), "{name}: {}", text(&broken));
        assert!(
            text(&broken).contains("BROKEN: entry 5"),
            "{name}: {}",
            text(&broken)
        );
    }
}

#[tokio::test]
async fn admin_commands() {
    for t in tequio_testkit::databases().await {
        let name = t.name;
        let out = tequio(
            &t.url,
            &[
                "admin",
                "create-user",
                "--email",
                "Jefa@Example.mx",
                "--name",
                "Jefa",
                "--admin",
            ],
        );
        assert!(out.status.success(), "{name}: {}", text(&out));
        assert!(text(&out).contains("Password (shown only now): "));
        let dup = tequio(
            &t.url,
            &[
                "admin",
                "create-user",
                "--email",
                "jefa@example.mx",
                "--name",
                "Otra",
            ],
        );
        assert!(!dup.status.success());
        assert!(
            text(&dup).contains("already exists"),
            "{name}: {}",
            text(&dup)
        );
        let bad = tequio(
            &t.url,
            &[
                "admin",
                "grant",
                "--email",
                "jefa@example.mx",
                "--role",
                "subject_editor",
            ],
        );
        assert!(
            !bad.status.success() && text(&bad).contains("needs a scope"),
            "{name}: {}",
            text(&bad)
        );
        let ok = tequio(
            &t.url,
            &[
                "admin",
                "grant",
                "--email",
                "jefa@example.mx",
                "--role",
                "moderator",
            ],
        );
        assert!(ok.status.success(), "{name}: {}", text(&ok));
        let reset = tequio(
            &t.url,
            &["admin", "reset-password", "--email", "jefa@example.mx"],
        );
        assert!(
            text(&reset).contains("New password for jefa@example.mx"),
            "{name}"
        );
        let (user, _) = tequio_store::accounts::find_by_email(&t.db, "jefa@example.mx")
            .await
            .unwrap()
            .unwrap();
        let grants = tequio_store::accounts::list_grants(&t.db, user.id)
            .await
            .unwrap();
        assert_eq!(grants.len(), 2, "{name}");
        let help = Command::new(env!("CARGO_BIN_EXE_tequio"))
            .arg("--help")
            .output()
            .unwrap();
        for sub in ["serve", "migrate", "demo", "admin", "verify-log"] {
            assert!(
                String::from_utf8_lossy(&help.stdout).contains(sub),
                "help lists {sub}"
            );
        }
    }
}

#[tokio::test]
async fn framework_and_bulk_import_from_the_command_line() {
    for t in tequio_testkit::databases().await {
        let name = t.name;
        let out = tequio(&t.url, &["demo"]);
        assert!(out.status.success(), "{name}: {}", text(&out));
        let (_, found) = tequio_store::subjects::list(
            &t.db,
            &tequio_store::subjects::Filter {
                q: Some("Benito Juárez".into()),
                limit: 5,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let uabjo = found
            .iter()
            .find(|s| s.name.contains("UNIVERSIDAD AUTÓNOMA BENITO JUÁREZ"))
            .unwrap()
            .id
            .to_string();

        // The framework goes out and comes back unchanged.
        let dir = tempdir();
        let file = dir.join("marco.json");
        let out = tequio(
            &t.url,
            &[
                "framework",
                "export",
                "--law",
                "1",
                "--out",
                file.to_str().unwrap(),
            ],
        );
        assert!(out.status.success(), "{name}: {}", text(&out));
        let out = tequio(&t.url, &["framework", "import", file.to_str().unwrap()]);
        assert!(
            text(&out).contains(
                "0 obligations added, 0 updated; 0 formats added, 0 new versions, 49 unchanged"
            ),
            "{name}: {}",
            text(&out)
        );
        std::fs::write(&file, "{\"tequio_framework\": 1, \"law\": {\"code\": \"\", \"name\": \"X\"}, \"obligations\": []}").unwrap();
        let out = tequio(&t.url, &["framework", "import", file.to_str().unwrap()]);
        assert!(
            !out.status.success() && text(&out).contains("law.code: falta el código de la ley"),
            "{name}: {}",
            text(&out)
        );

        // Bulk import: the real file is published, a bad one is refused with its reasons.
        let real = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../testdata/pnt/formato8_art70_frVIII_2025T3_uady.xlsx"
        );
        let bad = dir.join("malo.csv");
        std::fs::write(&bad, "Ejercicio,Color\n2025,rojo\n").unwrap();
        let out = tequio(
            &t.url,
            &[
                "import",
                "--subject",
                &uabjo,
                "--obligation",
                "70-VIII",
                real,
                bad.to_str().unwrap(),
            ],
        );
        let printed = text(&out);
        assert_eq!(out.status.code(), Some(1), "{name}: {printed}");
        assert!(printed.contains("✔ formato8_art70_frVIII_2025T3_uady.xlsx: 70-VIII 2025-T3, versión 1, 3900 registros (57454 filas de subtablas)"), "{name}: {printed}");
        assert!(
            printed.contains("✘ malo.csv: no se publicó"),
            "{name}: {printed}"
        );
        assert!(
            printed.contains(
                "malo.csv: fila 1, columna B: la columna «Color» no pertenece a este formato"
            ),
            "{name}: {printed}"
        );
        assert!(
            printed.contains("Resumen: 1 publicados, 0 sin cambios, 1 rechazados; 3900 registros"),
            "{name}: {printed}"
        );
        let out = tequio(
            &t.url,
            &[
                "import",
                "--subject",
                &uabjo,
                "--obligation",
                "70-VIII",
                real,
            ],
        );
        assert!(
            out.status.success() && text(&out).contains("Resumen: 0 publicados, 1 sin cambios"),
            "{name}: {}",
            text(&out)
        );
        let out = tequio(
            &t.url,
            &[
                "import",
                "--subject",
                &uabjo,
                "--obligation",
                "70-XCIX",
                real,
            ],
        );
        assert!(
            !out.status.success() && text(&out).contains("no obligation 70-XCIX"),
            "{name}: {}",
            text(&out)
        );
    }
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "tequio-cli-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The README's PostgreSQL command names a database that does not exist yet: Tequio creates
/// it; a user who may not create databases is told what is missing and how to fix it.
#[tokio::test]
async fn a_missing_postgres_database_is_created_or_explained() {
    let Some(server) = tequio_testkit::postgres_url() else {
        eprintln!("note: TEQUIO_TEST_POSTGRES_URL is not set; this PostgreSQL test is skipped");
        return;
    };
    let (base, _) = server.rsplit_once('/').unwrap();
    let suffix = tequio::auth::new_token().unwrap()[..8].to_owned();
    let name = format!("tequio_readme_{suffix}");
    let url = format!("{base}/{name}");
    let admin = |sql: String| {
        let server = server.clone();
        async move {
            let (client, conn) = tokio_postgres::connect(&server, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(conn);
            client.batch_execute(&sql).await.unwrap();
        }
    };

    let out = tequio(&url, &["migrate"]);
    assert!(out.status.success(), "{}", text(&out));
    let ok = tequio(&url, &["verify-log"]);
    assert!(text(&ok).contains("OK: the log is empty"), "{}", text(&ok));
    admin(format!("DROP DATABASE {name}")).await;

    // A role that may sign in but not create databases.
    let role = format!("sin_permiso_{suffix}");
    admin(format!("CREATE ROLE {role} LOGIN")).await;
    let (scheme, rest) = base.split_once("://").unwrap();
    let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    let out = tequio(&format!("{scheme}://{role}@{host}/{name}"), &["migrate"]);
    admin(format!("DROP ROLE {role}")).await;
    assert_eq!(out.status.code(), Some(1));
    let said = text(&out);
    for words in [
        format!("the database «{name}» does not exist"),
        format!("user «{role}» cannot create it"),
        "permission denied to create database".to_owned(),
        "createdb -h ".to_owned(),
    ] {
        assert!(said.contains(&words), "«{words}» not in: {said}");
    }
}

/// `tequio` with a data folder, and a database URL when given (else the folder's SQLite).
fn tequio_at(url: Option<&str>, data: &std::path::Path, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tequio"));
    cmd.args(["--data-dir", &data.display().to_string()])
        .args(args)
        .env("TEQUIO_LOG", "warn")
        .env_remove("TEQUIO_DATABASE_URL");
    if let Some(url) = url {
        cmd.env("TEQUIO_DATABASE_URL", url);
    }
    cmd.output().unwrap()
}

/// A backup of the demo, made while it could be serving, restores into a fresh data folder
/// (and, on PostgreSQL, a new database): same log, same data, same files, same key.
#[tokio::test]
async fn backup_and_restore_round_trip_the_demo() {
    for t in tequio_testkit::databases().await {
        let name = t.name;
        let data = tequio_testkit::TempDir::new();
        let out = tequio_at(Some(&t.url), &data.0, &["demo"]);
        assert!(out.status.success(), "{name}: {}", text(&out));
        let key = tequio::signing_key::load_or_create_key(&data.0).unwrap();
        let head = tequio_store::audit::head(&t.db).await.unwrap().unwrap();
        let zip = data.0.join("respaldo.zip");
        let out = tequio_at(
            Some(&t.url),
            &data.0,
            &["backup", "--out", &zip.display().to_string()],
        );
        assert!(out.status.success(), "{name}: {}", text(&out));
        assert!(
            text(&out).contains("3 file(s) included"),
            "{name}: {}",
            text(&out)
        );

        // Somewhere new: an empty data folder, and on PostgreSQL a database not yet made.
        let fresh = tequio_testkit::TempDir::new();
        let target = t.schema.as_ref().map(|_| {
            let suffix = &tequio::auth::new_token().unwrap()[..8];
            t.url
                .replacen("/postgres?", &format!("/tequio_restaurada_{suffix}?"), 1)
        });
        let restored = tequio_at(
            target.as_deref(),
            &fresh.0,
            &["restore", &zip.display().to_string()],
        );
        assert!(restored.status.success(), "{name}: {}", text(&restored));
        assert!(
            text(&restored).contains(&format!("head {}:{}", head.seq, head.hash)),
            "{name}: {}",
            text(&restored)
        );
        let verified = tequio_at(target.as_deref(), &fresh.0, &["verify-log"]);
        assert!(verified.status.success(), "{name}: {}", text(&verified));
        let again = tequio::signing_key::load_or_create_key(&fresh.0).unwrap();
        assert_eq!(
            again.public_key(),
            key.public_key(),
            "{name}: the same signing key"
        );
        let restored_db = tequio_store::Db::connect(
            target
                .clone()
                .unwrap_or_else(|| format!("sqlite://{}", fresh.0.join("tequio.db").display()))
                .as_str(),
        )
        .await
        .unwrap();
        let files = tequio::files::FileStore::local(&fresh.0.join("files")).unwrap();
        for key in tequio_store::backup::referenced_files(&restored_db)
            .await
            .unwrap()
        {
            assert!(files.exists(&key).await, "{name}: {key} restored");
        }
        assert_eq!(
            tequio_store::subjects::count_by_kind(&restored_db)
                .await
                .unwrap(),
            tequio_store::subjects::count_by_kind(&t.db).await.unwrap(),
            "{name}: the same subjects"
        );
        // A second restore refuses: the database is no longer empty.
        let twice = tequio_at(
            target.as_deref(),
            &fresh.0,
            &["restore", &zip.display().to_string()],
        );
        assert_eq!(twice.status.code(), Some(1), "{name}");
        assert!(text(&twice).contains("already holds data"), "{name}");
        restored_db.close();
        if let (Some(admin), Some(target)) = (tequio_testkit::postgres_url(), &target) {
            let db_name = target.split('/').nth(3).unwrap().split('?').next().unwrap();
            let (client, conn) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(conn);
            client
                .batch_execute(&format!("DROP DATABASE {db_name} WITH (FORCE)"))
                .await
                .unwrap();
        }
    }
}
