#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The portal as a whole, over the demo: the menu reaches every part from every page, the
//! home page shows what is alive, pages carry the web's head tags and headers (language,
//! ETag, CORS), the sitemap lists the public pages, dates and numbers read as Mexican readers
//! expect, and admins set the portal's identity (with a contrast check) and footer pages.

use crate::common::{NO_FIELDS, TestApp, apps, get_text, login, post_form, user};
use tequio::html::MENU;
use tequio_domain::accounts::{Grant, Role};

/// The demo's public pages the checks below walk.
const PUBLIC_PAGES: &[&str] = &[
    "/",
    "/sujetos",
    "/sujetos/1",
    "/marco",
    "/datos",
    "/datos/temas",
    "/datos/presupuesto-egresos-2025",
    "/portales",
    "/portales/obra-publica-oaxaca-de-juarez",
    "/organos",
    "/organos/secretariado-tecnico-oaxaca",
    "/organos/secretariado-tecnico-oaxaca/sesiones/2026/1",
    "/acuerdos",
    "/acuerdos/1",
    "/convocatorias",
    "/convocatorias/integracion-secretariado-2027",
    "/instrumentos",
    "/eventos",
    "/constancias",
    "/organizaciones",
    "/bitacora",
    "/buscar?q=oaxaca",
    "/acerca",
    "/contacto",
    "/privacidad",
    "/accesibilidad",
    "/terminos",
];

/// One app per engine with the demo loaded.
async fn demo_apps() -> Vec<TestApp> {
    let mut out = Vec::new();
    for app in apps().await {
        tequio::demo::load(&app.db, &app.state.files)
            .await
            .expect("the demo loads");
        // A running server reads its identity again every minute; the test does not wait.
        app.state.reload_look().await.unwrap();
        out.push(app);
    }
    out
}

/// The header's menu of a page (the `<nav class="sections">` element).
fn menu_of(html: &str) -> &str {
    let start = html
        .find("<nav class=\"sections\"")
        .expect("every page has the menu");
    let end = html[start..].find("</nav>").expect("the menu ends") + start;
    &html[start..end]
}

