//! Calendar dates and reporting periods (quarters, halves, years).

use serde::{Deserialize, Serialize};
use std::fmt;

/// A calendar date. Ordered, and shown as ISO 8601 (`2025-07-01`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

impl Date {
    /// A date that exists, or `None` (31/02/2025 does not).
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        ((1..=9999).contains(&year) && day >= 1 && day <= days_in_month(year, month))
            .then_some(Date { year, month, day })
    }

    /// `AAAA-MM-DD`, optionally followed by a time (`T…` or ` …`), which is ignored.
    pub fn parse_iso(s: &str) -> Option<Date> {
        let s = s.trim();
        let date = s.get(..10)?;
        let rest = &s[10..];
        if !(rest.is_empty() || rest.starts_with('T') || rest.starts_with(' ')) {
            return None;
        }
        let b = date.as_bytes();
        if b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        Date::new(num(&date[..4])?, num(&date[5..7])?, num(&date[8..10])?)
    }

    /// `dd/mm/aaaa` (also `d/m/aaaa`), the national platform's written form.
    pub fn parse_dmy(s: &str) -> Option<Date> {
        let mut parts = s.trim().split('/');
        let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some()
            || y.len() != 4
            || d.is_empty()
            || d.len() > 2
            || m.is_empty()
            || m.len() > 2
        {
            return None;
        }
        Date::new(num(y)?, num(m)?, num(d)?)
    }

    /// Days since 1970-01-01.
    pub fn to_days(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    pub fn from_days(days: i64) -> Option<Date> {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).ok()?;
        let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).ok()?;
        let year = i32::try_from(yoe + era * 400 + i64::from(month <= 2)).ok()?;
        Date::new(year, month, day)
    }

    /// The date of an Excel serial number (days since 1899-12-30; the fraction is the time).
    pub fn from_excel_serial(serial: f64) -> Option<Date> {
        if !(1.0..=2_958_465.0).contains(&serial) {
            return None;
        }
        #[allow(clippy::cast_possible_truncation)]
        let whole = serial.floor() as i64;
        // 1899-12-30 is day -25569 of the Unix epoch.
        Date::from_days(whole - 25_569)
    }

    /// The Excel serial number of this date (for writing workbooks).
    pub fn to_excel_serial(self) -> i64 {
        self.to_days() + 25_569
    }

    pub fn add_days(self, days: i64) -> Date {
        Date::from_days(self.to_days() + days).unwrap_or(self)
    }

    /// `dd/mm/aaaa`.
    pub fn dmy(self) -> String {
        format!("{:02}/{:02}/{:04}", self.day, self.month, self.year)
    }
}

fn num<T: std::str::FromStr>(s: &str) -> Option<T> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// How often an obligation is updated.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Periodicity {
    Quarterly,
    HalfYearly,
    Yearly,
}

impl Periodicity {
    pub fn as_str(self) -> &'static str {
        match self {
            Periodicity::Quarterly => "quarterly",
            Periodicity::HalfYearly => "half_yearly",
            Periodicity::Yearly => "yearly",
        }
    }

    fn parts(self) -> u32 {
        match self {
            Periodicity::Quarterly => 4,
            Periodicity::HalfYearly => 2,
            Periodicity::Yearly => 1,
        }
    }

    /// The period of this periodicity that contains `date`.
    pub fn period_of(self, date: Date) -> Period {
        let months = 12 / self.parts();
        Period {
            periodicity: self,
            year: date.year,
            part: (date.month - 1) / months + 1,
        }
    }
}

/// One reporting period: `2025-T3` (third quarter), `2025-S1` (first half), `2025` (year).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    pub year: i32,
    pub periodicity: Periodicity,
    /// 1-based quarter or half; 1 for a year.
    pub part: u32,
}

impl PartialOrd for Periodicity {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Periodicity {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.parts().cmp(&other.parts())
    }
}

