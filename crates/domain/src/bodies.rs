//! Collegiate bodies (órganos colegiados): the Technical Secretariat of Open Government, working
//! groups and councils; their seats, sessions, attendance and quorum, and the agreements
//! (acuerdos) they adopt and follow to completion.
//!
//! Times of sessions and deadlines are kept as local wall-clock times in Mexico's central time
//! (`YYYY-MM-DDTHH:MM`), the way a secretary writes them; feeds convert them to UTC with
//! [`local_to_utc`].

use crate::catalog::FieldError;
use serde::{Deserialize, Serialize};
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// Declares a string-backed enumeration with `ALL`, `as_str` and `parse`.
macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }
    };
}
pub(crate) use string_enum;

string_enum! {
    /// What kind of collegiate body.
    BodyKind {
        /// Secretariado Técnico de Gobierno Abierto.
        TechnicalSecretariat = "technical_secretariat",
        /// Mesa de trabajo.
        WorkingGroup = "working_group",
        /// Comité ciudadano.
        CitizenCommittee = "citizen_committee",
        /// Consejo consultivo.
        AdvisoryCouncil = "advisory_council",
        Other = "other",
    }
}

string_enum! {
    /// Whether a body still meets.
    BodyStatus {
        Active = "active",
        /// Disuelto: kept for the record, no new sessions.
        Dissolved = "dissolved",
    }
}

string_enum! {
    /// How many voting seats must be present for a session to hold.
    QuorumRule {
        /// Half plus one (mitad más uno).
        Majority = "majority",
        /// Two thirds.
        TwoThirds = "two_thirds",
        /// Every voting seat.
        All = "all",
    }
}

impl QuorumRule {
    /// The fewest voting seats present for quorum, out of `voting_seats`.
    pub fn needed(self, voting_seats: i64) -> i64 {
        let n = voting_seats.max(0);
        match self {
            QuorumRule::Majority => n / 2 + 1,
            QuorumRule::TwoThirds => (2 * n + 2) / 3,
            QuorumRule::All => n,
        }
        .max(1)
    }
}

string_enum! {
    /// The place of a seat in the body.
    SeatPosition {
        /// Presidencia.
        President = "president",
        /// Secretaría técnica.
        TechnicalSecretary = "technical_secretary",
        /// Integrante con voz y voto.
        Member = "member",
        /// Invitado permanente: voice, no vote; not counted for quorum.
        Observer = "observer",
    }
}

impl SeatPosition {
    /// Whether the seat votes and counts for quorum.
    pub fn votes(self) -> bool {
        self != SeatPosition::Observer
    }
}

string_enum! {
    /// Ordinary sessions follow the calendar; extraordinary ones are called when needed and
    /// may be convened with shorter notice.
    SessionKind {
        Ordinary = "ordinary",
        Extraordinary = "extraordinary",
    }
}

string_enum! {
    /// Where a session stands.
    SessionStatus {
        /// Convocada: date and agenda published.
        Convened = "convened",
        /// Celebrada: attendance recorded.
        Held = "held",
        Cancelled = "cancelled",
    }
}

string_enum! {
    /// How a seat attended a session.
    Attendance {
        /// The titular person attended.
        Present = "present",
        /// The alternate (suplente) attended in the titular's place.
        Alternate = "alternate",
        Absent = "absent",
    }
}

impl Attendance {
    /// Whether the seat counts as present for quorum.
    pub fn counts(self) -> bool {
        self != Attendance::Absent
    }
}

string_enum! {
    /// The minutes (acta) of a session, from draft to published.
    MinutesStatus {
        None = "none",
        Draft = "draft",
        /// Sent to the members for comments before approval.
        Circulated = "circulated",
        /// Approved by vote in a later session; public as a page and a file.
        Approved = "approved",
    }
}

string_enum! {
    /// A member's vote on the minutes.
    Vote {
        For = "for",
        Against = "against",
        Abstain = "abstain",
    }
}

string_enum! {
    /// Where an agreement stands.
    AgreementStatus {
        Pending = "pending",
        InProgress = "in_progress",
        Done = "done",
        Cancelled = "cancelled",
    }
}

impl AgreementStatus {
    /// Whether the agreement still has to be carried out.
    pub fn is_open(self) -> bool {
        matches!(self, AgreementStatus::Pending | AgreementStatus::InProgress)
    }
}

/// Whether an agreement is late on `today` (`YYYY-MM-DD`): still open and past its due date.
pub fn is_overdue(status: AgreementStatus, due_on: &str, today: &str) -> bool {
    status.is_open() && !due_on.is_empty() && due_on < today
}

/// The stable number of an agreement: body / year / session / n, e.g. `STGA-OAX/2026/2/3`.
pub fn agreement_code(body_code: &str, year: i32, session_number: i64, n: i64) -> String {
    format!("{body_code}/{year}/{session_number}/{n}")
}

/// Quorum of a session, from the body's rule and the attendance of voting seats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Quorum {
    pub voting_seats: i64,
    pub present: i64,
    pub needed: i64,
}

