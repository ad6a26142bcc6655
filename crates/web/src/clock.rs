//! The one clock of the server: today in UTC (periods of transparency close by UTC date) and
//! Mexico's local time (sessions, calls and events are held by the wall clock there). Shared:
//! no domain is imported here.

use tequio_domain::transparency::period::Date;

/// Today's date (UTC), for deciding whether a period has closed.
pub fn today() -> Date {
    let now = time::OffsetDateTime::now_utc();
    Date::new(
        now.year(),
        u32::from(u8::from(now.month())),
        u32::from(now.day()),
    )
    .unwrap_or(Date {
        year: 1970,
        month: 1,
        day: 1,
    })
}

/// Local (Mexico central) wall-clock time now.
pub fn local_now() -> time::PrimitiveDateTime {
    tequio_domain::bodies::local_now(time::OffsetDateTime::now_utc())
}

/// Today's local date, `YYYY-MM-DD`.
pub fn local_today() -> String {
    tequio_domain::bodies::format_local(local_now())[..10].to_owned()
}
