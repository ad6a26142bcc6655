//! How numbers, money, dates, times and file sizes read on pages, as Mexican readers expect:
//! `1,234,567`, `$1,234.50`, `12 mar 2026` (`12 Mar 2026` in English), times in central
//! Mexico's time with the zone named, `1.2 MB`. Pages only: downloads and the API keep the raw
//! values. Shared: no domain is imported here.

use crate::i18n::Lang;
use time::format_description::well_known::Rfc3339;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// Central Mexico's offset from UTC, the one the whole site keeps its times in
/// (`domain::bodies::LOCAL_OFFSET_HOURS`: fixed all year since daylight saving ended in 2022).
fn zone_offset() -> UtcOffset {
    UtcOffset::from_hms(tequio_domain::bodies::LOCAL_OFFSET_HOURS, 0, 0).unwrap_or(UtcOffset::UTC)
}

/// The zone's name, shown once beside every time: «hora del centro de México (UTC−6)».
pub fn zone(lang: Lang) -> String {
    lang.t("time-zone-name")
}

/// Digits grouped by thousands with commas (the Mexican convention, the same in English).
fn grouped(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Digits of a count or a figure: grouped from five digits on, as the RAE recommends, so
/// years and codes (`2026`, chapter `1000`) read as written.
fn grouped_figure(digits: &str) -> String {
    if digits.len() <= 4 {
        digits.to_owned()
    } else {
        grouped(digits)
    }
}

/// A whole number with thousands separators: `317372968` → `317,372,968` (`2026` stays).
pub fn integer(n: i64) -> String {
    let digits = grouped_figure(&n.unsigned_abs().to_string());
    if n < 0 { format!("-{digits}") } else { digits }
}

/// Splits a decimal number as typed into sign, whole part and decimals; `None` when it is not
/// a plain number (then pages show it as it was written).
fn parts(raw: &str) -> Option<(bool, &str, Option<&str>)> {
    let raw = raw.trim();
    let (negative, unsigned) = match raw.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, raw.strip_prefix('+').unwrap_or(raw)),
    };
    let (whole, decimals) = match unsigned.split_once('.') {
        Some((w, d)) => (w, Some(d)),
        None => (unsigned, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || decimals.is_some_and(|d| !digits(d)) {
        return None;
    }
    Some((negative, whole, decimals))
}

/// A number as typed, with thousands separators and its decimals kept: `1234567.5` →
/// `1,234,567.5`. Anything that is not a plain number comes back unchanged.
pub fn number(raw: &str) -> String {
    match parts(raw) {
        Some((negative, whole, decimals)) => {
            let sign = if negative { "-" } else { "" };
            let decimals = decimals.map(|d| format!(".{d}")).unwrap_or_default();
            // Leading zeros go; a number that was all zeros reads as 0.
            let whole = match whole.trim_start_matches('0') {
                "" => "0",
                w => w,
            };
            format!("{sign}{}{decimals}", grouped_figure(whole))
        }
        None => raw.to_owned(),
    }
}

/// An amount of money: `$` and two decimals, `317372968` → `$317,372,968.00`. Anything that is
/// not a plain number comes back unchanged.
pub fn money(raw: &str) -> String {
    match raw.trim().parse::<f64>() {
        Ok(v) if parts(raw).is_some() => {
            let cents = format!("{:.2}", v.abs());
            let (whole, decimals) = cents.split_once('.').unwrap_or((&cents, "00"));
            let sign = if v < 0.0 { "-" } else { "" };
            format!("{sign}${}.{decimals}", grouped(whole))
        }
        _ => raw.to_owned(),
    }
}

const MONTHS_ES: [&str; 12] = [
    "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic",
];
const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn month_name(month: Month, lang: Lang) -> &'static str {
    let i = usize::from(u8::from(month)) - 1;
    match lang {
        Lang::Es => MONTHS_ES[i],
        Lang::En => MONTHS_EN[i],
    }
}

fn day_text(d: Date, lang: Lang) -> String {
    format!("{} {} {}", d.day(), month_name(d.month(), lang), d.year())
}

/// A stored instant (RFC 3339, usually UTC) in central Mexico's time.
fn local_instant(ts: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(ts.trim(), &Rfc3339)
        .ok()
        .map(|t| t.to_offset(zone_offset()))
}

