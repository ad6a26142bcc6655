//! The server over real HTTP, on every engine under test.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use crate::common::{apps, login, post_form, title_of, two_subjects, user};
use tequio_domain::accounts::{Grant, Role};
use tequio_store::{accounts, subjects};

#[tokio::test]
async fn public_pages_api_and_errors() {
    for app in apps().await {
        let name = app.t.name;
        let (a, _) = two_subjects(&app.db).await;
        let c = reqwest::Client::new();
        for path in [
            "/",
            "/sujetos",
            &format!("/sujetos/{a}"),
            "/buscar?q=finanzas",
            "/bitacora",
            "/organizaciones",
            "/entrar",
            "/registro",
            "/contrasena/olvide",
        ] {
            let res = c.get(app.url(path)).send().await.unwrap();
            assert_eq!(res.status(), 200, "{name}: {path}");
            let h = res.headers();
            assert!(
                h["content-security-policy"]
                    .to_str()
                    .unwrap()
                    .contains("frame-ancestors 'none'"),
                "{name}: {path}"
            );
            assert_eq!(h["x-content-type-options"], "nosniff");
            assert_eq!(h["referrer-policy"], "same-origin");
            assert!(h.contains_key("x-request-id"), "{name}: request ids");
            let html = res.text().await.unwrap();
            assert!(
                html.contains("<main id=\"main\""),
                "{name}: {path} has the layout"
            );
            assert!(html.contains("href=\"#main\""), "{name}: skip link");
            assert!(title_of(&html).ends_with("· Tequio"), "{name}: {path}");
        }
        let html = crate::common::get_text(&c, app.url("/buscar?q=FINANZAS")).await;
        assert!(
            html.contains("<mark>Finanzas</mark>"),
            "{name}: highlighted hit"
        );

        // English on request, Spanish by default.
        let en = c
            .get(app.url("/"))
            .header("accept-language", "en-GB,en")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            en.contains("lang=\"en\"") && en.contains("Obligated subjects"),
            "{name}"
        );
        let es = crate::common::get_text(&c, app.url("/")).await;
        assert!(
            es.contains("lang=\"es\"") && es.contains("Sujetos obligados"),
            "{name}"
        );

        // Error pages: HTML for people, problems under /api.
        let res = c.get(app.url("/no-existe")).send().await.unwrap();
        assert_eq!(res.status(), 404);
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("No encontramos esta página")
        );
        let res = c
            .get(app.url("/api/v1/subjects/999999"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let res = c
            .get(app.url("/api/v1/subjects?page=abc"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);
        let problem: serde_json::Value = res.json().await.unwrap();
        assert!(
            problem["detail"].as_str().unwrap().contains("page"),
            "{name}: {problem}"
        );
        let res = c
            .get(app.url("/api/v1/subjects?kind=planeta"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);
        let res = c
            .get(app.url("/sujetos?tipo=planeta"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);
        assert!(
            res.text().await.unwrap().contains("planeta"),
            "{name}: the page says which value was wrong"
        );
        let res = c.delete(app.url("/sujetos")).send().await.unwrap();
        assert_eq!(res.status(), 405);

        // The API.
        let list: serde_json::Value =
            crate::common::get_json(&c, app.url("/api/v1/subjects?q=turismo")).await;
        assert_eq!(list["total"], 1, "{name}");
        assert_eq!(list["items"][0]["name"], "Secretaría de Turismo");
        let found: serde_json::Value =
            crate::common::get_json(&c, app.url("/api/v1/search?q=secretarias")).await;
        assert_eq!(found["total"], 2, "{name}: plural finds singular");
        let first = &found["items"][0];
        assert_eq!(
            first["url"].as_str().unwrap(),
            format!("/sujetos/{}", first["id"]),
            "{name}: a hit links to its page"
        );
        let head: serde_json::Value =
            crate::common::get_json(&c, app.url("/api/v1/audit/head")).await;
        assert_eq!(head["seq"], 2, "{name}");
        let entries: serde_json::Value =
            crate::common::get_json(&c, app.url("/api/v1/audit?limit=1")).await;
        assert_eq!(entries[0]["hash"], head["hash"]);
        let health: serde_json::Value = crate::common::get_json(&c, app.url("/healthz")).await;
        assert_eq!(health["status"], "ok");
        assert_eq!(health["database"], name);
        let spec: serde_json::Value =
            crate::common::get_json(&c, app.url("/api/v1/openapi.json")).await;
        assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
        for path in [
            "/healthz",
            "/api/v1/subjects",
            "/api/v1/subjects/{id}",
            "/api/v1/search",
            "/api/v1/audit",
            "/api/v1/audit/head",
            "/api/v1/guarantors",
            "/api/v1/organisations",
        ] {
            assert!(spec["paths"][path].is_object(), "OpenAPI lacks {path}");
        }

        // Downloads of the directory, filtered.
        let res = c
            .get(app.url("/sujetos.csv?q=turismo"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
        let csv = res.text().await.unwrap();
        assert_eq!(csv.lines().count(), 2, "{name}: header and one row");
        assert!(csv.starts_with("id,nombre,siglas,tipo"));
        let json: serde_json::Value = crate::common::get_json(&c, app.url("/sujetos.json")).await;
        assert_eq!(json.as_array().unwrap().len(), 2);
        let none: serde_json::Value =
            crate::common::get_json(&c, app.url("/sujetos.json?q=zzzz")).await;
        assert_eq!(none, serde_json::json!([]));
    }
}

fn link_in(body: &str, path: &str) -> String {
    let start = body.find(path).unwrap();
    body[start..].split_whitespace().next().unwrap().to_owned()
}

#[tokio::test]
async fn sign_up_verify_log_in_and_reset_a_password() {
    for app in apps().await {
        let name = app.t.name;
        let b = app.browser();
        let res = post_form(
            &b,
            app.url("/registro"),
            &[
                ("display_name", "Ana"),
                ("email", "Ana@Example.mx"),
                ("password", "una frase bastante larga"),
            ],
        )
        .await;
        assert_eq!(res.status(), 303, "{name}");
        assert_eq!(res.headers()["location"], "/cuenta?aviso=verify-sent");
        let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(
            cookie.contains("HttpOnly")
                && cookie.contains("SameSite=Lax")
                && !cookie.contains("Secure"),
            "{cookie}"
        );
        let page = crate::common::get_text(&b, app.url("/cuenta")).await;
        assert!(
            page.contains("ana@example.mx") && page.contains("sin verificar"),
            "{name}"
        );

        // The verification e-mail is in the outbox (no SMTP in tests).
        let mail = accounts::list_outbox(&app.db, 5).await.unwrap();
        assert_eq!(
            (mail[0].to_address.as_str(), mail[0].status.as_str()),
            ("ana@example.mx", "local")
        );
        let link = link_in(&mail[0].body, &format!("{}/verificar?token=", app.base));
        assert_eq!(b.get(&link).send().await.unwrap().status(), 200, "{name}");
        assert_eq!(
            b.get(&link).send().await.unwrap().status(),
            400,
            "{name}: a link works once"
        );
        assert!(
            crate::common::get_text(&b, app.url("/cuenta"))
                .await
                .contains(">verificado<")
        );

        // Duplicate e-mail, bad input: clear messages, nothing saved.
        let res = post_form(
            &b,
            app.url("/registro"),
            &[
                ("display_name", "Otra"),
                ("email", "ana@example.mx"),
                ("password", "otra frase muy larga"),
            ],
        )
        .await;
        assert_eq!(res.status(), 422);
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("Ya existe una cuenta con ese correo")
        );
        let res = post_form(
            &b,
            app.url("/registro"),
            &[
                ("display_name", ""),
                ("email", "no-es-correo"),
                ("password", "corta"),
            ],
        )
        .await;
        assert_eq!(res.status(), 422);
        let body = res.text().await.unwrap();
        assert!(
            body.contains("Escribe tu nombre")
                && body.contains("correo electrónico válido")
                && body.contains("al menos 10"),
            "{name}: all errors at once"
        );
        assert_eq!(
            accounts::list_users(&app.db, None, 10, 0).await.unwrap().0,
            1
        );

        // Log out, wrong password, right password.
        assert_eq!(
            b.post(app.url("/salir")).send().await.unwrap().status(),
            303
        );
        assert!(
            b.get(app.url("/cuenta")).send().await.unwrap().headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/entrar")
        );
        let res = post_form(
            &b,
            app.url("/entrar"),
            &[("email", "ana@example.mx"), ("password", "no es esta")],
        )
        .await;
        assert_eq!(res.status(), 422);
        assert!(res.text().await.unwrap().contains("no coinciden"));
        let res = post_form(
            &b,
            app.url("/entrar"),
            &[("email", "nadie@example.mx"), ("password", "no es esta")],
        )
        .await;
        assert_eq!(res.status(), 422, "{name}: unknown e-mail, same answer");
        login(&app, &b, "ana@example.mx", "una frase bastante larga").await;

        // Reset: the same answer for unknown addresses; the link sets a new password and ends sessions.
        let anon = app.browser();
        let res = post_form(
            &anon,
            app.url("/contrasena/olvide"),
            &[("email", "nadie@example.mx")],
        )
        .await;
        assert_eq!(res.status(), 200);
        let before = accounts::list_outbox(&app.db, 50).await.unwrap().len();
        post_form(
            &anon,
            app.url("/contrasena/olvide"),
            &[("email", "ana@example.mx")],
        )
        .await;
        let mail = accounts::list_outbox(&app.db, 50).await.unwrap();
        assert_eq!(
            mail.len(),
            before + 1,
            "{name}: only the real account gets mail"
        );
        let link = link_in(
            &mail[0].body,
            &format!("{}/contrasena/restablecer?token=", app.base),
        );
        let token = link.split("token=").nth(1).unwrap();
        assert_eq!(anon.get(&link).send().await.unwrap().status(), 200);
        let res = post_form(
            &anon,
            app.url("/contrasena/restablecer"),
            &[("token", token), ("password", "corta")],
        )
        .await;
        assert_eq!(res.status(), 422);
        let res = post_form(
            &anon,
            app.url("/contrasena/restablecer"),
            &[("token", token), ("password", "la nueva frase larga")],
        )
        .await;
        assert_eq!(res.status(), 200, "{name}");
        let res = post_form(
            &anon,
            app.url("/contrasena/restablecer"),
            &[("token", token), ("password", "otra vez la misma")],
        )
        .await;
        assert_eq!(res.status(), 400, "{name}: the reset link works once");
        assert!(
            b.get(app.url("/cuenta"))
                .send()
                .await
                .unwrap()
                .status()
                .is_redirection(),
            "{name}: old session ended"
        );
        let res = post_form(
            &anon,
            app.url("/entrar"),
            &[
                ("email", "ana@example.mx"),
                ("password", "una frase bastante larga"),
            ],
        )
        .await;
        assert_eq!(res.status(), 422);
        login(&app, &anon, "ana@example.mx", "la nueva frase larga").await;
    }
}

#[tokio::test]
async fn log_in_attempts_are_limited() {
    for app in apps().await {
        let b = app.browser();
        let mut statuses = Vec::new();
        for _ in 0..11 {
            let res = post_form(
                &b,
                app.url("/entrar"),
                &[("email", "x@example.mx"), ("password", "nope nope nope")],
            )
            .await;
            statuses.push(res.status().as_u16());
        }
        assert_eq!(statuses[..10], [422; 10], "{}", app.t.name);
        assert_eq!(statuses[10], 429, "{}", app.t.name);
    }
}

#[tokio::test]
async fn state_changes_from_other_sites_are_refused() {
    for app in apps().await {
        let name = app.t.name;
        user(
            &app.db,
            "admin@example.mx",
            "frase de administracion",
            &[Grant::new(Role::Admin, None).unwrap()],
        )
        .await;
        let b = app.browser();
        login(&app, &b, "admin@example.mx", "frase de administracion").await;
        let form = [("name", "Creado desde otro sitio"), ("kind", "executive")];
        let foreign = b
            .post(app.url("/admin/sujetos/nuevo"))
            .header("origin", "https://evil.example")
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(foreign.status(), 403, "{name}");
        assert!(
            foreign.text().await.unwrap().contains("otro sitio"),
            "{name}: says why"
        );
        let cross = b
            .post(app.url("/admin/sujetos/nuevo"))
            .header("sec-fetch-site", "cross-site")
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(cross.status(), 403);
        // A cookie but no Origin nor Sec-Fetch-Site: refused.
        let bare = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let session = b.get(app.url("/")).send().await.unwrap(); // keep the jar warm
        drop(session);
        let res = bare
            .post(app.url("/admin/sujetos/nuevo"))
            .header("cookie", "tequio_session=abc")
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
        assert_eq!(
            subjects::list(
                &app.db,
                &subjects::Filter {
                    limit: 10,
                    ..Default::default()
                }
            )
            .await
            .unwrap()
            .0,
            0,
            "{name}: nothing created"
        );
        let ok = b
            .post(app.url("/admin/sujetos/nuevo"))
            .header("sec-fetch-site", "same-origin")
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), 303, "{name}");

        // Oversize bodies and malformed forms: 4xx, never 500, nothing saved.
        let big = "x".repeat(5 * 1024 * 1024);
        let res = post_form(
            &b,
            app.url("/admin/sujetos/nuevo"),
            &[("name", big.as_str())],
        )
        .await;
        assert_eq!(res.status(), 413, "{name}");
        let res = post_form(&b, app.url("/admin/sujetos/1/extinguir"), &[("fecha", "x")]).await;
        assert!(res.status().is_client_error(), "{name}: {}", res.status());
        let res = post_form(
            &b,
            app.url("/admin/sujetos/1/extinguir"),
            &[("date", "2025-02-31")],
        )
        .await;
        assert_eq!(res.status(), 422);
        assert!(res.text().await.unwrap().contains("2025-02-31"));
    }
}

/// Roles × actions over HTTP: each role can do what it should and nothing more, and a refused
/// request changes nothing.
#[tokio::test]
async fn every_role_can_do_what_it_should_and_nothing_more() {
    for app in apps().await {
        let name = app.t.name;
        let (own, other) = two_subjects(&app.db).await;
        let pw = "una frase de prueba";
        let roles: [(&str, Vec<Grant>); 7] = [
            ("admin", vec![Grant::new(Role::Admin, None).unwrap()]),
            ("verifier", vec![Grant::new(Role::Verifier, None).unwrap()]),
            (
                "editor",
                vec![Grant::new(Role::SubjectEditor, Some(own)).unwrap()],
            ),
            (
                "secretary",
                vec![Grant::new(Role::BodySecretary, Some(1)).unwrap()],
            ),
            (
                "moderator",
                vec![Grant::new(Role::Moderator, None).unwrap()],
            ),
            ("citizen", vec![]),
            ("visitor", vec![]),
        ];
        let target = user(&app.db, "target@example.mx", pw, &[]).await;
        // (what, method, path, form) — GETs of admin pages and POSTs that change things.
        let own_s = own.to_string();
        let other_s = other.to_string();
        type Request<'a> = (&'a str, &'a str, String, Vec<(&'a str, &'a str)>);
        let actions: Vec<Request<'_>> = vec![
            ("admin home", "GET", "/admin".into(), vec![]),
            ("outbox", "GET", "/admin/correo".into(), vec![]),
            ("users", "GET", "/admin/usuarios".into(), vec![]),
            (
                "create subject",
                "POST",
                "/admin/sujetos/nuevo".into(),
                vec![("name", "Nuevo sujeto"), ("kind", "trust")],
            ),
            (
                "edit own subject",
                "POST",
                format!("/admin/sujetos/{own}"),
                vec![
                    ("name", "Secretaría de Finanzas"),
                    ("unit_head", "Titular nueva"),
                ],
            ),
            (
                "edit other subject",
                "POST",
                format!("/admin/sujetos/{other}"),
                vec![("name", "Secretaría de Turismo"), ("unit_head", "Intruso")],
            ),
            (
                "merge",
                "POST",
                format!("/admin/sujetos/{own}/fusionar"),
                vec![("into", other_s.as_str()), ("date", "2025-01-31")],
            ),
            (
                "extinguish",
                "POST",
                format!("/admin/sujetos/{other}/extinguir"),
                vec![("date", "2025-01-31")],
            ),
            (
                "grant",
                "POST",
                format!("/admin/usuarios/{target}/roles"),
                vec![("role", "moderator"), ("scope_id", "")],
            ),
            (
                "create organisation",
                "POST",
                "/admin/organizaciones".into(),
                vec![("name", "Colectivo"), ("sector", "civil_society")],
            ),
        ];
        let _ = own_s;
        #[rustfmt::skip]
        let allowed: [(&str, [bool; 10]); 7] = [
            ("admin",     [true,  true,  true,  true,  true,  true,  true,  true,  true,  true]),
            ("verifier",  [false, false, false, false, false, false, false, false, false, false]),
            ("editor",    [false, false, false, false, true,  false, false, false, false, false]),
            ("secretary", [false, false, false, false, false, false, false, false, false, false]),
            ("moderator", [false, false, false, false, false, false, false, false, false, false]),
            ("citizen",   [false, false, false, false, false, false, false, false, false, false]),
            ("visitor",   [false, false, false, false, false, false, false, false, false, false]),
        ];
        // Run the admin last: its actions change what the others would see.
        for ((role, grants), (role2, row)) in roles.iter().zip(allowed.iter()).rev() {
            assert_eq!(role, role2);
            let b = app.browser();
            if *role != "visitor" {
                let email = format!("{role}@example.mx");
                user(&app.db, &email, pw, grants).await;
                login(&app, &b, &email, pw).await;
            }
            for ((what, method, path, form), want) in actions.iter().zip(row) {
                let head_before = tequio_store::audit::head(&app.db).await.unwrap();
                let req = if *method == "GET" {
                    b.get(app.url(path))
                } else {
                    b.post(app.url(path)).form(form)
                };
                let status = req.send().await.unwrap().status();
                let ok = status.is_success() || status.is_redirection();
                assert_eq!(ok, *want, "{name}: {role} / {what} → {status}");
                if !ok {
                    assert_eq!(status, 403, "{name}: {role} / {what}");
                    if *method == "POST" {
                        assert_eq!(
                            tequio_store::audit::head(&app.db).await.unwrap(),
                            head_before,
                            "{name}: a refused {what} by {role} changed something"
                        );
                    }
                }
            }
        }
        let s = subjects::get(&app.db, own).await.unwrap().unwrap();
        assert_eq!(s.unit.head.as_deref(), Some("Titular nueva"), "{name}");
        assert_eq!(
            s.status, "extinct",
            "{name}: the admin merged it at the end"
        );

        // The full log (with account events) is for admins only.
        let citizen = app.browser();
        login(&app, &citizen, "citizen@example.mx", pw).await;
        let page = crate::common::get_text(&citizen, app.url("/bitacora?todo=1")).await;
        assert!(
            !page.contains("Inicio de sesión"),
            "{name}: private events hidden"
        );
        let admin = app.browser();
        login(&app, &admin, "admin@example.mx", pw).await;
        let page = crate::common::get_text(&admin, app.url("/bitacora?todo=1")).await;
        assert!(
            page.contains("Inicio de sesión"),
            "{name}: admins see account events"
        );
    }
}

#[tokio::test]
async fn admins_import_the_registry_with_a_report() {
    for app in apps().await {
        let name = app.t.name;
        user(
            &app.db,
            "admin@example.mx",
            "frase de administracion",
            &[Grant::new(Role::Admin, None).unwrap()],
        )
        .await;
        let b = app.browser();
        login(&app, &b, "admin@example.mx", "frase de administracion").await;
        let file = "11790\tOAX - SECRETARÍA DE FINANZAS\nmal\tOAX - X\n11723\tOAX - AUDITORÍA SUPERIOR (Extinto)\n";
        let part = reqwest::multipart::Part::bytes(file.as_bytes().to_vec())
            .file_name("instituciones.txt");
        let res = b
            .post(app.url("/admin/sujetos/importar"))
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{name}");
        let page = res.text().await.unwrap();
        assert!(
            page.contains("Agregados: 2") && page.contains("Rechazados: 1"),
            "{name}"
        );
        assert!(
            page.contains("«mal» no es un número"),
            "{name}: the reason names the value"
        );
        let part =
            reqwest::multipart::Part::bytes(vec![0u8, 159, 146, 150]).file_name("binario.txt");
        let res = b
            .post(app.url("/admin/sujetos/importar"))
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("binario.txt: no es un archivo de texto")
        );
        assert_eq!(
            subjects::list(
                &app.db,
                &subjects::Filter {
                    limit: 10,
                    ..Default::default()
                }
            )
            .await
            .unwrap()
            .0,
            2
        );
    }
}

