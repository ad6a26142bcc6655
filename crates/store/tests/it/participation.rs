//! Participation on every engine under test, as one story: a space is opened, people propose
//! and support (a second support, a support on a closed space, a proposal in a draft are
//! refused), the threshold's day is recorded, lists sort by supports, a support is withdrawn,
//! people comment and reply (two levels), a deleted comment keeps its place, the space cannot
//! close while proposals wait for an answer, and closes once each is answered.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use tequio_domain::participation::{ProposalState, ReportReason, SpaceStatus};
use tequio_store::audit::Who;
use tequio_store::participation::{
    self as part, AnswerLink, CommentTarget, ProposalInput, ProposalOrder, SpaceInput,
};
use tequio_store::{Db, StoreError, accounts};

async fn person(db: &Db, email: &str) -> Who {
    let tx = db.begin().await.unwrap();
    let u = accounts::create_user(&tx, &Who::system(), email, email, "x", "es")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    u.who()
}

fn refusal(e: StoreError) -> String {
    match e {
        StoreError::Invalid(m) => m,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn the_participation_story() {
    for t in tequio_testkit::databases().await {
        let (engine, db) = (t.name, &t.db);
        let (ana, beto, carla) = (
            person(db, "ana@example.org").await,
            person(db, "beto@example.org").await,
            person(db, "carla@example.org").await,
        );
        let tx = db.begin().await.unwrap();
        part::create_space(
            &tx,
            &Who::system(),
            &SpaceInput {
                name: "obra-publica-abierta".into(),
                title: "Mejoras a la obra pública abierta".into(),
                support_threshold: 2,
                answer_days: 30,
                ..SpaceInput::default()
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let space = part::space(db, "obra-publica-abierta").await.unwrap();
        assert_eq!(space.status, SpaceStatus::Draft, "{engine}");

        // Nobody proposes in a draft.
        let idea = ProposalInput {
            title: "Publicar el avance de cada obra cada mes".into(),
            proposal: "Un tablero con el avance físico y financiero.".into(),
            ..ProposalInput::default()
        };
        let tx = db.begin().await.unwrap();
        let e = part::propose(&tx, &ana, &space, &idea).await.unwrap_err();
        assert!(refusal(e).contains("no recibe propuestas"), "{engine}");
        drop(tx);

        let tx = db.begin().await.unwrap();
        part::set_space_status(&tx, &Who::system(), &space, SpaceStatus::Open)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let space = part::space(db, "obra-publica-abierta").await.unwrap();

        let tx = db.begin().await.unwrap();
        let first = part::propose(&tx, &ana, &space, &idea).await.unwrap();
        let second = part::propose(
            &tx,
            &beto,
            &space,
            &ProposalInput {
                title: "Mapa de obras por colonia".into(),
                proposal: "Ubicar cada obra en un mapa abierto.".into(),
                ..ProposalInput::default()
            },
        )
        .await
        .unwrap();
        let e = part::propose(&tx, &carla, &space, &ProposalInput::default())
            .await
            .unwrap_err();
        let m = refusal(e);
        assert!(
            m.contains("title:") && m.contains("proposal:"),
            "{engine}: {m}"
        );
        tx.commit().await.unwrap();

        // Supports: one per person; the threshold's day is recorded when reached.
        let p = part::proposal(db, first).await.unwrap();
        for who in [&beto, &carla] {
            let tx = db.begin().await.unwrap();
            part::support(&tx, who, &space, &p, "2026-12-02")
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
        let tx = db.begin().await.unwrap();
        let e = part::support(&tx, &beto, &space, &p, "2026-12-02")
            .await
            .unwrap_err();
        assert!(refusal(e).contains("ya apoyas"), "{engine}");
        drop(tx);
        let p = part::proposal(db, first).await.unwrap();
        assert_eq!(
            p.supports, 2,
            "{engine}: the second support was not counted"
        );
        assert_eq!(
            p.threshold_reached_on.as_deref(),
            Some("2026-12-02"),
            "{engine}"
        );

        let (total, list) = part::proposals(db, space.id, ProposalOrder::MostSupported, 10, 0)
            .await
            .unwrap();
        assert_eq!(total, 2, "{engine}");
        assert_eq!(
            list.iter().map(|p| p.id).collect::<Vec<_>>(),
            vec![first, second],
            "{engine}"
        );
        let (_, newest) = part::proposals(db, space.id, ProposalOrder::Newest, 10, 0)
            .await
            .unwrap();
        assert_eq!(newest[0].id, second, "{engine}");

        // Withdrawing a support lowers the count; the reached threshold stays reached.
        let tx = db.begin().await.unwrap();
        assert_eq!(part::withdraw_support(&tx, &carla, &p).await.unwrap(), 1);
        let e = part::withdraw_support(&tx, &carla, &p).await.unwrap_err();
        assert!(refusal(e).contains("no apoyabas"), "{engine}");
        tx.commit().await.unwrap();
        let p = part::proposal(db, first).await.unwrap();
        assert_eq!(
            (p.supports, p.threshold_reached_on.as_deref()),
            (1, Some("2026-12-02")),
            "{engine}"
        );
        assert_eq!(p.state, ProposalState::Published, "{engine}");

        // Evaluating: no more supports; closing waits for every answer.
        let tx = db.begin().await.unwrap();
        part::set_space_status(&tx, &Who::system(), &space, SpaceStatus::Evaluating)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let space = part::space(db, "obra-publica-abierta").await.unwrap();
        let tx = db.begin().await.unwrap();
        let e = part::support(&tx, &ana, &space, &p, "2026-12-03")
            .await
            .unwrap_err();
        assert!(refusal(e).contains("ya no recibe apoyos"), "{engine}");
        let e = part::set_space_status(&tx, &Who::system(), &space, SpaceStatus::Closed)
            .await
            .unwrap_err();
        assert!(
            refusal(e).contains("2 propuestas esperan respuesta"),
            "{engine}"
        );
        let e = part::set_space_status(&tx, &Who::system(), &space, SpaceStatus::Draft)
            .await
            .unwrap_err();
        assert!(refusal(e).contains("no puede pasar"), "{engine}");
        drop(tx);

        // A conversation: a comment, a reply, no reply to a reply, a deleted comment in place.
        let on = CommentTarget {
            kind: "proposal",
            id: first,
        };
        let tx = db.begin().await.unwrap();
        let c1 = part::comment(
            &tx,
            &beto,
            on,
            None,
            "¿Incluye las obras por administración directa?",
        )
        .await
        .unwrap();
        let c2 = part::comment(&tx, &ana, on, Some(c1), "Sí, todas.")
            .await
            .unwrap();
        let e = part::comment(&tx, &carla, on, Some(c2), "¿Y las de 2024?")
            .await
            .unwrap_err();
        assert!(refusal(e).contains("dos niveles"), "{engine}");
        let other = CommentTarget {
            kind: "proposal",
            id: second,
        };
        let e = part::comment(&tx, &carla, other, Some(c1), "fuera de lugar")
            .await
            .unwrap_err();
        assert!(refusal(e).contains("otra conversación"), "{engine}");
        let e = part::comment(&tx, &carla, on, None, "  ")
            .await
            .unwrap_err();
        assert!(refusal(e).starts_with("body:"), "{engine}");
        assert!(
            matches!(
                part::delete_comment(&tx, &carla, c1).await,
                Err(StoreError::NotFound)
            ),
            "{engine}: only its author"
        );
        part::delete_comment(&tx, &beto, c1).await.unwrap();
        tx.commit().await.unwrap();
        let talk = part::comments(db, on).await.unwrap();
        assert_eq!(talk.len(), 2, "{engine}");
        assert_eq!(
            (
                talk[0].status.as_str(),
                talk[0].body.as_str(),
                talk[0].author_id
            ),
            ("deleted", "", None),
            "{engine}"
        );
        assert_eq!(
            talk[1].parent_id,
            Some(c1),
            "{engine}: the reply keeps its place"
        );

        // Reports: not one's own, one per person; at the space's threshold the content hides.
        let tx = db.begin().await.unwrap();
        let spam = ReportReason::Spam;
        let e = part::report(&tx, &ana, "proposal", first, spam, 2)
            .await
            .unwrap_err();
        assert!(refusal(e).contains("tú escribiste"), "{engine}");
        assert!(
            !part::report(&tx, &beto, "proposal", first, spam, 2)
                .await
                .unwrap(),
            "{engine}"
        );
        let e = part::report(&tx, &beto, "proposal", first, spam, 2)
            .await
            .unwrap_err();
        assert!(refusal(e).contains("ya denunciaste"), "{engine}");
        assert!(
            part::report(&tx, &carla, "proposal", first, ReportReason::OffTopic, 2)
                .await
                .unwrap(),
            "{engine}"
        );
        assert!(
            part::report(&tx, &carla, "comment", c2, ReportReason::PersonalData, 1)
                .await
                .unwrap(),
            "{engine}"
        );
        tx.commit().await.unwrap();
        let p1 = part::proposal(db, first).await.unwrap();
        assert_eq!(
            (p1.moderation.as_str(), p1.moderation_reason.as_str()),
            ("hidden", "pending_review"),
            "{engine}"
        );
        assert_eq!(
            part::comments(db, on).await.unwrap()[1].status,
            "hidden",
            "{engine}"
        );

        // Official answers: a reason for "not accepted", a link for "accepted"; then it closes.
        let p2 = part::proposal(db, second).await.unwrap();
        let tx = db.begin().await.unwrap();
        let e = part::answer(
            &tx,
            &Who::system(),
            &p2,
            ProposalState::NotAccepted,
            " ",
            None,
        )
        .await
        .unwrap_err();
        assert!(refusal(e).contains("por qué no se acepta"), "{engine}");
        let e = part::answer(
            &tx,
            &Who::system(),
            &p2,
            ProposalState::Withdrawn,
            "x",
            None,
        )
        .await
        .unwrap_err();
        assert!(refusal(e).contains("no es una respuesta"), "{engine}");
        part::answer(
            &tx,
            &Who::system(),
            &p2,
            ProposalState::NotAccepted,
            "Ya existe un mapa en el portal municipal.",
            None,
        )
        .await
        .unwrap();
        let p1 = part::proposal(&tx, first).await.unwrap();
        let link = AnswerLink {
            kind: "agreement".into(),
            key: "1".into(),
        };
        part::answer(
            &tx,
            &Who::system(),
            &p1,
            ProposalState::Accepted,
            "La mesa de trabajo lo adoptó.",
            Some(&link),
        )
        .await
        .unwrap();
        part::set_space_status(&tx, &Who::system(), &space, SpaceStatus::Closed)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let answers = part::answers(db, first).await.unwrap();
        assert_eq!(answers.len(), 1, "{engine}");
        assert_eq!(
            (answers[0].state, answers[0].link.as_ref()),
            (ProposalState::Accepted, Some(&link)),
            "{engine}"
        );
        assert_eq!(
            part::proposal(db, first).await.unwrap().state,
            ProposalState::Accepted,
            "{engine}"
        );
        assert_eq!(
            part::space(db, "obra-publica-abierta")
                .await
                .unwrap()
                .status,
            SpaceStatus::Closed,
            "{engine}"
        );
    }
}