#[tokio::test]
async fn the_menu_reaches_every_public_part_from_every_page() {
    for app in demo_apps().await {
        let engine = &app.t.name;
        let visitor = app.browser();
        for page in PUBLIC_PAGES {
            let html = get_text(&visitor, app.url(page)).await;
            let menu = menu_of(&html);
            for group in MENU {
                for (_, link) in group.links {
                    assert!(
                        menu.contains(&format!("href=\"{link}\"")),
                        "{engine}: the menu of {page} lacks {link}"
                    );
                }
            }
        }
        // Following each link of the menu leads to a working page.
        let home = get_text(&visitor, app.url("/")).await;
        for link in menu_of(&home)
            .split("href=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
        {
            let res = visitor.get(app.url(link)).send().await.unwrap();
            assert_eq!(res.status(), 200, "{engine}: the menu's {link}");
        }
    }
}

#[tokio::test]
async fn the_home_page_shows_what_is_alive() {
    for app in demo_apps().await {
        let engine = &app.t.name;
        let html = get_text(&app.browser(), app.url("/")).await;
        for (what, text) in [
            ("the portal's name", "<h1>Gobierno Abierto Oaxaca</h1>"),
            (
                "an open call",
                "/convocatorias/integracion-secretariado-2027",
            ),
            (
                "the next session",
                "Secretariado Técnico de Gobierno Abierto de Oaxaca · Sesión 3/",
            ),
            ("the next training", "/eventos/taller-lenguaje-claro"),
            ("recent publications", "href=\"/publicaciones/"),
            ("overdue agreements", "2 acuerdos vencidos"),
            (
                "the publishing summary",
                "publicaciones vigentes de 3 sujetos obligados",
            ),
        ] {
            assert!(
                html.contains(text),
                "{engine}: the home page lacks {what} ({text})"
            );
        }
    }
}

#[tokio::test]
async fn every_public_page_has_the_head_tags_of_the_web() {
    for app in demo_apps().await {
        let engine = &app.t.name;
        let visitor = app.browser();
        for page in PUBLIC_PAGES {
            let html = get_text(&visitor, app.url(page)).await;
            let head = &html[..html.find("</head>").expect("a head")];
            for tag in [
                "<meta name=\"description\" content=\"",
                "<link rel=\"canonical\" href=\"http",
                "<link rel=\"alternate\" hreflang=\"es\"",
                "<link rel=\"alternate\" hreflang=\"en\"",
                "<link rel=\"alternate\" hreflang=\"x-default\"",
                "<meta property=\"og:title\" content=\"",
                "<meta property=\"og:description\" content=\"",
                "<meta property=\"og:image\" content=\"http",
                "<meta property=\"og:url\" content=\"http",
                "<meta name=\"twitter:card\" content=\"summary",
                "<link rel=\"icon\"",
                "<link rel=\"apple-touch-icon\"",
                "<link rel=\"manifest\"",
            ] {
                assert!(head.contains(tag), "{engine}: {page} lacks {tag}");
            }
            assert!(
                !head.contains("og:title\" content=\"\""),
                "{engine}: {page} has an empty og:title"
            );
            // The English alternate is a working page in English.
            let english = head
                .split("hreflang=\"en\" href=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .unwrap()
                .replace("&amp;", "&")
                .replace("&#38;", "&");
            let res = visitor.get(&english).send().await.unwrap();
            assert_eq!(res.status(), 200, "{engine}: {english}");
            assert_eq!(
                res.headers()["content-language"],
                "en",
                "{engine}: {english}"
            );
        }
        // The icons and the manifest they name exist.
        for path in [
            "/favicon.ico",
            "/static/icon-180.png",
            "/static/tequio.svg",
            "/manifest.webmanifest",
        ] {
            let res = visitor.get(app.url(path)).send().await.unwrap();
            assert_eq!(res.status(), 200, "{engine}: {path}");
        }
    }
}

#[tokio::test]
async fn pages_name_their_language_and_answer_not_modified() {
    for app in demo_apps().await {
        let engine = &app.t.name;
        let client = reqwest::Client::new();
        let res = client.get(app.url("/sujetos")).send().await.unwrap();
        assert_eq!(res.headers()["content-language"], "es", "{engine}");
        let vary = res.headers()["vary"].to_str().unwrap().to_owned();
        assert!(
            vary.contains("Accept-Language") && vary.contains("Cookie"),
            "{engine}: {vary}"
        );
        let english = client
            .get(app.url("/sujetos"))
            .header("accept-language", "en-GB,en")
            .send()
            .await
            .unwrap();
        assert_eq!(english.headers()["content-language"], "en", "{engine}");
        // The language named in the address wins over the browser's.
        let named = client
            .get(app.url("/sujetos?lang=en"))
            .header("accept-language", "es")
            .send()
            .await
            .unwrap();
        assert_eq!(named.headers()["content-language"], "en", "{engine}");
        assert!(
            named.text().await.unwrap().contains("<html lang=\"en\">"),
            "{engine}"
        );

        // A page and a download: the same ETag again gives 304 without a body.
        for path in ["/sujetos", "/acuerdos.csv"] {
            let first = client.get(app.url(path)).send().await.unwrap();
            let etag = first.headers()["etag"].to_str().unwrap().to_owned();
            let again = client
                .get(app.url(path))
                .header("if-none-match", &etag)
                .send()
                .await
                .unwrap();
            assert_eq!(again.status(), 304, "{engine}: {path}");
            assert_eq!(again.headers()["etag"].to_str().unwrap(), etag, "{engine}");
            assert!(again.bytes().await.unwrap().is_empty(), "{engine}");
            let other = client
                .get(app.url(path))
                .header("if-none-match", "\"something-else\"")
                .send()
                .await
                .unwrap();
            assert_eq!(other.status(), 200, "{engine}: {path}");
        }
    }
}

#[tokio::test]
async fn other_sites_may_read_the_apis_but_not_write() {
    for app in demo_apps().await {
        let engine = &app.t.name;
        let client = reqwest::Client::new();
        for path in ["/api/v1/subjects", "/api/3/action/package_list"] {
            let res = client
                .get(app.url(path))
                .header("origin", "https://datos.example.org")
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "{engine}: {path}");
            assert_eq!(
                res.headers()["access-control-allow-origin"],
                "*",
                "{engine}: {path}"
            );
            let preflight = client
                .request(reqwest::Method::OPTIONS, app.url(path))
                .header("origin", "https://datos.example.org")
                .header("access-control-request-method", "GET")
                .send()
                .await
                .unwrap();
            assert!(preflight.status().is_success(), "{engine}: {path}");
            let methods = preflight.headers()["access-control-allow-methods"]
                .to_str()
                .unwrap()
                .to_owned();
            assert!(
                methods.contains("GET") && !methods.contains("POST"),
                "{engine}: {methods}"
            );
            assert!(
                !preflight
                    .headers()
                    .contains_key("access-control-allow-credentials"),
                "{engine}: no cookies cross sites"
            );
        }
        // Pages are not shared with other sites' scripts.
        let page = client
            .get(app.url("/sujetos"))
            .header("origin", "https://datos.example.org")
            .send()
            .await
            .unwrap();
        assert!(
            !page.headers().contains_key("access-control-allow-origin"),
            "{engine}"
        );
    }
}

#[tokio::test]
async fn the_sitemap_lists_public_pages_in_parts_and_robots_names_it() {
    for app in demo_apps().await {
        let engine = &app.t.name;
        let client = reqwest::Client::new();
        let robots = get_text(&client, app.url("/robots.txt")).await;
        assert!(
            robots.contains(&format!("Sitemap: {}/sitemap.xml", app.base)),
            "{engine}"
        );
        let index = get_text(&client, app.url("/sitemap.xml")).await;
        assert!(index.starts_with("<?xml"), "{engine}");
        let parts: Vec<String> = index
            .split("<loc>")
            .skip(1)
            .filter_map(|s| s.split("</loc>").next())
            .map(str::to_owned)
            .collect();
        assert_eq!(
            parts.len(),
            3,
            "{engine}: pages, items, publications: {index}"
        );
        let mut all = String::new();
        for part in &parts {
            let path = part
                .strip_prefix(&app.base)
                .expect("an address of this site");
            let res = client.get(app.url(path)).send().await.unwrap();
            assert_eq!(res.status(), 200, "{engine}: {path}");
            all.push_str(&res.text().await.unwrap());
        }
        for page in [
            "/sujetos/1<",
            "/datos/presupuesto-egresos-2025<",
            "/organos/secretariado-tecnico-oaxaca/sesiones/2026/1<",
            "/acuerdos/1<",
            "/convocatorias/integracion-secretariado-2027<",
            "/eventos/taller-lenguaje-claro<",
            "/portales/obra-publica-oaxaca-de-juarez<",
            "/publicaciones/",
            "/privacidad<",
            "/organizaciones/1<",
        ] {
            assert!(
                all.contains(&format!("{}{page}", app.base)),
                "{engine}: {page}"
            );
        }
        let missing = client
            .get(app.url("/sitemaps/elementos-9.xml"))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), 404, "{engine}");
    }
}

