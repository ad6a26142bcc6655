//! Training and promotion events: kinds, registration with a waiting list, and the codes of
//! attendance certificates.

use crate::bodies::string_enum;
use serde::{Deserialize, Serialize};

string_enum! {
    /// What kind of event.
    EventKind {
        /// Capacitación (for transparency units, for instance).
        Training = "training",
        Forum = "forum",
        Workshop = "workshop",
        /// Sesión informativa.
        InformativeSession = "informative_session",
    }
}

string_enum! {
    /// Where a registration stands.
    RegistrationStatus {
        Registered = "registered",
        /// Lista de espera: takes the first place that frees up.
        Waitlisted = "waitlisted",
        Cancelled = "cancelled",
    }
}

/// Whether a new registration gets a place or waits, given the places taken.
pub fn new_registration(capacity: i64, registered: i64) -> RegistrationStatus {
    if registered < capacity {
        RegistrationStatus::Registered
    } else {
        RegistrationStatus::Waitlisted
    }
}

/// A certificate code as people read and type it: 12 characters from random bytes, in three
/// groups, without letters that look alike (`0/O`, `1/I/L`).
pub fn certificate_code(random: &[u8; 12]) -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let chars: Vec<char> = random
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// Normalises a code someone typed: upper case, spaces removed.
pub fn normalise_code(typed: &str) -> String {
    typed
        .trim()
        .to_uppercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// Whether an event is over and takes no more registrations: its end has passed or, when it
/// gives none, the day it starts has. Times are local wall-clock text (`YYYY-MM-DDTHH:MM`), as
/// stored, so they compare as text.
pub fn has_concluded(starts_at: &str, ends_at: &str, now: &str) -> bool {
    let end = if ends_at.is_empty() {
        format!("{}T23:59", starts_at.get(..10).unwrap_or(starts_at))
    } else {
        ends_at.to_owned()
    };
    end.as_str() < now
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_waiting_list_starts_when_places_run_out() {
        assert_eq!(new_registration(2, 1), RegistrationStatus::Registered);
        assert_eq!(new_registration(2, 2), RegistrationStatus::Waitlisted);
    }

    #[test]
    fn codes_are_readable() {
        let code = certificate_code(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]);
        assert_eq!(code.len(), 14);
        assert_eq!(code.matches('-').count(), 2);
        assert!(!code.contains('O') && !code.contains('0'));
        assert_eq!(normalise_code(&format!(" {} ", code.to_lowercase())), code);
    }

    #[test]
    fn an_event_concludes_at_its_end_or_with_its_day() {
        assert!(!has_concluded(
            "2026-03-10T10:00",
            "2026-03-10T12:00",
            "2026-03-10T11:59"
        ));
        assert!(has_concluded(
            "2026-03-10T10:00",
            "2026-03-10T12:00",
            "2026-03-10T12:01"
        ));
        assert!(!has_concluded("2026-03-10T10:00", "", "2026-03-10T23:00"));
        assert!(has_concluded("2026-03-10T10:00", "", "2026-03-11T00:00"));
    }
}
