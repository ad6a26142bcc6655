//! Open calls (convocatorias): who may apply and until when, the evaluation criteria and their
//! weights, and how reviewers' scores become a ranking.

use crate::accounts::Sector;
use crate::bodies::{parse_local, string_enum};
use crate::catalog::FieldError;
use serde::{Deserialize, Serialize};
use time::PrimitiveDateTime;

/// The highest score a reviewer gives on one criterion (scores run from 0 to this).
pub const MAX_SCORE: i64 = 10;

string_enum! {
    /// Where a call stands. Whether it takes applications also depends on its dates
    /// (see [`CallWindow`]).
    CallStatus {
        /// Published; takes applications between its opening and closing times.
        Published = "published",
        /// Results published with scores and reasons.
        Results = "results",
        /// The accepted applicants took their seats.
        Constituted = "constituted",
    }
}

string_enum! {
    /// The decision on an application.
    Decision {
        Pending = "pending",
        Accepted = "accepted",
        Rejected = "rejected",
    }
}

/// A call's opening and closing times (local wall-clock).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallWindow {
    pub opens_at: PrimitiveDateTime,
    pub closes_at: PrimitiveDateTime,
}

/// Where `now` falls in a call's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    NotYetOpen,
    Open,
    Closed,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::NotYetOpen => "not_yet_open",
            Phase::Open => "open",
            Phase::Closed => "closed",
        }
    }
}

impl CallWindow {
    pub fn phase(&self, now: PrimitiveDateTime) -> Phase {
        if now < self.opens_at {
            Phase::NotYetOpen
        } else if now < self.closes_at {
            Phase::Open
        } else {
            Phase::Closed
        }
    }
}

/// Who may apply to a call.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Eligibility {
    /// Organisations of these sectors may apply.
    pub sectors: Vec<Sector>,
    /// Citizens may apply on their own behalf.
    pub citizens: bool,
}

impl Eligibility {
    /// Whether an applicant may apply: an organisation of `sector`, or a citizen (`None`).
    pub fn admits(&self, sector: Option<Sector>) -> bool {
        match sector {
            Some(s) => self.sectors.contains(&s),
            None => self.citizens,
        }
    }

    /// Stored as a comma-separated list, `citizens` for citizens.
    pub fn to_stored(&self) -> String {
        let mut parts: Vec<&str> = self.sectors.iter().map(|s| s.as_str()).collect();
        if self.citizens {
            parts.push("citizens");
        }
        parts.join(",")
    }

    pub fn from_stored(s: &str) -> Eligibility {
        let mut e = Eligibility::default();
        for part in s.split(',').map(str::trim) {
            if part == "citizens" {
                e.citizens = true;
            } else if let Some(sector) = Sector::parse(part) {
                e.sectors.push(sector);
            }
        }
        e
    }
}

/// One evaluation criterion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    pub name: String,
    /// Relative weight, 1 to 100.
    pub weight: i64,
}