impl Quorum {
    pub fn new(rule: QuorumRule, voting_seats: i64, present: i64) -> Quorum {
        Quorum {
            voting_seats,
            present,
            needed: rule.needed(voting_seats),
        }
    }

    pub fn met(&self) -> bool {
        self.present >= self.needed
    }
}

/// Mexico's central time (Oaxaca, Mexico City): UTC−6 all year since daylight saving ended
/// in 2022.
pub const LOCAL_OFFSET_HOURS: i8 = -6;
/// The time zone said in feeds.
pub const TIME_ZONE: &str = "America/Mexico_City";

fn local_offset() -> UtcOffset {
    UtcOffset::from_hms(LOCAL_OFFSET_HOURS, 0, 0).unwrap_or(UtcOffset::UTC)
}

/// Parses a local wall-clock time `YYYY-MM-DDTHH:MM` (what `<input type="datetime-local">`
/// sends; seconds are accepted and dropped).
pub fn parse_local(s: &str) -> Option<PrimitiveDateTime> {
    let s = s.trim();
    let s = s.get(..16).unwrap_or(s);
    PrimitiveDateTime::parse(
        s,
        format_description!("[year]-[month]-[day]T[hour]:[minute]"),
    )
    .ok()
}

/// A local time as stored: `YYYY-MM-DDTHH:MM`.
pub fn format_local(t: PrimitiveDateTime) -> String {
    t.format(format_description!("[year]-[month]-[day]T[hour]:[minute]"))
        .unwrap_or_default()
}

/// The local wall-clock time of an instant.
pub fn local_now(now: OffsetDateTime) -> PrimitiveDateTime {
    let local = now.to_offset(local_offset());
    PrimitiveDateTime::new(local.date(), local.time())
}

/// The instant of a local wall-clock time.
pub fn local_to_utc(t: PrimitiveDateTime) -> OffsetDateTime {
    t.assume_offset(local_offset()).to_offset(UtcOffset::UTC)
}

/// Parses a date `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s.trim(), format_description!("[year]-[month]-[day]")).ok()
}

/// What a secretary fills in to convene a session.
#[derive(Debug, Clone, Default)]
pub struct SessionInput {
    pub kind: String,
    pub starts_at: String,
    pub ends_at: String,
    pub place: String,
    pub online_url: String,
    /// Markdown, one item per line is fine.
    pub agenda: String,
}

/// A session's fields once checked.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionPlan {
    pub kind: SessionKind,
    pub starts_at: PrimitiveDateTime,
    pub ends_at: Option<PrimitiveDateTime>,
    pub place: String,
    pub online_url: String,
    pub agenda: String,
}

impl SessionInput {
    /// Checks the fields. An ordinary session must be convened at least `notice_days` before
    /// it starts, so the agenda is public that long; an extraordinary one needs one day.
    pub fn check(
        &self,
        now_local: PrimitiveDateTime,
        notice_days: i64,
    ) -> Result<SessionPlan, Vec<FieldError>> {
        let mut errors = Vec::new();
        let kind = SessionKind::parse(self.kind.trim());
        if kind.is_none() {
            errors.push(FieldError::new(
                "kind",
                "elige si es ordinaria o extraordinaria",
                "choose ordinary or extraordinary",
            ));
        }
        let starts_at = parse_local(&self.starts_at);
        match (starts_at, kind) {
            (None, _) => errors.push(FieldError::new(
                "starts_at",
                format!(
                    "«{}» no es una fecha y hora (AAAA-MM-DDTHH:MM)",
                    self.starts_at
                ),
                format!(
                    "“{}” is not a date and time (YYYY-MM-DDTHH:MM)",
                    self.starts_at
                ),
            )),
            (Some(start), Some(kind)) => {
                let days = if kind == SessionKind::Ordinary {
                    notice_days.max(0)
                } else {
                    1
                };
                if start < now_local + time::Duration::days(days) {
                    errors.push(FieldError::new(
                        "starts_at",
                        format!(
                            "una sesión {} se convoca con al menos {days} día(s) de anticipación, para que el orden del día sea público",
                            if kind == SessionKind::Ordinary { "ordinaria" } else { "extraordinaria" }
                        ),
                        format!(
                            "an {} session must be convened at least {days} day(s) ahead, so the agenda is public",
                            kind.as_str()
                        ),
                    ));
                }
            }
            _ => {}
        }
        let ends_at = match self.ends_at.trim() {
            "" => None,
            s => match parse_local(s) {
                Some(end) if starts_at.is_none_or(|st| end > st) => Some(end),
                Some(_) => {
                    errors.push(FieldError::new(
                        "ends_at",
                        "termina antes de empezar",
                        "ends before it starts",
                    ));
                    None
                }
                None => {
                    errors.push(FieldError::new(
                        "ends_at",
                        format!("«{s}» no es una fecha y hora"),
                        format!("“{s}” is not a date and time"),
                    ));
                    None
                }
            },
        };
        let place = self.place.trim().to_owned();
        let online_url = self.online_url.trim().to_owned();
        if !online_url.is_empty()
            && let Err(e) = crate::catalog::check_web_url(&online_url, "online_url")
        {
            errors.push(e);
        }
        if place.is_empty() && online_url.is_empty() {
            errors.push(FieldError::new(
                "place",
                "escribe el lugar o el enlace de la reunión en línea",
                "give a place or an online meeting link",
            ));
        }
        let agenda = self.agenda.trim().to_owned();
        if agenda.is_empty() {
            errors.push(FieldError::new(
                "agenda",
                "escribe el orden del día",
                "write the agenda",
            ));
        }
        match (kind, starts_at) {
            (Some(kind), Some(starts_at)) if errors.is_empty() => Ok(SessionPlan {
                kind,
                starts_at,
                ends_at,
                place,
                online_url,
                agenda,
            }),
            _ => Err(errors),
        }
    }
}