/// Visitors may get cached pages, but never stale ones: any write changes the version.
#[tokio::test]
async fn cached_pages_follow_every_write() {
    for app in apps().await {
        let name = app.t.name;
        let (a, _) = two_subjects(&app.db).await;
        let c = reqwest::Client::new();
        let page = |path: String| {
            let c = c.clone();
            async move { crate::common::get_text(&c, path).await }
        };
        let first = page(app.url(&format!("/sujetos/{a}"))).await;
        assert_eq!(
            first,
            page(app.url(&format!("/sujetos/{a}"))).await,
            "{name}: same page twice"
        );
        assert!(!first.contains("Titular recién nombrada"));
        let tx = app.db.begin().await.unwrap();
        let s = subjects::get(&tx, a).await.unwrap().unwrap();
        subjects::update(
            &tx,
            &tequio_store::audit::Who::system(),
            a,
            subjects::SubjectInput {
                name: s.name.clone(),
                unit: subjects::TransparencyUnit {
                    head: Some("Titular recién nombrada".into()),
                    ..Default::default()
                },
                ..Default::default()
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert!(
            page(app.url(&format!("/sujetos/{a}")))
                .await
                .contains("Titular recién nombrada"),
            "{name}: fresh after a write"
        );
        let listed = page(app.url("/sujetos?q=finanzas")).await;
        assert!(listed.contains("Secretaría de Finanzas"));
        // English and Spanish are kept apart.
        let en = c
            .get(app.url("/sujetos?q=finanzas"))
            .header("accept-language", "en")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            en.contains("lang=\"en\"") && listed.contains("lang=\"es\""),
            "{name}"
        );
        // Signed-in people get their own page, with their name.
        user(
            &app.db,
            "ana@example.mx",
            "frase suficientemente larga",
            &[],
        )
        .await;
        let b = app.browser();
        login(&app, &b, "ana@example.mx", "frase suficientemente larga").await;
        let mine = crate::common::get_text(&b, app.url("/sujetos?q=finanzas")).await;
        assert!(mine.contains("href=\"/cuenta\">ana<"), "{name}");
        assert!(
            !page(app.url("/sujetos?q=finanzas"))
                .await
                .contains("href=\"/cuenta\""),
            "{name}: visitors never see someone's page"
        );
    }
}

#[tokio::test]
async fn admins_edit_organisations_and_others_cannot() {
    for app in apps().await {
        let name = app.t.name;
        let tx = app.db.begin().await.unwrap();
        let org = accounts::create_organisation(
            &tx,
            &tequio_store::audit::Who::system(),
            "Colectivo",
            tequio_domain::accounts::Sector::CivilSociety,
            "",
            None,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let pw = "una frase de prueba";
        user(
            &app.db,
            "admin@example.mx",
            pw,
            &[Grant::new(Role::Admin, None).unwrap()],
        )
        .await;
        user(&app.db, "citizen@example.mx", pw, &[]).await;
        let form = [
            ("name", "Colectivo Ciudadano"),
            ("sector", "academia"),
            ("description", "Nueva"),
            ("website", ""),
        ];
        let citizen = app.browser();
        login(&app, &citizen, "citizen@example.mx", pw).await;
        let res = post_form(
            &citizen,
            app.url(&format!("/admin/organizaciones/{org}")),
            &form,
        )
        .await;
        assert_eq!(res.status(), 403, "{name}");
        let admin = app.browser();
        login(&app, &admin, "admin@example.mx", pw).await;
        let bad = [
            ("name", "X"),
            ("sector", "academia"),
            ("description", ""),
            ("website", "ftp://x"),
        ];
        let res = post_form(
            &admin,
            app.url(&format!("/admin/organizaciones/{org}")),
            &bad,
        )
        .await;
        assert_eq!(res.status(), 422, "{name}");
        let res = post_form(
            &admin,
            app.url(&format!("/admin/organizaciones/{org}")),
            &form,
        )
        .await;
        assert_eq!(res.status(), 303, "{name}");
        let o = accounts::get_organisation(&app.db, org)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (o.name.as_str(), o.sector),
            (
                "Colectivo Ciudadano",
                tequio_domain::accounts::Sector::Academia
            ),
            "{name}"
        );
        let page =
            crate::common::get_text(&admin, app.url(&format!("/organizaciones/{org}"))).await;
        assert!(
            page.contains("value=\"Colectivo Ciudadano\""),
            "{name}: the edit form shows the details"
        );
    }
}

#[tokio::test]
async fn people_change_their_name_and_password() {
    for app in apps().await {
        let name = app.t.name;
        user(&app.db, "luz@example.mx", "la frase de siempre", &[]).await;
        let b = app.browser();
        login(&app, &b, "luz@example.mx", "la frase de siempre").await;
        let other = app.browser();
        login(&app, &other, "luz@example.mx", "la frase de siempre").await;
        let res = post_form(
            &b,
            app.url("/cuenta/nombre"),
            &[("display_name", "Luz Elena")],
        )
        .await;
        assert_eq!(res.status(), 303, "{name}");
        let page = crate::common::get_text(&b, app.url("/cuenta")).await;
        assert!(page.contains("Luz Elena"), "{name}");
        assert_eq!(title_of(&page), "Mi cuenta · Tequio", "{name}");
        let res = post_form(
            &b,
            app.url("/cuenta/contrasena"),
            &[("current", "no es"), ("password", "corta")],
        )
        .await;
        assert_eq!(res.status(), 422);
        let body = res.text().await.unwrap();
        assert!(
            body.contains("La contraseña actual no es correcta") && body.contains("al menos 10"),
            "{name}: both errors"
        );
        let res = post_form(
            &b,
            app.url("/cuenta/contrasena"),
            &[
                ("current", "la frase de siempre"),
                ("password", "una frase completamente nueva"),
            ],
        )
        .await;
        assert_eq!(res.status(), 303, "{name}");
        assert_eq!(
            b.get(app.url("/cuenta")).send().await.unwrap().status(),
            200,
            "{name}: this browser stays signed in"
        );
        assert!(
            other
                .get(app.url("/cuenta"))
                .send()
                .await
                .unwrap()
                .status()
                .is_redirection(),
            "{name}: other sessions end"
        );
        let fresh = app.browser();
        login(
            &app,
            &fresh,
            "luz@example.mx",
            "una frase completamente nueva",
        )
        .await;
        let visitor = reqwest::Client::new();
        let res = post_form(
            &visitor,
            app.url("/cuenta/nombre"),
            &[("display_name", "X")],
        )
        .await;
        assert_eq!(
            res.status(),
            403,
            "{name}: visitors have no account to change"
        );
    }
}