#[tokio::test]
async fn dates_times_and_numbers_read_as_mexican_readers_expect() {
    for app in demo_apps().await {
        let engine = &app.t.name;
        let visitor = app.browser();
        // An agreement's due date, with the machine-readable date beside it.
        let agreement = get_text(&visitor, app.url("/acuerdos/1")).await;
        assert!(
            agreement.contains("<time datetime=\"2026-03-31\">31 mar 2026</time>"),
            "{engine}: {agreement}"
        );
        // A session's time as entered, in Mexico's time zone, named.
        let session = get_text(
            &visitor,
            app.url("/organos/secretariado-tecnico-oaxaca/sesiones/2026/1"),
        )
        .await;
        assert!(
            session.contains("<time datetime=\"2026-03-12T10:00\">12 mar 2026, 10:00</time>"),
            "{engine}: {session}"
        );
        assert!(
            session.contains("hora del centro de México, UTC−6"),
            "{engine}"
        );
        let english = get_text(
            &visitor,
            app.url("/organos/secretariado-tecnico-oaxaca/sesiones/2026/1?lang=en"),
        )
        .await;
        assert!(english.contains("12 Mar 2026, 10:00"), "{engine}");
        // Counts with thousands separators on the home page.
        let home = get_text(&visitor, app.url("/")).await;
        assert!(home.contains("<span class=\"big\">178</span>"), "{engine}");
    }
}