/// Reads criteria written one per line as `name | weight` (the weight defaults to 1).
pub fn parse_criteria(text: &str) -> Result<Vec<Criterion>, Vec<FieldError>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (name, weight) = match line.rsplit_once('|') {
            Some((n, w)) => (n.trim(), w.trim()),
            None => (line, "1"),
        };
        match weight.parse::<i64>() {
            Ok(w) if (1..=100).contains(&w) && !name.is_empty() => out.push(Criterion {
                name: name.to_owned(),
                weight: w,
            }),
            _ => errors.push(FieldError::new(
                "criteria",
                format!(
                    "línea {}: «{line}» debe ser «criterio | peso», con un peso de 1 a 100",
                    i + 1
                ),
                format!(
                    "line {}: “{line}” must be “criterion | weight”, with a weight from 1 to 100",
                    i + 1
                ),
            )),
        }
    }
    if out.is_empty() && errors.is_empty() {
        errors.push(FieldError::new(
            "criteria",
            "escribe al menos un criterio de evaluación",
            "write at least one evaluation criterion",
        ));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The weighted score of an application, 0 to 100: each criterion's mean score over the
/// reviewers who scored it, weighted. `scores` holds (criterion index, score) pairs; `None`
/// when no reviewer has scored it yet.
pub fn weighted_score(criteria: &[Criterion], scores: &[(usize, i64)]) -> Option<f64> {
    if scores.is_empty() {
        return None;
    }
    let total_weight: i64 = criteria.iter().map(|c| c.weight).sum();
    if total_weight == 0 {
        return None;
    }
    let mut sum = 0.0;
    for (i, c) in criteria.iter().enumerate() {
        let mine: Vec<i64> = scores
            .iter()
            .filter(|(k, _)| *k == i)
            .map(|(_, s)| *s)
            .collect();
        if !mine.is_empty() {
            #[allow(clippy::cast_precision_loss)]
            let mean = mine.iter().sum::<i64>() as f64 / mine.len() as f64;
            #[allow(clippy::cast_precision_loss)]
            let part = mean / MAX_SCORE as f64 * c.weight as f64;
            sum += part;
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let score = sum / total_weight as f64 * 100.0;
    Some((score * 10.0).round() / 10.0)
}

/// What the convener writes for a call.
#[derive(Debug, Clone, Default)]
pub struct CallInput {
    pub title: String,
    pub objective: String,
    pub eligibility: Eligibility,
    pub requirements: String,
    /// One document per line.
    pub required_documents: String,
    pub opens_at: String,
    pub closes_at: String,
    pub criteria: String,
    pub places: String,
}

/// A call's fields once checked.
#[derive(Debug, Clone, PartialEq)]
pub struct CallPlan {
    pub title: String,
    pub objective: String,
    pub eligibility: Eligibility,
    pub requirements: String,
    pub required_documents: Vec<String>,
    pub window: CallWindow,
    pub criteria: Vec<Criterion>,
    pub places: i64,
}

impl CallInput {
    pub fn check(&self) -> Result<CallPlan, Vec<FieldError>> {
        let mut errors = Vec::new();
        let title = self.title.trim().to_owned();
        if title.is_empty() {
            errors.push(FieldError::new(
                "title",
                "escribe un título",
                "a title is required",
            ));
        }
        let objective = self.objective.trim().to_owned();
        if objective.is_empty() {
            errors.push(FieldError::new(
                "objective",
                "escribe el objetivo de la convocatoria",
                "write the call's objective",
            ));
        }
        if self.eligibility.sectors.is_empty() && !self.eligibility.citizens {
            errors.push(FieldError::new(
                "eligibility",
                "elige quién puede participar: algún sector o la ciudadanía",
                "choose who may apply: some sector or citizens",
            ));
        }
        let time_field = |field: &'static str, s: &str, errors: &mut Vec<FieldError>| {
            let t = parse_local(s);
            if t.is_none() {
                errors.push(FieldError::new(
                    field,
                    format!("«{}» no es una fecha y hora (AAAA-MM-DDTHH:MM)", s.trim()),
                    format!("“{}” is not a date and time (YYYY-MM-DDTHH:MM)", s.trim()),
                ));
            }
            t
        };
        let opens_at = time_field("opens_at", &self.opens_at, &mut errors);
        let closes_at = time_field("closes_at", &self.closes_at, &mut errors);
        if let (Some(o), Some(c)) = (opens_at, closes_at)
            && c <= o
        {
            errors.push(FieldError::new(
                "closes_at",
                "el cierre debe ser después de la apertura",
                "the close must come after the opening",
            ));
        }
        let criteria = match parse_criteria(&self.criteria) {
            Ok(c) => c,
            Err(mut e) => {
                errors.append(&mut e);
                Vec::new()
            }
        };
        let places = match self.places.trim().parse::<i64>() {
            Ok(n) if (1..=500).contains(&n) => n,
            _ => {
                errors.push(FieldError::new(
                    "places",
                    format!(
                        "«{}» no es un número de lugares de 1 a 500",
                        self.places.trim()
                    ),
                    format!(
                        "“{}” is not a number of places from 1 to 500",
                        self.places.trim()
                    ),
                ));
                0
            }
        };
        let required_documents = self
            .required_documents
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        match (opens_at, closes_at) {
            (Some(opens_at), Some(closes_at)) if errors.is_empty() => Ok(CallPlan {
                title,
                objective,
                eligibility: self.eligibility.clone(),
                requirements: self.requirements.trim().to_owned(),
                required_documents,
                window: CallWindow {
                    opens_at,
                    closes_at,
                },
                criteria,
                places,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn criteria_are_read_one_per_line() {
        let c = parse_criteria("Experiencia | 40\nPropuesta|60\n\nTrayectoria").unwrap();
        assert_eq!(c.len(), 3);
        assert_eq!(c[1].weight, 60);
        assert_eq!(c[2].weight, 1);
        let e = parse_criteria("Experiencia | mucho").unwrap_err();
        assert!(e[0].es.contains("línea 1"), "{e:?}");
        assert!(parse_criteria("  \n").is_err());
    }

    #[test]
    fn weighted_score_averages_reviewers() {
        let c = parse_criteria("A | 1\nB | 3").unwrap();
        // A: mean 10 → 1×1; B: mean 5 → 0.5×3; (1 + 1.5) / 4 = 62.5 %.
        assert_eq!(
            weighted_score(&c, &[(0, 10), (1, 4), (1, 6), (0, 10)]),
            Some(62.5)
        );
        assert_eq!(weighted_score(&c, &[]), None);
    }

    #[test]
    fn eligibility_round_trips() {
        let e = Eligibility {
            sectors: vec![Sector::CivilSociety, Sector::Academia],
            citizens: true,
        };
        assert_eq!(Eligibility::from_stored(&e.to_stored()), e);
        assert!(e.admits(None));
        assert!(!e.admits(Some(Sector::PrivateSector)));
    }

    #[test]
    fn window_phases() {
        let w = CallWindow {
            opens_at: parse_local("2026-01-01T00:00").unwrap(),
            closes_at: parse_local("2026-02-01T18:00").unwrap(),
        };
        assert_eq!(
            w.phase(parse_local("2025-12-31T23:59").unwrap()),
            Phase::NotYetOpen
        );
        assert_eq!(
            w.phase(parse_local("2026-02-01T17:59").unwrap()),
            Phase::Open
        );
        assert_eq!(
            w.phase(parse_local("2026-02-01T18:00").unwrap()),
            Phase::Closed
        );
    }
}