/// What a secretary writes for one agreement.
#[derive(Debug, Clone, Default)]
pub struct AgreementInput {
    pub text: String,
    /// Seat ids of the members responsible.
    pub responsible_seats: Vec<i64>,
    /// Other institutions or people responsible, by name.
    pub responsible_others: Vec<String>,
    pub due_on: String,
}

impl AgreementInput {
    /// Checks the fields: a text, at least one responsible, a real due date.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.text.trim().is_empty() {
            errors.push(FieldError::new(
                "text",
                "escribe el texto del acuerdo",
                "write the agreement's text",
            ));
        }
        if self.responsible_seats.is_empty()
            && self.responsible_others.iter().all(|s| s.trim().is_empty())
        {
            errors.push(FieldError::new(
                "responsible",
                "un acuerdo necesita al menos una persona o institución responsable",
                "an agreement needs at least one responsible member or institution",
            ));
        }
        if !self.due_on.trim().is_empty() && parse_date(&self.due_on).is_none() {
            errors.push(FieldError::new(
                "due_on",
                format!("«{}» no es una fecha (AAAA-MM-DD)", self.due_on.trim()),
                format!("“{}” is not a date (YYYY-MM-DD)", self.due_on.trim()),
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quorum_rules() {
        assert_eq!(QuorumRule::Majority.needed(10), 6);
        assert_eq!(QuorumRule::Majority.needed(11), 6);
        assert_eq!(QuorumRule::TwoThirds.needed(9), 6);
        assert_eq!(QuorumRule::TwoThirds.needed(10), 7);
        assert_eq!(QuorumRule::All.needed(4), 4);
        assert_eq!(QuorumRule::Majority.needed(0), 1);
        assert!(Quorum::new(QuorumRule::Majority, 11, 6).met());
        assert!(!Quorum::new(QuorumRule::Majority, 11, 5).met());
    }

    #[test]
    fn overdue_only_when_open_and_past() {
        assert!(is_overdue(
            AgreementStatus::Pending,
            "2026-01-01",
            "2026-02-01"
        ));
        assert!(!is_overdue(
            AgreementStatus::Done,
            "2026-01-01",
            "2026-02-01"
        ));
        assert!(!is_overdue(
            AgreementStatus::InProgress,
            "2026-03-01",
            "2026-02-01"
        ));
        assert!(!is_overdue(AgreementStatus::Pending, "", "2026-02-01"));
    }

    #[test]
    fn local_times_round_trip_to_utc() {
        let t = parse_local("2026-12-01T10:30").unwrap();
        assert_eq!(format_local(t), "2026-12-01T10:30");
        let utc = local_to_utc(t);
        assert_eq!((utc.hour(), utc.minute()), (16, 30));
        assert!(parse_local("2026-13-01T10:30").is_none());
    }

    #[test]
    fn sessions_need_notice_a_place_and_an_agenda() {
        let now = parse_local("2026-11-01T09:00").unwrap();
        let mut input = SessionInput {
            kind: "ordinary".into(),
            starts_at: "2026-11-03T10:00".into(),
            place: "Sala de juntas".into(),
            agenda: "1. Lista de asistencia".into(),
            ..SessionInput::default()
        };
        let errors = input.check(now, 5).unwrap_err();
        assert_eq!(errors[0].field, "starts_at");
        input.kind = "extraordinary".into();
        assert!(input.check(now, 5).is_ok());
        input.place.clear();
        input.agenda.clear();
        let fields: Vec<_> = input
            .check(now, 5)
            .unwrap_err()
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["place", "agenda"]);
    }

    #[test]
    fn an_agreement_needs_a_responsible() {
        let input = AgreementInput {
            text: "Publicar el informe".into(),
            due_on: "2026-12-31".into(),
            ..AgreementInput::default()
        };
        assert_eq!(input.check().unwrap_err()[0].field, "responsible");
        let ok = AgreementInput {
            responsible_others: vec!["Contraloría".into()],
            ..input
        };
        assert!(ok.check().is_ok());
    }
}