#[tokio::test]
async fn admins_set_the_portal_identity_and_footer_pages() {
    for app in apps().await {
        let engine = &app.t.name;
        user(
            &app.db,
            "admin@sitio.mx",
            "clave-larga-1",
            &[Grant::new(Role::Admin, None).unwrap()],
        )
        .await;
        user(&app.db, "editor@sitio.mx", "clave-larga-2", &[]).await;
        let admin = app.browser();
        login(&app, &admin, "admin@sitio.mx", "clave-larga-1").await;
        let before = tequio_store::audit::head_seq(&app.db).await.unwrap();

        // A yellow that cannot be read on white is refused, the field named by its label
        // and linked, what was typed kept, and nothing saved.
        let weak = [
            ("site_name", "Transparencia Sonora"),
            ("accent", "#FFCC00"),
            ("contact_email", "no-es-correo"),
        ];
        let res = post_form(&admin, app.url("/admin/sitio"), &weak).await;
        assert_eq!(res.status(), 422, "{engine}");
        let html = res.text().await.unwrap();
        assert!(html.contains("<a href=\"#accent\">Color principal: el contraste de #ffcc00 con el blanco es 1.5:1"), "{engine}: {html}");
        assert!(
            html.contains("<a href=\"#contact_email\">Correo de contacto: "),
            "{engine}"
        );
        assert!(
            html.contains("value=\"Transparencia Sonora\""),
            "{engine}: the typed name is kept"
        );
        assert_eq!(
            tequio_store::audit::head_seq(&app.db).await.unwrap(),
            before,
            "{engine}"
        );

        let good = [
            ("site_name", "Transparencia Sonora"),
            ("guarantor", "Instituto Sonorense de Transparencia"),
            ("accent", "#1f4e79"),
            ("contact_email", "contacto@sonora.example"),
        ];
        let res = post_form(&admin, app.url("/admin/sitio"), &good).await;
        assert_eq!(res.status(), 303, "{engine}");
        let visitor = app.browser();
        let home = get_text(&visitor, app.url("/")).await;
        assert!(home.contains("<h1>Transparencia Sonora</h1>"), "{engine}");
        assert!(
            home.contains("Instituto Sonorense de Transparencia"),
            "{engine}"
        );
        assert!(home.contains("/tema.css?v=1f4e79"), "{engine}");
        let missing = visitor.get(app.url("/no-existe")).send().await.unwrap();
        assert_eq!(missing.status(), 404, "{engine}");
        assert!(
            missing
                .text()
                .await
                .unwrap()
                .contains("· Transparencia Sonora</title>"),
            "{engine}: error pages carry the portal's name too"
        );
        let theme = get_text(&visitor, app.url("/tema.css")).await;
        assert!(theme.contains("--accent: #1f4e79"), "{engine}");
        let log = get_text(&visitor, app.url("/bitacora")).await;
        assert!(
            log.contains("Cambio de la identidad o las páginas del portal"),
            "{engine}"
        );

        // The footer pages ship with a text that names the portal and its contact; an admin
        // rewrites one.
        let privacy = get_text(&visitor, app.url("/privacidad")).await;
        assert!(
            privacy.contains("Instituto Sonorense de Transparencia"),
            "{engine}"
        );
        assert!(privacy.contains("contacto@sonora.example"), "{engine}");
        let text = [
            (
                "es",
                "## Aviso\n\nTratamos tus datos con cuidado en {site_name}.",
            ),
            ("en", ""),
        ];
        let res = post_form(&admin, app.url("/admin/sitio/paginas/privacidad"), &text).await;
        assert_eq!(res.status(), 303, "{engine}");
        let privacy = get_text(&visitor, app.url("/privacidad")).await;
        assert!(
            privacy.contains("Tratamos tus datos con cuidado en Transparencia Sonora."),
            "{engine}"
        );

        // Nobody else may.
        let editor = app.browser();
        login(&app, &editor, "editor@sitio.mx", "clave-larga-2").await;
        for path in ["/admin/sitio", "/admin/sitio/paginas/privacidad"] {
            let res = post_form(&editor, app.url(path), NO_FIELDS).await;
            assert_eq!(res.status(), 403, "{engine}: {path}");
        }
        let style = editor.get(app.url("/admin/estilo")).send().await.unwrap();
        assert_eq!(style.status(), 403, "{engine}");
        let style = get_text(&admin, app.url("/admin/estilo")).await;
        assert!(
            style.contains("<a href=\"#title\">Título: escribe un título</a>"),
            "{engine}"
        );
    }
}