impl Period {
    /// Reads a period code. `T`/`Q` mark quarters, `S`/`H` halves; case does not matter.
    pub fn parse(code: &str) -> Option<Period> {
        let code = code.trim().to_ascii_uppercase();
        let (year, rest) = match code.split_once('-') {
            Some((y, r)) => (y, Some(r)),
            None => (code.as_str(), None),
        };
        if year.len() != 4 {
            return None;
        }
        let year: i32 = num(year)?;
        let Some(rest) = rest else {
            return Some(Period {
                year,
                periodicity: Periodicity::Yearly,
                part: 1,
            });
        };
        let (kind, n) = rest.split_at(rest.char_indices().nth(1).map_or(rest.len(), |(i, _)| i));
        let periodicity = match kind {
            "T" | "Q" => Periodicity::Quarterly,
            "S" | "H" => Periodicity::HalfYearly,
            _ => return None,
        };
        let part: u32 = num(n)?;
        (1..=periodicity.parts()).contains(&part).then_some(Period {
            year,
            periodicity,
            part,
        })
    }

    pub fn code(self) -> String {
        match self.periodicity {
            Periodicity::Quarterly => format!("{}-T{}", self.year, self.part),
            Periodicity::HalfYearly => format!("{}-S{}", self.year, self.part),
            Periodicity::Yearly => format!("{}", self.year),
        }
    }

    pub fn start(self) -> Date {
        let months = 12 / self.periodicity.parts();
        Date {
            year: self.year,
            month: (self.part - 1) * months + 1,
            day: 1,
        }
    }

    pub fn end(self) -> Date {
        let months = 12 / self.periodicity.parts();
        let month = self.part * months;
        Date {
            year: self.year,
            month,
            day: days_in_month(self.year, month),
        }
    }

    /// The period whose first and last days are these, if any.
    pub fn from_dates(start: Date, end: Date) -> Option<Period> {
        [
            Periodicity::Quarterly,
            Periodicity::HalfYearly,
            Periodicity::Yearly,
        ]
        .into_iter()
        .map(|p| p.period_of(start))
        .find(|p| p.start() == start && p.end() == end)
    }

    /// A period can be published once it has closed.
    pub fn is_closed(self, today: Date) -> bool {
        today > self.end()
    }

    /// The last day to publish it, `deadline_days` after it closes.
    pub fn deadline(self, deadline_days: u32) -> Date {
        self.end().add_days(i64::from(deadline_days))
    }

    pub fn contains(self, date: Date) -> bool {
        self.start() <= date && date <= self.end()
    }

    /// The period before this one, of the same periodicity.
    pub fn previous(self) -> Period {
        if self.part > 1 {
            Period {
                part: self.part - 1,
                ..self
            }
        } else {
            Period {
                year: self.year - 1,
                part: self.periodicity.parts(),
                ..self
            }
        }
    }

