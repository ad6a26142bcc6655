//! The server over real HTTP, on every engine under test.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

mod common;

use common::{apps, login, title_of, two_subjects, user};
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
        let html = c
            .get(app.url("/buscar?q=FINANZAS"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
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
        let es = c
            .get(app.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
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
        let list: serde_json::Value = c
            .get(app.url("/api/v1/subjects?q=turismo"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list["total"], 1, "{name}");
        assert_eq!(list["items"][0]["name"], "Secretaría de Turismo");
        let found: serde_json::Value = c
            .get(app.url("/api/v1/search?q=secretarias"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(found["total"], 2, "{name}: plural finds singular");
        let head: serde_json::Value = c
            .get(app.url("/api/v1/audit/head"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(head["seq"], 2, "{name}");
        let entries: serde_json::Value = c
            .get(app.url("/api/v1/audit?limit=1"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(entries[0]["hash"], head["hash"]);
        let health: serde_json::Value = c
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(health["status"], "ok");
        assert_eq!(health["database"], name);
        let spec: serde_json::Value = c
            .get(app.url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
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
        let json: serde_json::Value = c
            .get(app.url("/sujetos.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(json.as_array().unwrap().len(), 2);
        let none: serde_json::Value = c
            .get(app.url("/sujetos.json?q=zzzz"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
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
        let res = b
            .post(app.url("/registro"))
            .form(&[
                ("display_name", "Ana"),
                ("email", "Ana@Example.mx"),
                ("password", "una frase bastante larga"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{name}");
        assert_eq!(res.headers()["location"], "/cuenta?aviso=verify-sent");
        let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(
            cookie.contains("HttpOnly")
                && cookie.contains("SameSite=Lax")
                && !cookie.contains("Secure"),
            "{cookie}"
        );
        let page = b
            .get(app.url("/cuenta"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
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
        let page = b
            .get(app.url("/cuenta"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("Luz Elena"), "{name}");
        assert_eq!(title_of(&page), "Mi cuenta · Tequio", "{name}");
        let res = b
            .post(app.url("/cuenta/contrasena"))
            .form(&[("current", "no es"), ("password", "corta")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        let body = res.text().await.unwrap();
        assert!(
            body.contains("La contraseña actual no es correcta") && body.contains("al menos 10"),
            "{name}: both errors"
        );
        let res = b
            .post(app.url("/cuenta/contrasena"))
            .form(&[
                ("current", "la frase de siempre"),
                ("password", "una frase completamente nueva"),
            ])
            .send()
            .await
            .unwrap();
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
        let res = visitor
            .post(app.url("/cuenta/nombre"))
            .form(&[("display_name", "X")])
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            403,
            "{name}: visitors have no account to change"
        );
    }
}