#[tokio::test]
async fn the_agreements_feed_follows_the_trackers_filters_in_its_language() {
    for app in demo_apps().await {
        let engine = &app.t.name;
        let client = reqwest::Client::new();
        let feed = |path: &'static str| {
            let client = client.clone();
            let url = app.url(path);
            async move {
                let text = get_text(&client, url).await;
                text.parse::<atom_syndication::Feed>()
                    .expect("a valid Atom feed")
            }
        };
        let all = feed("/acuerdos.atom").await;
        let overdue = feed("/acuerdos.atom?vencidos=1").await;
        assert_eq!(
            overdue.entries.len(),
            2,
            "{engine}: the two overdue agreements"
        );
        assert!(all.entries.len() > overdue.entries.len(), "{engine}");
        let done = feed("/acuerdos.atom?estado=done").await;
        assert!(!done.entries.is_empty(), "{engine}");
        assert!(
            done.entries
                .iter()
                .all(|e| e.title.value.ends_with("(Cumplido)")),
            "{engine}: statuses in Spanish"
        );
        let english = feed("/acuerdos.atom?estado=done&lang=en").await;
        assert_eq!(english.lang.as_deref(), Some("en"), "{engine}");
        assert!(
            english
                .entries
                .iter()
                .all(|e| e.title.value.ends_with("(Done)")),
            "{engine}: statuses in English: {:?}",
            english
                .entries
                .iter()
                .map(|e| &e.title.value)
                .collect::<Vec<_>>()
        );
        // The tracker page links the feed with its own filters, and names it in its head.
        let page = get_text(&client, app.url("/acuerdos?vencidos=1")).await;
        assert!(
            page.contains("<link rel=\"alternate\" type=\"application/atom+xml\" href=\"/acuerdos.atom?vencidos=1\">"),
            "{engine}"
        );
    }
}

#[tokio::test]
async fn calendar_text_keeps_its_line_breaks_escaped() {
    for app in demo_apps().await {
        let engine = &app.t.name;
        let ics = get_text(&reqwest::Client::new(), app.url("/calendario.ics")).await;
        // The demo's agendas have several lines: each must stay inside its DESCRIPTION as an
        // escaped `\n`, never start a line of its own (which would break the calendar).
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains("\\n2. Aprobación del acta"), "{engine}");
        for line in unfolded.split("\r\n").filter(|l| !l.is_empty()) {
            let name = line.split([':', ';']).next().unwrap_or("");
            assert!(
                !name.is_empty() && name.chars().all(|c| c.is_ascii_uppercase() || c == '-'),
                "{engine}: a line that is not a property: {line}"
            );
        }
        let mut parser = ical::IcalParser::new(std::io::BufReader::new(ics.as_bytes()));
        let cal = parser
            .next()
            .expect("one calendar")
            .expect("a valid calendar");
        assert!(cal.events.len() >= 3, "{engine}");
    }
}

