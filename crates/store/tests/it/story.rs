//! The store's story: one test that drives every store function, on every engine under test
//! (SQLite always; PostgreSQL when TEQUIO_TEST_POSTGRES_URL is set).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use tequio_domain::accounts::{Grant, Role, Sector};
use tequio_domain::search::SearchKind;
use tequio_domain::subjects::SubjectKind;
use tequio_store::accounts::{self, TokenPurpose};
use tequio_store::audit::{self, Who};
use tequio_store::subjects::{self, Filter, SubjectInput, TransparencyUnit};
use tequio_store::{Exec, StoreError, search};

const REGISTRY: &str = "11790\tOAX - ADMINISTRACIÓN DEL PATRIMONIO DE LA BENEFICENCIA PÚBLICA DEL ESTADO DE OAXACA\n\
11723\tOAX - AUDITORÍA SUPERIOR DEL ESTADO DE OAXACA (Extinto)\n\
11900\tOAX - H. AYUNTAMIENTO DE OAXACA DE JUÁREZ\n\
11901\tOAX - UNIVERSIDAD AUTÓNOMA BENITO JUÁREZ DE OAXACA\n\
11902\tOAX - INSTITUTO DE ACCESO A LA INFORMACIÓN PÚBLICA (Extinto)\n\
not-a-number\tOAX - X\n\
\n\
11900\tOAX - REPEATED\n";