/// A date written `YYYY-MM-DD` (anything after the tenth character is ignored).
fn plain_date(s: &str) -> Option<Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.get(..10)?, &fmt).ok()
}

/// A wall-clock time as stored for sessions and events (`YYYY-MM-DDTHH:MM`, already local).
fn wall_clock(s: &str) -> Option<PrimitiveDateTime> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    PrimitiveDateTime::parse(s.get(..16)?, &fmt).ok()
}

/// The day of a date or of a stored instant: `12 mar 2026`. An instant is first moved to
/// Mexico's time, so a change made at 23:30 in Oaxaca shows that day, not the next one (UTC's).
pub fn date(s: &str, lang: Lang) -> String {
    if let Some(t) = local_instant(s) {
        return day_text(t.date(), lang);
    }
    plain_date(s).map_or_else(|| s.to_owned(), |d| day_text(d, lang))
}

/// A stored instant to the minute in Mexico's time: `12 mar 2026, 04:05`.
pub fn instant(s: &str, lang: Lang) -> String {
    match local_instant(s) {
        Some(t) => format!(
            "{}, {:02}:{:02}",
            day_text(t.date(), lang),
            t.hour(),
            t.minute()
        ),
        None => date(s, lang),
    }
}

/// A wall-clock time as entered for a session or an event (already Mexico's time):
/// `12 mar 2026, 10:00`; a bare date reads as a date.
pub fn wall_time(s: &str, lang: Lang) -> String {
    match wall_clock(s) {
        Some(t) => format!(
            "{}, {:02}:{:02}",
            day_text(t.date(), lang),
            t.hour(),
            t.minute()
        ),
        None => date(s, lang),
    }
}

/// A size in bytes the way people read it: `980 B`, `34 KB`, `1.2 MB`, `3.4 GB` (powers of
/// 1,000, as file managers show them).
pub fn file_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    while value >= 999.95 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if value < 10.0 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(integer(317_372_968), "317,372,968");
        assert_eq!(integer(-10_000), "-10,000");
        assert_eq!(
            integer(2026),
            "2026",
            "years and four-digit codes keep their form"
        );
        assert_eq!(integer(999), "999");
        assert_eq!(number("1234567.5"), "1,234,567.5");
        assert_eq!(number("0012"), "12");
        assert_eq!(number("0"), "0");
        assert_eq!(number("n/a"), "n/a");
        assert_eq!(number("1e5"), "1e5");
    }

    #[test]
    fn money_has_a_sign_and_two_decimals() {
        assert_eq!(money("317372968"), "$317,372,968.00");
        assert_eq!(money("1234.5"), "$1,234.50");
        assert_eq!(money("-15.005"), "-$15.01");
        assert_eq!(money("0.3"), "$0.30");
        assert_eq!(money("pendiente"), "pendiente");
    }

    #[test]
    fn dates_read_with_short_month_names_in_each_language() {
        assert_eq!(date("2026-03-12", Lang::Es), "12 mar 2026");
        assert_eq!(date("2026-03-12", Lang::En), "12 Mar 2026");
        assert_eq!(date("no es fecha", Lang::Es), "no es fecha");
    }

    #[test]
    fn instants_move_to_mexico_time_before_their_day_is_taken() {
        // 03:30 UTC on 13 March is 21:30 on 12 March in central Mexico.
        assert_eq!(date("2026-03-13T03:30:00Z", Lang::Es), "12 mar 2026");
        assert_eq!(
            instant("2026-03-13T03:30:00Z", Lang::Es),
            "12 mar 2026, 21:30"
        );
        assert_eq!(
            instant("2026-12-01T18:05:09.123Z", Lang::En),
            "1 Dec 2026, 12:05"
        );
    }

    #[test]
    fn wall_times_are_shown_as_entered() {
        assert_eq!(
            wall_time("2026-03-12T10:00", Lang::Es),
            "12 mar 2026, 10:00"
        );
        assert_eq!(wall_time("2026-03-12", Lang::En), "12 Mar 2026");
    }

    #[test]
    fn file_sizes_use_kilo_and_mega_bytes() {
        assert_eq!(file_size(512), "512 B");
        assert_eq!(file_size(34_000), "34 KB");
        assert_eq!(file_size(1_234_567), "1.2 MB");
        assert_eq!(file_size(999_999), "1.0 MB");
    }
}