#[tokio::test]
async fn an_unverified_account_is_told_to_verify_before_any_form_that_needs_it() {
    for app in demo_apps().await {
        let engine = &app.t.name;
        let hash = password_auth::generate_hash("clave-larga-3");
        let tx = app.db.begin().await.unwrap();
        tequio_store::accounts::create_user(
            &tx,
            &tequio_store::audit::Who::system(),
            "nueva@sitio.mx",
            "Persona Nueva",
            &hash,
            "es",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let person = app.browser();
        login(&app, &person, "nueva@sitio.mx", "clave-larga-3").await;
        for (page, form) in [
            (
                "/eventos/taller-lenguaje-claro",
                "/eventos/taller-lenguaje-claro/registro",
            ),
            (
                "/convocatorias/integracion-secretariado-2027",
                "/convocatorias/integracion-secretariado-2027/solicitudes",
            ),
        ] {
            let html = get_text(&person, app.url(page)).await;
            assert!(
                html.contains("id=\"verify-first\"") && html.contains("confirma tu correo"),
                "{engine}: {page} does not say to verify first"
            );
            assert!(
                !html.contains(&format!("action=\"{form}\"")),
                "{engine}: {page} shows the form"
            );
        }
        // A verified person sees the form instead.
        user(&app.db, "verificada@sitio.mx", "clave-larga-4", &[]).await;
        let verified = app.browser();
        login(&app, &verified, "verificada@sitio.mx", "clave-larga-4").await;
        let html = get_text(&verified, app.url("/eventos/taller-lenguaje-claro")).await;
        assert!(!html.contains("id=\"verify-first\""), "{engine}");
        assert!(
            html.contains("action=\"/eventos/taller-lenguaje-claro/registro\""),
            "{engine}"
        );
        // A refused registration comes back with what was typed, and says which field.
        let res = post_form(
            &verified,
            app.url("/eventos/taller-lenguaje-claro/registro"),
            &[
                ("full_name", ""),
                ("institution", "Colectivo Lenguaje Claro"),
            ],
        )
        .await;
        assert_eq!(res.status(), 422, "{engine}");
        let html = res.text().await.unwrap();
        assert!(
            html.contains("value=\"Colectivo Lenguaje Claro\""),
            "{engine}: the input is kept"
        );
        assert!(
            html.contains("<a href=\"#full_name\">Nombre completo: "),
            "{engine}"
        );
    }
}

#[tokio::test]
async fn every_chart_has_a_summary_and_its_data_as_a_table() {
    for app in demo_apps().await {
        let engine = &app.t.name;
        let visitor = app.browser();
        let finance = tequio_store::transparency::recent_publications(&app.db, 1)
            .await
            .unwrap()[0]
            .subject_id;
        let pages = [
            "/organos/secretariado-tecnico-oaxaca".to_owned(),
            "/acuerdos".to_owned(),
            "/datos/temas".to_owned(),
            "/convocatorias/mesa-obra-publica-abierta".to_owned(),
            format!("/sujetos/{finance}/obligaciones"),
            "/marco/1".to_owned(),
        ];
        for page in &pages {
            let html = get_text(&visitor, app.url(page)).await;
            let figures: Vec<&str> = html
                .split("<figure class=\"chart\" id=\"")
                .skip(1)
                .collect();
            assert!(!figures.is_empty(), "{engine}: {page} has no chart");
            for figure in figures {
                let id = figure.split('"').next().unwrap();
                let figure = &figure[..figure.find("</figure>").expect("the figure ends")];
                assert!(
                    figure.contains(&format!(
                        "role=\"img\" aria-labelledby=\"{id}-title {id}-summary\""
                    )),
                    "{engine}: {page} {id}: the picture names no text alternative"
                );
                let summary = figure
                    .split(&format!("id=\"{id}-summary\">"))
                    .nth(1)
                    .and_then(|s| s.split('<').next())
                    .unwrap_or("");
                assert!(
                    summary.len() > 10,
                    "{engine}: {page} {id}: summary «{summary}»"
                );
                let bars = figure.matches("<rect").count();
                let rows = figure.matches("<th scope=\"row\">").count();
                assert!(
                    rows > 0 && bars > 0,
                    "{engine}: {page} {id}: {rows} rows, {bars} bars"
                );
                assert!(
                    figure.contains("<details>") && figure.contains("<table>"),
                    "{engine}"
                );
            }
        }
    }
}

#[tokio::test]
async fn certificates_print_with_their_verification_address_and_qr_code() {
    for app in demo_apps().await {
        let engine = &app.t.name;
        let code =
            tequio_store::events::Event::by_name(&app.db, "capacitacion-datos-abiertos-2026")
                .await
                .unwrap();
        let registrations = tequio_store::events::registrations(&app.db, code.id)
            .await
            .unwrap();
        let code = registrations
            .iter()
            .find_map(|r| r.certificate_code.clone())
            .expect("the demo issues certificates");
        let html = get_text(&app.browser(), app.url(&format!("/constancias/{code}"))).await;
        assert!(html.contains("class=\"certificate\""), "{engine}");
        assert!(
            html.contains(&format!("{}/constancias/{code}", app.base)),
            "{engine}: the verification address is printed"
        );
        let qr = html.split("<div class=\"qr\"").nth(1).expect("a QR code");
        assert!(
            qr.trim_start().contains("<svg") && !html.contains("<?xml"),
            "{engine}"
        );
        let css = get_text(&app.browser(), app.url("/static/tequio.css")).await;
        assert!(css.contains("@media print"), "{engine}: a print stylesheet");
    }
}

#[tokio::test]
async fn lists_sort_page_by_number_and_refuse_filters_that_cannot_match() {
    for app in demo_apps().await {
        let engine = &app.t.name;
        let visitor = app.browser();
        // The catalogue: the datasets people publish come before the obligations' by default.
        let html = get_text(&visitor, app.url("/datos")).await;
        let first = html
            .split("<h2><a href=\"/datos/")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let published: serde_json::Value = crate::common::get_json(
            &visitor,
            app.url("/api/v1/datasets?obligations=false&per_page=100"),
        )
        .await;
        let published: Vec<&str> = published["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|d| d["name"].as_str())
            .collect();
        assert!(
            published.contains(&first),
            "{engine}: {first} is an obligation's dataset"
        );
        assert!(
            html.contains("aria-current=\"page\"><span class=\"visually-hidden\">"),
            "{engine}: numbered pages"
        );
        let by_name = visitor
            .get(app.url("/datos?orden=nombre"))
            .send()
            .await
            .unwrap();
        assert_eq!(by_name.status(), 200, "{engine}");
        let bad = visitor
            .get(app.url("/datos?orden=tamano"))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 400, "{engine}");
        assert!(
            bad.text()
                .await
                .unwrap()
                .contains("orden: «tamano» no es nombre, fecha ni tema"),
            "{engine}"
        );

        // A publication with money: a range narrows it, a word that is no amount is refused.
        let mut found = None;
        for p in tequio_store::transparency::recent_publications(&app.db, 50)
            .await
            .unwrap()
        {
            let publication = tequio_store::transparency::publication(&app.db, p.id)
                .await
                .unwrap()
                .unwrap();
            let format = tequio_store::transparency::format(&app.db, publication.format_id)
                .await
                .unwrap()
                .unwrap();
            if let Some(f) = format
                .def
                .fields
                .iter()
                .find(|f| f.kind == tequio_domain::transparency::framework::FieldType::Money)
            {
                found = Some((p.id, f.key.clone(), publication.record_count));
                break;
            }
        }
        let (id, key, total) = found.expect("a demo publication with amounts");
        let all = crate::common::get_json::<serde_json::Value>(
            &visitor,
            app.url(&format!(
                "/api/v1/publications/{id}/records?per_page=1&f_{key}=0.."
            )),
        )
        .await;
        assert_eq!(
            all["total"].as_i64(),
            Some(total),
            "{engine}: every amount is at least 0"
        );
        let none = crate::common::get_json::<serde_json::Value>(
            &visitor,
            app.url(&format!(
                "/api/v1/publications/{id}/records?per_page=1&f_{key}=..-1"
            )),
        )
        .await;
        assert_eq!(
            none["total"].as_i64(),
            Some(0),
            "{engine}: no amount is negative"
        );
        let page = visitor
            .get(app.url(&format!("/publicaciones/{id}?f_{key}=mucho")))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 400, "{engine}");
        assert!(
            page.text()
                .await
                .unwrap()
                .contains("«mucho» no es un número"),
            "{engine}"
        );
        let page = get_text(&visitor, app.url(&format!("/publicaciones/{id}"))).await;
        let cell = page
            .split("<td class=\"num\">")
            .nth(1)
            .and_then(|c| c.split('<').next())
            .unwrap_or("");
        let amount = cell.strip_prefix('$').unwrap_or("");
        let (whole, cents) = amount.split_once('.').unwrap_or(("", ""));
        let groups_ok = whole.split(',').enumerate().all(|(i, g)| {
            let size_ok = if i == 0 {
                (1..=3).contains(&g.len())
            } else {
                g.len() == 3
            };
            size_ok && g.bytes().all(|b| b.is_ascii_digit())
        });
        assert!(
            cents.len() == 2 && groups_ok,
            "{engine}: «{cell}» is not $1,234.50-style, right-aligned"
        );
    }
}