#[tokio::test]
async fn store_story() {
    for t in tequio_testkit::databases().await {
        let db = &t.db;
        let engine = t.name;
        let sys = Who::system();

        // Guarantor and registry import.
        let tx = db.begin().await.unwrap();
        let g = subjects::ensure_guarantor(
            &tx,
            &sys,
            "Órgano Garante de Oaxaca",
            "OGAIPO",
            Some("Oaxaca"),
            None,
        )
        .await
        .unwrap();
        let again =
            subjects::ensure_guarantor(&tx, &sys, "Órgano Garante de Oaxaca", "OGAIPO", None, None)
                .await
                .unwrap();
        assert_eq!(g, again, "{engine}");
        let report = subjects::import_registry(&tx, &sys, Some(g), REGISTRY)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(report.added.len(), 5, "{engine}: {report:?}");
        assert_eq!(report.rejected.len(), 2, "{engine}: {report:?}");
        assert_eq!(
            report.rejected[0].0, 6,
            "{engine}: line numbers count from 1"
        );
        assert_eq!(report.rejected[1].0, 8, "{engine}");
        assert_eq!(subjects::list_guarantors(db).await.unwrap().len(), 1);

        // Importing the same file again changes nothing; a renamed line updates.
        let tx = db.begin().await.unwrap();
        let again = subjects::import_registry(&tx, &sys, Some(g), REGISTRY)
            .await
            .unwrap();
        assert!(
            again.added.is_empty() && again.updated.is_empty(),
            "{engine}: {again:?}"
        );
        assert_eq!(again.unchanged, 5);
        let renamed =
            subjects::import_registry(&tx, &sys, Some(g), "11790\tOAX - BENEFICENCIA PÚBLICA\n")
                .await
                .unwrap();
        assert_eq!(renamed.updated, vec!["BENEFICENCIA PÚBLICA".to_owned()]);
        tx.commit().await.unwrap();

        // Directory: filters, counts, search with every spelling.
        let (total, all) = subjects::list(
            db,
            &Filter {
                limit: 50,
                ..Filter::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(total, 5, "{engine}");
        assert_eq!(
            all[0].name, "AUDITORÍA SUPERIOR DEL ESTADO DE OAXACA",
            "{engine}: name order"
        );
        let (extinct, _) = subjects::list(
            db,
            &Filter {
                status: Some("extinct".into()),
                limit: 50,
                ..Filter::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(extinct, 2, "{engine}");
        let (munis, m) = subjects::list(
            db,
            &Filter {
                kind: Some(SubjectKind::Municipality),
                limit: 50,
                ..Filter::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            (munis, m[0].name.as_str()),
            (1, "H. AYUNTAMIENTO DE OAXACA DE JUÁREZ"),
            "{engine}"
        );
        let counts = subjects::count_by_kind(db).await.unwrap();
        assert!(
            counts.contains(&(SubjectKind::University, 1)),
            "{engine}: {counts:?}"
        );
        for q in ["Juárez", "juarez", "JUAREZ"] {
            let (n, _) = subjects::list(
                db,
                &Filter {
                    q: Some(q.into()),
                    limit: 50,
                    ..Filter::default()
                },
            )
            .await
            .unwrap();
            assert_eq!(n, 2, "{engine}: {q}");
        }
        for q in ["información", "informacion", "informaciones", "INFORMACIÓN"] {
            let r = search::search(
                db,
                &search::Query {
                    text: q.into(),
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
            assert_eq!(r.total, 1, "{engine}: {q}");
            assert_eq!(
                r.hits[0].title, "INSTITUTO DE ACCESO A LA INFORMACIÓN PÚBLICA",
                "{engine}"
            );
            assert!(
                r.hits[0]
                    .title_parts
                    .iter()
                    .any(|p| p.hit && p.text == "INFORMACIÓN"),
                "{engine}"
            );
        }
        let r = search::search(
            db,
            &search::Query {
                text: "oaxaca juárez".into(),
                limit: 10,
                kinds: vec![SearchKind::Subject],
                offset: 0,
            },
        )
        .await
        .unwrap();
        assert_eq!(
            r.hits.iter().map(|h| h.ref_id).collect::<Vec<_>>().len(),
            2,
            "{engine}"
        );
        let (by_state, _) = subjects::list(
            db,
            &Filter {
                q: Some("órgano garante".into()),
                limit: 50,
                ..Filter::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            by_state, 0,
            "{engine}: the guarantor's name is not part of every subject's text"
        );
        let empty = search::search(
            db,
            &search::Query {
                text: "de la".into(),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(empty.total, 0, "{engine}: stopwords alone find nothing");

        // Create, update (with a diff in the log), extinguish, merge.
        let tx = db.begin().await.unwrap();
        let s = subjects::create(
            &tx,
            &sys,
            SubjectInput {
                name: "Secretaría de las Mujeres".into(),
                acronym: Some("SMO".into()),
                guarantor_id: Some(g),
                ..SubjectInput::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(s.kind, SubjectKind::Executive);
        tx.commit().await.unwrap();
        let tx = db.begin().await.unwrap();
        let bad = subjects::create(
            &tx,
            &sys,
            SubjectInput {
                name: "  ".into(),
                ..SubjectInput::default()
            },
        )
        .await;
        assert!(
            matches!(bad, Err(StoreError::Invalid(m)) if m.starts_with("name:")),
            "{engine}"
        );
        let dup = subjects::create(
            &tx,
            &sys,
            SubjectInput {
                name: "Otro".into(),
                platform_id: Some("11790".into()),
                ..SubjectInput::default()
            },
        )
        .await;
        match dup {
            Err(StoreError::Conflict { table, columns }) => {
                assert_eq!(
                    (table.as_str(), columns),
                    ("subjects", vec!["platform_id".to_owned()]),
                    "{engine}"
                )
            }
            other => panic!("{engine}: expected a conflict, got {other:?}"),
        }
        let aborted = tx.commit().await;
        assert!(
            aborted.is_err(),
            "{engine}: a transaction with a failed statement does not commit"
        );
        let tx = db.begin().await.unwrap();
        let updated = subjects::update(
            &tx,
            &sys,
            s.id,
            SubjectInput {
                name: "Secretaría de las Mujeres".into(),
                acronym: Some("SMO".into()),
                guarantor_id: Some(g),
                unit: TransparencyUnit {
                    head: Some("Ana López".into()),
                    email: Some("ut@smo.gob.mx".into()),
                    ..Default::default()
                },
                ..SubjectInput::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(updated.unit.head.as_deref(), Some("Ana López"));
        let bad_email = subjects::update(
            &tx,
            &sys,
            s.id,
            SubjectInput {
                name: "X".into(),
                unit: TransparencyUnit {
                    email: Some("nope".into()),
                    ..Default::default()
                },
                ..SubjectInput::default()
            },
        )
        .await;
        assert!(matches!(bad_email, Err(StoreError::Invalid(_))));
        tx.commit().await.unwrap();
        let history = audit::for_target(db, "subject", &s.id.to_string(), true)
            .await
            .unwrap();
        assert_eq!(history.len(), 2, "{engine}: create + update");
        assert_eq!(
            history[1].summary["unit"][1]["head"], "Ana López",
            "{engine}: {:?}",
            history[1].summary
        );

        let (_, found) = subjects::list(
            db,
            &Filter {
                q: Some("ana lopez".into()),
                limit: 5,
                ..Filter::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            found.len(),
            1,
            "{engine}: the unit head is searchable after an update"
        );

        let tx = db.begin().await.unwrap();
        assert!(
            subjects::extinguish(&tx, &sys, s.id, "2025-02-31")
                .await
                .is_err(),
            "{engine}: impossible date"
        );
        let uni = all
            .iter()
            .find(|x| x.kind == SubjectKind::University)
            .unwrap()
            .id;
        let merged = subjects::merge(&tx, &sys, s.id, uni, "2025-06-30")
            .await
            .unwrap();
        assert_eq!(
            (merged.status.as_str(), merged.merged_into_id),
            ("extinct", Some(uni))
        );
        assert!(
            subjects::extinguish(&tx, &sys, s.id, "2025-07-01")
                .await
                .is_err(),
            "{engine}: already extinct"
        );
        assert!(
            subjects::merge(&tx, &sys, uni, uni, "2025-07-01")
                .await
                .is_err()
        );
        tx.commit().await.unwrap();

        // Removing an item from the index hides it from search (for content that is withdrawn).
        let tx = db.begin().await.unwrap();
        search::remove(&tx, SearchKind::Subject, uni).await.unwrap();
        tx.commit().await.unwrap();
        let gone = search::search(
            db,
            &search::Query {
                text: "universidad".into(),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(gone.hits.iter().all(|h| h.ref_id != uni), "{engine}");
        assert_eq!(
            subjects::get(db, uni).await.unwrap().unwrap().kind,
            SubjectKind::University
        );

        // A rolled-back transaction leaves nothing, not even its audit entry.
        let head_before = audit::head(db).await.unwrap();
        {
            let tx = db.begin().await.unwrap();
            subjects::create(
                &tx,
                &sys,
                SubjectInput {
                    name: "Fantasma".into(),
                    ..SubjectInput::default()
                },
            )
            .await
            .unwrap();
        }
        assert_eq!(audit::head(db).await.unwrap(), head_before, "{engine}");
        let (_, ghosts) = subjects::list(
            db,
            &Filter {
                q: Some("fantasma".into()),
                limit: 5,
                ..Filter::default()
            },
        )
        .await
        .unwrap();
        assert!(ghosts.is_empty(), "{engine}");

        // Accounts: users, duplicate e-mail, sessions, tokens, grants, organisations.
        let tx = db.begin().await.unwrap();
        let ana = accounts::create_user(&tx, &sys, "ana@example.mx", "Ana", "hash-a", "es")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let tx = db.begin().await.unwrap();
        let dup = accounts::create_user(&tx, &sys, "ana@example.mx", "Ana 2", "hash-b", "es").await;
        assert!(
            matches!(dup, Err(StoreError::Conflict { ref table, ref columns }) if table == "users" && columns == &["email"]),
            "{engine}: {dup:?}"
        );
        drop(tx);
        let tx = db.begin().await.unwrap();
        accounts::create_session(&tx, &ana, "session-hash", &tequio_store::in_seconds(3600))
            .await
            .unwrap();
        accounts::create_session(&tx, &ana, "old-session", &tequio_store::in_seconds(-10))
            .await
            .unwrap();
        accounts::create_token(
            &tx,
            ana.id,
            TokenPurpose::VerifyEmail,
            "tok",
            &tequio_store::in_seconds(3600),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let (who, actor) = accounts::session_actor(db, "session-hash")
            .await
            .unwrap()
            .unwrap();
        assert_eq!((who.id, actor.email_verified), (ana.id, false));
        assert!(
            accounts::session_actor(db, "old-session")
                .await
                .unwrap()
                .is_none(),
            "{engine}: expired"
        );
        assert!(accounts::session_actor(db, "nope").await.unwrap().is_none());

        let tx = db.begin().await.unwrap();
        assert!(
            accounts::consume_token(&tx, TokenPurpose::ResetPassword, "tok")
                .await
                .unwrap()
                .is_none(),
            "{engine}: wrong purpose"
        );
        let verified = accounts::consume_token(&tx, TokenPurpose::VerifyEmail, "tok")
            .await
            .unwrap()
            .unwrap();
        accounts::mark_email_verified(&tx, &verified.who(), verified.id)
            .await
            .unwrap();
        assert!(
            accounts::consume_token(&tx, TokenPurpose::VerifyEmail, "tok")
                .await
                .unwrap()
                .is_none(),
            "{engine}: used once"
        );
        let gid = accounts::grant(
            &tx,
            &sys,
            ana.id,
            Grant::new(Role::SubjectEditor, Some(uni)).unwrap(),
        )
        .await
        .unwrap();
        assert!(
            accounts::grant(
                &tx,
                &sys,
                ana.id,
                Grant::new(Role::SubjectEditor, Some(999_999)).unwrap()
            )
            .await
            .is_err()
        );
        accounts::grant(
            &tx,
            &sys,
            ana.id,
            Grant::new(Role::Moderator, None).unwrap(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let (_, actor) = accounts::session_actor(db, "session-hash")
            .await
            .unwrap()
            .unwrap();
        assert!(actor.email_verified);
        assert!(
            actor.can(tequio_domain::accounts::Action::EditSubject(uni)),
            "{engine}"
        );
        assert!(
            !actor.can(tequio_domain::accounts::Action::EditSubject(s.id)),
            "{engine}"
        );
        assert_eq!(
            accounts::holders_of(db, Role::Moderator)
                .await
                .unwrap()
                .len(),
            1
        );

        let tx = db.begin().await.unwrap();
        accounts::revoke(&tx, &sys, gid).await.unwrap();
        assert!(matches!(
            accounts::revoke(&tx, &sys, gid).await,
            Err(StoreError::NotFound)
        ));
        let org = accounts::create_organisation(
            &tx,
            &sys,
            "Mujeres Empresarias de Oaxaca A.C.",
            Sector::CivilSociety,
            "Asociación",
            None,
        )
        .await
        .unwrap();
        accounts::add_member(&tx, &sys, org, ana.id, true)
            .await
            .unwrap();
        accounts::add_member(&tx, &sys, org, ana.id, false)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(accounts::list_grants(db, ana.id).await.unwrap().len(), 1);
        let tx = db.begin().await.unwrap();
        let renamed = accounts::update_organisation(
            &tx,
            &sys,
            org,
            "Mujeres Empresarias A.C.",
            Sector::PrivateSector,
            "Asociación",
            Some(" https://mujeres.example "),
        )
        .await
        .unwrap();
        assert_eq!(
            (renamed.name.as_str(), renamed.website.as_deref()),
            ("Mujeres Empresarias A.C.", Some("https://mujeres.example"))
        );
        assert!(
            accounts::update_organisation(&tx, &sys, org, " ", Sector::Academia, "", None)
                .await
                .is_err()
        );
        drop(tx);
        let o = accounts::get_organisation(db, org).await.unwrap().unwrap();
        assert_eq!(
            o.name, "Mujeres Empresarias de Oaxaca A.C.",
            "{engine}: dropped transaction, nothing saved"
        );
        let tx = db.begin().await.unwrap();
        accounts::update_organisation(
            &tx,
            &sys,
            org,
            "Mujeres Empresarias A.C.",
            Sector::CivilSociety,
            "Asociación",
            None,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let o = accounts::get_organisation(db, org).await.unwrap().unwrap();
        let log = audit::for_target(db, "organisation", &org.to_string(), true)
            .await
            .unwrap();
        assert_eq!(
            log.last().unwrap().summary["name"][1],
            "Mujeres Empresarias A.C.",
            "{engine}"
        );
        assert_eq!((o.members, o.sector), (1, Sector::CivilSociety));
        assert!(!accounts::members(db, org).await.unwrap()[0].is_representative);
        assert_eq!(
            accounts::organisations_of(db, ana.id).await.unwrap().len(),
            1
        );
        assert_eq!(accounts::list_organisations(db).await.unwrap().len(), 1);
        let tx = db.begin().await.unwrap();
        accounts::remove_member(&tx, &sys, org, ana.id)
            .await
            .unwrap();
        accounts::set_password(&tx, &sys, ana.id, "hash-c")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert!(
            accounts::session_actor(db, "session-hash")
                .await
                .unwrap()
                .is_none(),
            "{engine}: a new password ends sessions"
        );
        let tx = db.begin().await.unwrap();
        accounts::set_display_name(&tx, &sys, ana.id, "  Ana María ")
            .await
            .unwrap();
        assert!(
            accounts::set_display_name(&tx, &sys, ana.id, " ")
                .await
                .is_err()
        );
        drop(tx);
        let tx = db.begin().await.unwrap();
        accounts::set_display_name(&tx, &sys, ana.id, "  Ana María ")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            accounts::get_user(db, ana.id)
                .await
                .unwrap()
                .unwrap()
                .display_name,
            "Ana María",
            "{engine}"
        );
        let (found, hash) = accounts::find_by_email(db, "ana@example.mx")
            .await
            .unwrap()
            .unwrap();
        assert_eq!((found.id, hash.as_str()), (ana.id, "hash-c"));
        let tx = db.begin().await.unwrap();
        accounts::set_disabled(&tx, &sys, ana.id, true)
            .await
            .unwrap();
        accounts::create_session(&tx, &ana, "s2", &tequio_store::in_seconds(3600))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert!(
            accounts::session_actor(db, "s2").await.unwrap().is_none(),
            "{engine}: disabled accounts have no session"
        );
        let (n, users) = accounts::list_users(db, Some("ANA"), 10, 0).await.unwrap();
        assert_eq!((n, users[0].disabled_at.is_some()), (1, true));
        let tx = db.begin().await.unwrap();
        accounts::delete_session(&tx, &ana.who(), "s2")
            .await
            .unwrap();
        tx.commit().await.unwrap();

        assert_eq!(
            accounts::get_user(db, ana.id).await.unwrap().unwrap().email,
            "ana@example.mx"
        );
        assert!(accounts::get_user(db, 999_999).await.unwrap().is_none());
        assert!(
            everything_has(db, "account.token").await,
            "{engine}: tokens are logged"
        );

        // Outbox and throttle.
        let tx = db.begin().await.unwrap();
        let mail = accounts::enqueue_mail(&tx, "ana@example.mx", "Hola", "Texto", "local")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        accounts::mark_mail(db, mail, "failed", Some("no server"))
            .await
            .unwrap();
        let outbox = accounts::list_outbox(db, 10).await.unwrap();
        assert_eq!(
            (outbox[0].status.as_str(), outbox[0].error.as_deref()),
            ("failed", Some("no server"))
        );
        for _ in 0..3 {
            assert_eq!(
                accounts::throttle(db, "login:x", 3, 60).await.unwrap(),
                Ok(())
            );
        }
        let refused = accounts::throttle(db, "login:x", 3, 60).await.unwrap();
        assert!(
            matches!(refused, Err(s) if (1..=60).contains(&s)),
            "{engine}: the fourth attempt is refused, with when to come back: {refused:?}"
        );
        assert_eq!(
            accounts::throttle(db, "login:y", 3, 60).await.unwrap(),
            Ok(()),
            "{engine}: keys are separate"
        );
        accounts::record_attempt(db, "login:y").await.unwrap();
        let seen = accounts::attempts(db, "login:y", 60).await.unwrap();
        assert_eq!(seen.count, 2, "{engine}");

        // Trusted browsers: one per device token, forgotten one by one or all at a new password.
        let (someone, _) = accounts::find_by_email(db, "ana@example.mx")
            .await
            .unwrap()
            .unwrap();
        let tx = db.begin().await.unwrap();
        accounts::trust_device(&tx, someone.id, "d1").await.unwrap();
        accounts::trust_device(&tx, someone.id, "d2").await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            accounts::trusted_device(db, "d1").await.unwrap(),
            Some(someone.id)
        );
        assert_eq!(accounts::trusted_device(db, "nope").await.unwrap(), None);
        accounts::forget_device(db, "d1").await.unwrap();
        assert_eq!(
            accounts::trusted_device(db, "d1").await.unwrap(),
            None,
            "{engine}"
        );
        let tx = db.begin().await.unwrap();
        accounts::set_password(&tx, &someone.who(), someone.id, "otro-hash")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            accounts::trusted_device(db, "d2").await.unwrap(),
            None,
            "{engine}: a new password ends every browser's trust"
        );

        // The log: public page leaves account events out; the chain verifies.
        let public = audit::list(db, true, None, 500).await.unwrap();
        let everything = audit::list(db, false, None, 500).await.unwrap();
        assert!(
            public.iter().all(|e| e.public) && public.len() < everything.len(),
            "{engine}"
        );
        assert!(everything.iter().any(|e| e.action == "account.login"));
        let page = audit::list(db, false, Some(everything[0].seq), 2)
            .await
            .unwrap();
        assert_eq!(page.len(), 2);
        assert_eq!(page[0].seq, everything[0].seq - 1);
        let v = audit::verify(db, None).await.unwrap();
        assert_eq!(v.problem, None, "{engine}");
        let head = audit::head(db).await.unwrap().unwrap();
        assert_eq!(v.head.as_ref(), Some(&head));
        assert_eq!(v.entries, head.seq);
        let saved = audit::verify(db, Some(&head)).await.unwrap();
        assert_eq!(saved.problem, None);
        let wrong = audit::Head {
            seq: head.seq,
            hash: "f".repeat(64),
        };
        assert!(
            audit::verify(db, Some(&wrong))
                .await
                .unwrap()
                .problem
                .is_some()
        );
        let future = audit::Head {
            seq: head.seq + 5,
            hash: head.hash.clone(),
        };
        assert!(
            audit::verify(db, Some(&future))
                .await
                .unwrap()
                .problem
                .is_some(),
            "{engine}: saved head beyond the log"
        );
    }
}

#[tokio::test]
async fn the_database_refuses_to_change_the_log() {
    for t in tequio_testkit::databases().await {
        let db = &t.db;
        let tx = db.begin().await.unwrap();
        subjects::ensure_guarantor(&tx, &Who::system(), "G", "G", None, None)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let update = db
            .batch("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1")
            .await;
        assert!(update.is_err(), "{}: UPDATE must be refused", t.name);
        let delete = db.batch("DELETE FROM audit_log WHERE seq = 1").await;
        assert!(delete.is_err(), "{}: DELETE must be refused", t.name);
        assert_eq!(audit::verify(db, None).await.unwrap().problem, None);

        // Someone with full access drops the guard and rewrites history: verify names the entry.
        let unguard = match db.engine() {
            tequio_store::Engine::Sqlite => "DROP TRIGGER audit_log_no_update",
            tequio_store::Engine::Postgres => {
                "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update"
            }
        };
        db.batch(unguard).await.unwrap();
        db.batch("UPDATE audit_log SET summary = '{\"name\":\"X\"}' WHERE seq = 1")
            .await
            .unwrap();
        let v = audit::verify(db, None).await.unwrap();
        let problem = v.problem.expect("tampering must be caught");
        assert_eq!(problem.seq, 1, "{}", t.name);
        assert!(problem.reason.contains("altered"), "{}", problem.reason);
    }
}

async fn everything_has(db: &tequio_store::Db, action: &str) -> bool {
    audit::list(db, false, None, 500)
        .await
        .unwrap()
        .iter()
        .any(|e| e.action == action)
}
