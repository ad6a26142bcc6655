//! Citizen participation (issue 14): participation spaces (consultas), proposals, supports,
//! official answers and moderation. The rules here are pure; the store keeps the data and the
//! web crate its pages. Decidim and CONSUL are the references; where their users complain
//! (answers nobody owes, early proposals winning by position) the rules below do better.

use crate::bodies::string_enum;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

string_enum! {
    /// Where a participation space stands.
    SpaceStatus {
        /// Being prepared; only its managers see it.
        Draft = "draft",
        /// Takes proposals and comments.
        Open = "open",
        /// Proposals are closed; answers are being written.
        Evaluating = "evaluating",
        /// Every proposal is answered; read-only.
        Closed = "closed",
    }
}

impl SpaceStatus {
    /// The states a space may move to from this one (never back to draft, never reopened
    /// once closed).
    pub fn may_become(self, next: SpaceStatus) -> bool {
        use SpaceStatus::*;
        matches!(
            (self, next),
            (Draft, Open) | (Open, Evaluating) | (Evaluating, Open) | (Evaluating, Closed)
        )
    }

    /// Whether people may propose, support and comment.
    pub fn takes_contributions(self) -> bool {
        self == SpaceStatus::Open
    }
}

string_enum! {
    /// A proposal's state, as its official answer sets it (CONSUL's and Decidim's states).
    ProposalState {
        /// Published, not answered yet.
        Published = "published",
        UnderEvaluation = "under_evaluation",
        Accepted = "accepted",
        PartiallyAccepted = "partially_accepted",
        /// Needs a reason, given in the answer's text.
        NotAccepted = "not_accepted",
        Implemented = "implemented",
        /// Withdrawn by its author.
        Withdrawn = "withdrawn",
    }
}

impl ProposalState {
    /// The states an official answer may give.
    pub const ANSWERS: &'static [ProposalState] = &[
        ProposalState::UnderEvaluation,
        ProposalState::Accepted,
        ProposalState::PartiallyAccepted,
        ProposalState::NotAccepted,
        ProposalState::Implemented,
    ];

    /// Whether the proposal still waits for an answer that settles it (a space cannot close
    /// while one does).
    pub fn awaits_answer(self) -> bool {
        matches!(
            self,
            ProposalState::Published | ProposalState::UnderEvaluation
        )
    }

    /// Whether people may still support it.
    pub fn takes_supports(self) -> bool {
        matches!(
            self,
            ProposalState::Published | ProposalState::UnderEvaluation
        )
    }
}

/// Minutes after submitting during which the author edits a proposal freely; afterwards every
/// edit is kept in a visible history.
pub const FREE_EDIT_MINUTES: i64 = 15;

/// Whether an edit `minutes_since_submitted` after submitting goes without a history entry.
pub fn is_free_edit(minutes_since_submitted: i64) -> bool {
    (0..FREE_EDIT_MINUTES).contains(&minutes_since_submitted)
}

/// An answer a proposal is owed: when its supports reached the space's threshold (a day
/// number) and the space's answer period in days. `None` when no answer is owed.
pub fn answer_due(reached_threshold_on: Option<i64>, answer_days: i64) -> Option<i64> {
    reached_threshold_on.map(|day| day + answer_days.max(0))
}

/// Whether an owed answer is late on `today` (day numbers): shown as such in public.
pub fn answer_is_late(due: Option<i64>, answered: bool, today: i64) -> bool {
    !answered && due.is_some_and(|due| today > due)
}

string_enum! {
    /// Why someone reports a proposal or a comment.
    ReportReason {
        Spam = "spam",
        Offensive = "offensive",
        OffTopic = "off_topic",
        /// Personal data exposed.
        PersonalData = "personal_data",
    }
}

/// Reports that hide content pending review when a space sets none.
pub const DEFAULT_HIDE_AFTER_REPORTS: i64 = 3;

/// Whether content with `reports` open reports is hidden pending a moderator's review.
pub fn hidden_by_reports(reports: i64, hide_after: i64) -> bool {
    hide_after > 0 && reports >= hide_after
}

/// Links a new account may put in one proposal or comment (spammers arrive with dozens).
pub const NEW_ACCOUNT_MAX_LINKS: usize = 3;
/// An account is new for this many days.
pub const NEW_ACCOUNT_DAYS: i64 = 7;

/// How many links a text carries (`http://`, `https://` and `www.`).
pub fn link_count(text: &str) -> usize {
    let lower = text.to_lowercase();
    lower.matches("http://").count() + lower.matches("https://").count() + {
        // `www.` not already counted as part of an address with a scheme.
        lower
            .match_indices("www.")
            .filter(|(i, _)| !lower[..*i].ends_with("//"))
            .count()
    }
}

