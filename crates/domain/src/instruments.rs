//! Collaboration instruments (convenios, acuerdos de colaboración, programas de acción,
//! declaratorias): what kind, and whether one is in force on a given day.
//!
//! DESIGN.md calls this domain `agreements`; here it is `instruments`, because "agreement"
//! already names the acuerdos a collegiate body adopts in session (see `bodies`).

use crate::bodies::string_enum;
use serde::{Deserialize, Serialize};

string_enum! {
    /// What kind of instrument.
    InstrumentKind {
        /// Convenio.
        Convenio = "convenio",
        /// Acuerdo de colaboración.
        CollaborationAgreement = "collaboration_agreement",
        /// Programa de acción.
        ActionProgramme = "action_programme",
        /// Declaratoria.
        Declaration = "declaration",
    }
}

string_enum! {
    /// Whether an instrument binds its parties today.
    InstrumentStatus {
        InForce = "in_force",
        /// Its validity ended.
        Expired = "expired",
        /// Ended early by the parties.
        Terminated = "terminated",
    }
}

/// The status on `today` (`YYYY-MM-DD`): terminated if ended early, expired once its validity
/// is past, in force otherwise.
pub fn status_on(terminated: bool, valid_until: &str, today: &str) -> InstrumentStatus {
    if terminated {
        InstrumentStatus::Terminated
    } else if !valid_until.is_empty() && valid_until < today {
        InstrumentStatus::Expired
    } else {
        InstrumentStatus::InForce
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_follows_the_dates() {
        assert_eq!(
            status_on(false, "2026-12-31", "2026-11-27"),
            InstrumentStatus::InForce
        );
        assert_eq!(
            status_on(false, "2026-01-31", "2026-11-27"),
            InstrumentStatus::Expired
        );
        assert_eq!(
            status_on(false, "", "2026-11-27"),
            InstrumentStatus::InForce
        );
        assert_eq!(
            status_on(true, "2030-01-01", "2026-11-27"),
            InstrumentStatus::Terminated
        );
    }
}
