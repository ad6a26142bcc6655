#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Topic portals over real HTTP, on every engine: an editor writes one in Markdown with links
//! to a dataset, a document and (refused) things that do not exist; the public reads it
//! rendered and sanitised, on its page, on the home page and in the search.

use crate::common::{login, post_form, user};
use tequio_domain::accounts::{Grant, Role};

const PASSWORD: &str = "contraseña-larga-1";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editors_write_portals_the_public_reads_them_safely() {
    for app in crate::common::apps().await {
        let engine = app.t.name;
        let (subject, other) = crate::common::two_subjects(&app.db).await;
        user(
            &app.db,
            "editora@finanzas.mx",
            PASSWORD,
            &[Grant::new(Role::SubjectEditor, Some(subject)).unwrap()],
        )
        .await;
        user(
            &app.db,
            "editor@turismo.mx",
            PASSWORD,
            &[Grant::new(Role::SubjectEditor, Some(other)).unwrap()],
        )
        .await;
        user(&app.db, "ciudadana@correo.mx", PASSWORD, &[]).await;
        let editor = app.browser();
        login(&app, &editor, "editora@finanzas.mx", PASSWORD).await;
        let res = post_form(
            &editor,
            app.url(&format!("/sujetos/{subject}/datos/nuevo")),
            &[("title", "Deuda pública")],
        )
        .await;
        assert_eq!(res.status(), 303, "{engine}");

        let subject_text = subject.to_string();
        let mut form = vec![
            ("title", "Deuda del estado"),
            ("subject_id", subject_text.as_str()),
            ("audience", "Periodistas"),
            ("problem", "Cuánto se debe y a quién"),
            (
                "body",
                "## Saldo\n\n**Creció** 3 %.\n\n<script>alert('x')</script>\n\n[fuente](javascript:alert(1))",
            ),
            ("datasets", "deuda-publica\nno-existe"),
            ("documents", "Informe | ftp://hacienda.mx/informe.pdf"),
        ];
        let before = tequio_store::audit::head(&app.db)
            .await
            .unwrap()
            .map(|h| h.seq);
        let res = post_form(&editor, app.url("/portales/nuevo"), &form).await;
        assert_eq!(res.status(), 422, "{engine}");
        let html = res.text().await.unwrap();
        assert!(
            html.contains("<a href=\"#documents\">Documentos: «ftp://hacienda.mx/informe.pdf»"),
            "{engine}: {html}"
        );
        form[6] = (
            "documents",
            "Informe trimestral | https://hacienda.mx/informe.pdf",
        );
        let res = post_form(&editor, app.url("/portales/nuevo"), &form).await;
        assert_eq!(res.status(), 422, "{engine}");
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("«no-existe» no es un conjunto de datos"),
            "{engine}"
        );
        assert_eq!(
            tequio_store::audit::head(&app.db)
                .await
                .unwrap()
                .map(|h| h.seq),
            before,
            "{engine}: nothing saved"
        );
        form[5] = ("datasets", "deuda-publica");
        let res = post_form(&editor, app.url("/portales/nuevo"), &form).await;
        assert_eq!(res.status(), 303, "{engine}");
        assert_eq!(res.headers()["location"], "/portales/deuda-del-estado");

        // The public page: Markdown rendered, nothing executable, links resolved.
        let html = reqwest::get(app.url("/portales/deuda-del-estado"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("<h2>Saldo</h2>") && html.contains("<strong>Creció</strong>"),
            "{engine}: {html}"
        );
        assert!(
            !html.contains("<script>alert") && !html.contains("javascript:"),
            "{engine}: {html}"
        );
        assert!(html.contains("href=\"/datos/deuda-publica\""), "{engine}");
        assert!(html.contains("https://hacienda.mx/informe.pdf"), "{engine}");
        let home = reqwest::get(app.url("/"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            home.contains("/portales/deuda-del-estado"),
            "{engine}: listed on the home page"
        );
        let search = reqwest::get(app.url("/buscar?q=periodistas+deuda"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            search.contains("/portales/deuda-del-estado"),
            "{engine}: in the search"
        );

        // Only its subject's editors (and admins) change it; others may not create for it.
        for email in ["editor@turismo.mx", "ciudadana@correo.mx"] {
            let c = app.browser();
            login(&app, &c, email, PASSWORD).await;
            let res = post_form(
                &c,
                app.url("/portales/deuda-del-estado/editar"),
                &[("title", "Otro")],
            )
            .await;
            assert_eq!(res.status(), 403, "{engine}: {email}");
            let res = post_form(
                &c,
                app.url("/portales/nuevo"),
                &[("title", "Mío"), ("subject_id", subject_text.as_str())],
            )
            .await;
            assert_eq!(res.status(), 403, "{engine}: {email}");
        }
        let res = post_form(
            &editor,
            app.url("/portales/deuda-del-estado/editar"),
            &[
                ("title", "Deuda del estado 2025"),
                ("name", "deuda-del-estado"),
            ],
        )
        .await;
        assert_eq!(res.status(), 303, "{engine}");
        let html = reqwest::get(app.url("/portales/deuda-del-estado"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("Deuda del estado 2025"), "{engine}");
    }
}