    /// The latest period of `periodicity` that has closed by `today`.
    pub fn last_closed(periodicity: Periodicity, today: Date) -> Period {
        periodicity.period_of(today).previous()
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_exist_or_not() {
        assert!(Date::parse_dmy("31/02/2025").is_none());
        assert!(Date::parse_dmy("29/02/2024").is_some());
        assert!(Date::parse_dmy("29/02/2025").is_none());
        assert_eq!(
            Date::parse_dmy("1/7/2025").unwrap().to_string(),
            "2025-07-01"
        );
        assert_eq!(
            Date::parse_iso("2025-09-30T00:00:00").unwrap().dmy(),
            "30/09/2025"
        );
        assert!(Date::parse_iso("2025-13-01").is_none());
        assert!(Date::parse_iso("2025/01/01").is_none());
        assert!(Date::parse_dmy("1/1/25").is_none());
    }

    #[test]
    fn excel_serials_and_days_agree() {
        // 45839 is 2025-07-01 in Excel.
        let d = Date::from_excel_serial(45839.0).unwrap();
        assert_eq!(d.to_string(), "2025-07-01");
        assert_eq!(d.to_excel_serial(), 45839);
        for days in [-700_000, -1, 0, 1, 20_000, 2_000_000] {
            assert_eq!(Date::from_days(days).unwrap().to_days(), days);
        }
        assert!(Date::from_excel_serial(f64::NAN).is_none());
        assert!(Date::from_excel_serial(-3.0).is_none());
    }

    #[test]
    fn periods_have_codes_bounds_and_deadlines() {
        let p = Period::parse("2025-t3").unwrap();
        assert_eq!(p.code(), "2025-T3");
        assert_eq!(
            (p.start().to_string(), p.end().to_string()),
            ("2025-07-01".into(), "2025-09-30".into())
        );
        assert_eq!(p.deadline(30).to_string(), "2025-10-30");
        assert_eq!(
            Period::parse("2024-S2").unwrap().end().to_string(),
            "2024-12-31"
        );
        assert_eq!(
            Period::parse("2024").unwrap().start().to_string(),
            "2024-01-01"
        );
        for bad in ["2025-T5", "2025-X1", "25-T1", "2025-T", "", "2025-T1x"] {
            assert!(Period::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(Period::from_dates(p.start(), p.end()), Some(p));
        assert!(!p.is_closed(Date::new(2025, 9, 30).unwrap()));
        assert!(p.is_closed(Date::new(2025, 10, 1).unwrap()));
        assert_eq!(
            Period::last_closed(Periodicity::Quarterly, Date::new(2025, 1, 5).unwrap()).code(),
            "2024-T4"
        );
    }
}

/// Where a subject stands on one obligation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compliance {
    /// The last closed period is published.
    UpToDate,
    /// The last closed period is not published yet, and its deadline has not passed.
    Due { period: Period, deadline: Date },
    /// A closed period whose deadline passed is not published.
    Overdue { period: Period, deadline: Date },
}

impl Compliance {
    pub fn as_str(self) -> &'static str {
        match self {
            Compliance::UpToDate => "up_to_date",
            Compliance::Due { .. } => "due",
            Compliance::Overdue { .. } => "overdue",
        }
    }

    /// From the newest period published, if any.
    pub fn of(
        periodicity: Periodicity,
        deadline_days: u32,
        latest: Option<Period>,
        today: Date,
    ) -> Compliance {
        let expected = Period::last_closed(periodicity, today);
        let has = |p: Period| latest.is_some_and(|l| l.start() >= p.start());
        if has(expected) {
            return Compliance::UpToDate;
        }
        let deadline = expected.deadline(deadline_days);
        if today > deadline {
            return Compliance::Overdue {
                period: expected,
                deadline,
            };
        }
        // The newest period still has time; is the one before it there?
        let previous = expected.previous();
        if has(previous) {
            Compliance::Due {
                period: expected,
                deadline,
            }
        } else {
            Compliance::Overdue {
                period: previous,
                deadline: previous.deadline(deadline_days),
            }
        }
    }
}

#[cfg(test)]
mod compliance_tests {
    use super::*;

    #[test]
    fn compliance_follows_periods_and_deadlines() {
        let q = Periodicity::Quarterly;
        let p = |s: &str| Period::parse(s).unwrap();
        let day = |y, m, d| Date::new(y, m, d).unwrap();
        // On 15 Oct 2025 the last closed quarter is 2025-T3, due by 30 Oct.
        assert_eq!(
            Compliance::of(q, 30, Some(p("2025-T3")), day(2025, 10, 15)),
            Compliance::UpToDate
        );
        assert_eq!(
            Compliance::of(q, 30, Some(p("2025-T2")), day(2025, 10, 15)),
            Compliance::Due {
                period: p("2025-T3"),
                deadline: day(2025, 10, 30)
            }
        );
        assert_eq!(
            Compliance::of(q, 30, Some(p("2025-T2")), day(2025, 11, 1)),
            Compliance::Overdue {
                period: p("2025-T3"),
                deadline: day(2025, 10, 30)
            }
        );
        assert_eq!(
            Compliance::of(q, 30, Some(p("2025-T1")), day(2025, 10, 15)),
            Compliance::Overdue {
                period: p("2025-T2"),
                deadline: day(2025, 7, 30)
            }
        );
        assert!(matches!(
            Compliance::of(q, 30, None, day(2025, 10, 15)),
            Compliance::Overdue { .. }
        ));
    }
}