#[tokio::test]
async fn the_log_reads_in_words_with_links() {
    for app in demo_apps().await {
        let engine = &app.t.name;
        let html = get_text(&app.browser(), app.url("/bitacora")).await;
        assert!(
            html.contains(">Portal temático "),
            "{engine}: kinds in words"
        );
        assert!(
            html.contains("href=\"/portales/obra-publica-oaxaca-de-juarez\""),
            "{engine}: links"
        );
        assert!(
            !html.contains("{&quot;") && !html.contains("<code>{"),
            "{engine}: no JSON"
        );
    }
}

#[tokio::test]
async fn a_convened_session_names_the_members_no_email_reached() {
    for app in demo_apps().await {
        let engine = &app.t.name;
        user(
            &app.db,
            "admin@sitio.mx",
            "clave-larga-1",
            &[Grant::new(Role::Admin, None).unwrap()],
        )
        .await;
        let body = tequio_store::bodies::Body::by_name(&app.db, "secretariado-tecnico-oaxaca")
            .await
            .unwrap();
        let tx = app.db.begin().await.unwrap();
        tequio_store::bodies::add_seat(
            &tx,
            &tequio_store::audit::Who::system(),
            body.id,
            &tequio_store::bodies::SeatInput {
                organisation_id: None,
                subject_id: None,
                user_id: None,
                holder_name: "Colectivo Sin Correo".into(),
                sector: tequio_domain::accounts::Sector::CivilSociety,
                position: tequio_domain::bodies::SeatPosition::Member,
                titular_name: "Juana Pérez".into(),
                titular_email: String::new(),
                alternate_name: String::new(),
                alternate_email: String::new(),
                starts_on: "2026-01-01".into(),
                ends_on: String::new(),
                source: "direct",
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let admin = app.browser();
        login(&app, &admin, "admin@sitio.mx", "clave-larga-1").await;
        let year = tequio_store::bodies::sessions(&app.db, body.id)
            .await
            .unwrap()
            .into_iter()
            .find(|s| s.status == tequio_domain::bodies::SessionStatus::Convened)
            .expect("the demo's next session");
        let path = format!(
            "/organos/secretariado-tecnico-oaxaca/sesiones/{}/{}",
            year.year, year.number
        );
        let html = get_text(&admin, app.url(&path)).await;
        assert!(
            html.contains("id=\"sin-correo\"")
                && html.contains("Colectivo Sin Correo (Juana Pérez)"),
            "{engine}"
        );
        let public = get_text(&app.browser(), app.url(&path)).await;
        assert!(
            !public.contains("id=\"sin-correo\""),
            "{engine}: only the secretary sees it"
        );
    }
}