/// Whether a text has more links than an account of `account_age_days` may post.
pub fn too_many_links(text: &str, account_age_days: i64) -> bool {
    account_age_days < NEW_ACCOUNT_DAYS && link_count(text) > NEW_ACCOUNT_MAX_LINKS
}

/// The "random" order of a space's proposals for one visitor (Decidim's default, so early
/// proposals do not win by position): stable for the same seed, so paging does not reshuffle,
/// and different between visitors. Sorts `ids` in place.
pub fn seeded_order(ids: &mut [i64], seed: &str) {
    ids.sort_by_cached_key(|id| {
        let mut h = Sha256::new();
        h.update(seed.as_bytes());
        h.update(id.to_le_bytes());
        let digest = h.finalize();
        let mut key = [0u8; 8];
        key.copy_from_slice(&digest[..8]);
        (u64::from_be_bytes(key), *id)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_move_forward_and_never_reopen_once_closed() {
        use SpaceStatus::*;
        assert!(Draft.may_become(Open));
        assert!(Open.may_become(Evaluating) && Evaluating.may_become(Open));
        assert!(Evaluating.may_become(Closed));
        for next in SpaceStatus::ALL {
            assert!(!Closed.may_become(*next), "closed → {next:?}");
            assert!(!next.may_become(Draft), "{next:?} → draft");
        }
        assert!(!Open.may_become(Closed), "answers come first");
        assert!(Open.takes_contributions() && !Evaluating.takes_contributions());
    }

    #[test]
    fn only_unsettled_proposals_hold_a_space_open_and_take_supports() {
        assert!(ProposalState::Published.awaits_answer());
        assert!(ProposalState::UnderEvaluation.awaits_answer());
        for s in [
            ProposalState::Accepted,
            ProposalState::PartiallyAccepted,
            ProposalState::NotAccepted,
            ProposalState::Implemented,
            ProposalState::Withdrawn,
        ] {
            assert!(!s.awaits_answer(), "{s:?}");
        }
        assert!(!ProposalState::Withdrawn.takes_supports());
        assert!(!ProposalState::ANSWERS.contains(&ProposalState::Withdrawn));
    }

    #[test]
    fn edits_are_free_for_a_short_while_only() {
        assert!(is_free_edit(0) && is_free_edit(FREE_EDIT_MINUTES - 1));
        assert!(!is_free_edit(FREE_EDIT_MINUTES) && !is_free_edit(-1));
    }

    #[test]
    fn an_answer_owed_by_the_threshold_turns_late_after_its_period() {
        let due = answer_due(Some(100), 20);
        assert_eq!(due, Some(120));
        assert!(!answer_is_late(due, false, 120));
        assert!(answer_is_late(due, false, 121));
        assert!(!answer_is_late(due, true, 500), "answered is never late");
        assert!(
            !answer_is_late(answer_due(None, 20), false, 500),
            "no threshold, no debt"
        );
    }

    #[test]
    fn reports_hide_content_at_the_threshold_unless_it_is_off() {
        assert!(!hidden_by_reports(2, 3));
        assert!(hidden_by_reports(3, 3));
        assert!(!hidden_by_reports(100, 0), "0 turns automatic hiding off");
    }

    #[test]
    fn new_accounts_are_limited_in_links() {
        let spam = "compra https://a.x https://b.x http://c.x www.d.x";
        assert_eq!(link_count(spam), 4);
        assert_eq!(link_count("ver https://www.oaxaca.gob.mx"), 1);
        assert!(too_many_links(spam, 1));
        assert!(
            !too_many_links(spam, NEW_ACCOUNT_DAYS),
            "older accounts are not limited"
        );
        assert!(!too_many_links("un enlace: https://datos.gob.mx", 0));
    }

    #[test]
    fn the_random_order_is_stable_per_visitor_and_differs_between_visitors() {
        let ids: Vec<i64> = (1..=50).collect();
        let mut a = ids.clone();
        let mut a_again = ids.clone();
        let mut b = ids.clone();
        seeded_order(&mut a, "visitante-1");
        seeded_order(&mut a_again, "visitante-1");
        seeded_order(&mut b, "visitante-2");
        assert_eq!(a, a_again);
        assert_ne!(a, b);
        assert_ne!(a, ids, "not the order of arrival");
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, ids, "a permutation: nothing lost or repeated");
    }
}
