//! Whether a publication is accepted: every rule in one place, pure (no database, no clock).
//! The file's own checks (formats, cells, the dates inside the period) are in [`super::import`];
//! these are the rules about where it goes and when: the subject still exists, the format is
//! the obligation's, the obligation applies to the subject, the period has closed, the period
//! is one of the obligation's periodicity, and there is something to publish. The store calls
//! [`check`] inside the publishing transaction with the facts it read there; the file checker
//! calls [`check_periodicity`] before reading a whole file for the wrong period.

use super::period::{Date, Period, Periodicity};

/// The facts a publication is judged by.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub subject_active: bool,
    /// Whether the chosen format belongs to the obligation.
    pub format_is_obligations: bool,
    /// The obligation as the subject's law lists it: `None` when it is not in that law;
    /// otherwise whether it applies, and why not.
    pub applicability: Option<(bool, &'a str)>,
    pub obligation_code: &'a str,
    pub periodicity: Periodicity,
    pub period: Period,
    pub today: Date,
    pub record_count: usize,
}

/// Why a publication is refused: the field at fault and a message in plain Spanish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub field: &'static str,
    pub message: String,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

fn refused(field: &'static str, message: impl Into<String>) -> Result<(), Refused> {
    Err(Refused {
        field,
        message: message.into(),
    })
}

/// Every rule about where and when, in the order a person would fix them.
pub fn check(f: &Facts<'_>) -> Result<(), Refused> {
    if !f.subject_active {
        return refused("subject", "el sujeto obligado ya no está activo");
    }
    if !f.format_is_obligations {
        return refused("format", "el formato no es de esta obligación");
    }
    match f.applicability {
        None => {
            return refused(
                "obligation",
                format!(
                    "la obligación {} no es de la ley del garante de este sujeto obligado",
                    f.obligation_code
                ),
            );
        }
        Some((false, reason)) => {
            return refused(
                "obligation",
                format!(
                    "la obligación {} no aplica a este sujeto obligado: {reason}",
                    f.obligation_code
                ),
            );
        }
        Some((true, _)) => {}
    }
    if !f.period.is_closed(f.today) {
        return refused(
            "period",
            format!(
                "el periodo {} todavía no termina (termina el {}); se publica cuando haya cerrado",
                f.period,
                f.period.end().dmy()
            ),
        );
    }
    check_periodicity(f.periodicity, f.period)?;
    if f.record_count == 0 {
        return refused("records", "no hay registros que publicar");
    }
    Ok(())
}

/// The period must be one of the obligation's: quarters for a quarterly obligation, and so on.
pub fn check_periodicity(periodicity: Periodicity, period: Period) -> Result<(), Refused> {
    if period.periodicity == periodicity {
        return Ok(());
    }
    let plural = match periodicity {
        Periodicity::Quarterly => "trimestrales",
        Periodicity::HalfYearly => "semestrales",
        Periodicity::Yearly => "anuales",
    };
    refused(
        "period",
        format!("la obligación se actualiza por periodos {plural}, y {period} no lo es"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts<'static> {
        Facts {
            subject_active: true,
            format_is_obligations: true,
            applicability: Some((true, "")),
            obligation_code: "70-VIII",
            periodicity: Periodicity::Quarterly,
            period: Period::parse("2025-T3").unwrap_or_else(|| unreachable!()),
            today: Date::new(2026, 1, 15).unwrap_or_else(|| unreachable!()),
            record_count: 3,
        }
    }

    #[test]
    fn a_closed_period_of_an_applicable_obligation_is_accepted() {
        assert_eq!(check(&facts()), Ok(()));
    }

    #[test]
    fn each_rule_refuses_with_its_field() {
        let field = |f: Facts<'_>| check(&f).map_err(|r| r.field);
        assert_eq!(
            field(Facts {
                subject_active: false,
                ..facts()
            }),
            Err("subject")
        );
        assert_eq!(
            field(Facts {
                format_is_obligations: false,
                ..facts()
            }),
            Err("format")
        );
        assert_eq!(
            field(Facts {
                applicability: None,
                ..facts()
            }),
            Err("obligation")
        );
        let not_applicable = check(&Facts {
            applicability: Some((false, "no tiene personal")),
            ..facts()
        });
        assert!(not_applicable.is_err_and(|r| {
            r.message
                .ends_with("no aplica a este sujeto obligado: no tiene personal")
        }));
        let open = Facts {
            today: Date::new(2025, 9, 29).unwrap_or_else(|| unreachable!()),
            ..facts()
        };
        assert!(check(&open).is_err_and(|r| r.message.contains("todavía no termina")));
        let yearly = Facts {
            period: Period::parse("2025").unwrap_or_else(|| unreachable!()),
            ..facts()
        };
        assert!(check(&yearly).is_err_and(|r| r.message.contains("trimestrales")));
        assert_eq!(
            field(Facts {
                record_count: 0,
                ..facts()
            }),
            Err("records")
        );
    }
}
