//! HTTP dates (RFC 9110, section 5.6.7), for `Retry-After`: the preferred IMF-fixdate and the
//! two obsolete forms a recipient must still accept, and nothing else. A browser's `Date.parse`
//! reads far more (`"1.5"` is a day in 2001), and a value it misreads as the past means "no
//! wait" to a server that asked for one.
//!
//! ```text
//! IMF-fixdate:  Sun, 06 Nov 1994 08:49:37 GMT
//! rfc850-date:  Sunday, 06-Nov-94 08:49:37 GMT
//! asctime-date: Sun Nov  6 08:49:37 1994
//! ```

/// Day names, short and long, Monday first (the order does not matter: a date's day name is
/// read, not checked against the date).
const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const LONG_DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The instant `value` names, in milliseconds since the Unix epoch (negative before it), or
/// `None` when it is not an HTTP date. `now_ms` (the wall clock) places the two-digit year of
/// the RFC 850 form: at most 50 years ahead, as RFC 9110 requires.
#[inline]
pub(crate) fn parse(value: &str, now_ms: f64) -> Option<i64> {
    let b = value.as_bytes();
    let (day, month, year, time) = if let Some(rest) = after_day_name(b, &DAYS, b", ") {
        // IMF-fixdate: "06 Nov 1994 08:49:37 GMT"
        let [d1, d2, b' ', m1, m2, m3, b' ', y1, y2, y3, y4, b' ', ref time @ .., b' ', b'G', b'M', b'T'] =
            *rest
        else {
            return None;
        };
        let year = number(&[y1, y2, y3, y4])?;
        (
            number(&[d1, d2])?,
            month(&[m1, m2, m3])?,
            year,
            time_of_day(time)?,
        )
    } else if let Some(rest) = after_day_name(b, &LONG_DAYS, b", ") {
        // rfc850-date: "06-Nov-94 08:49:37 GMT"
        let [d1, d2, b'-', m1, m2, m3, b'-', y1, y2, b' ', ref time @ .., b' ', b'G', b'M', b'T'] =
            *rest
        else {
            return None;
        };
        let year = full_year(number(&[y1, y2])?, now_ms);
        (
            number(&[d1, d2])?,
            month(&[m1, m2, m3])?,
            year,
            time_of_day(time)?,
        )
    } else if let Some(rest) = after_day_name(b, &DAYS, b" ") {
        // asctime-date: "Nov  6 08:49:37 1994" (a one-digit day is padded with a space)
        let [m1, m2, m3, b' ', d1, d2, b' ', ref time @ .., b' ', y1, y2, y3, y4] = *rest else {
            return None;
        };
        let day = if d1 == b' ' {
            number(&[d2])?
        } else {
            number(&[d1, d2])?
        };
        let year = number(&[y1, y2, y3, y4])?;
        (day, month(&[m1, m2, m3])?, year, time_of_day(time)?)
    } else {
        return None;
    };
    if day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let days = days_from_civil(i64::from(year), month, day);
    Some((days * 86_400 + time) * 1_000)
}

/// What follows one of `names` and then `separator` at the start of `b`.
fn after_day_name<'a>(b: &'a [u8], names: &[&str], separator: &[u8]) -> Option<&'a [u8]> {
    names
        .iter()
        .find_map(|name| b.strip_prefix(name.as_bytes())?.strip_prefix(separator))
}

/// The decimal value of `digits`, all ASCII digits.
fn number(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |n, &d| {
        d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
    })
}

/// The month's number, 1 to 12, from its three-letter name (case-sensitive, as HTTP dates are).
fn month(name: &[u8]) -> Option<u32> {
    let at = MONTHS.iter().position(|m| m.as_bytes() == name)?;
    u32::try_from(at + 1).ok()
}

/// "08:49:37" as seconds into the day. A leap second (60) counts as the last of its minute.
fn time_of_day(time: &[u8]) -> Option<i64> {
    let [h1, h2, b':', m1, m2, b':', s1, s2] = *time else {
        return None;
    };
    let (h, m, s) = (number(&[h1, h2])?, number(&[m1, m2])?, number(&[s1, s2])?);
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some(i64::from(h * 3_600 + m * 60 + s.min(59)))
}

/// A two-digit year as the latest year with those digits at most 50 years after now.
fn full_year(two_digits: u32, now_ms: f64) -> u32 {
    // Days to years, near enough for a 50-year window: 365.2425 days a year.
    let now_year = 1970 + (now_ms / 86_400_000.0 / 365.2425).floor().max(0.0) as u32;
    let mut year = now_year - now_year % 100 + two_digits;
    if year > now_year + 50 {
        year -= 100;
    }
    year
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the given date of the proleptic Gregorian calendar (Howard
/// Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-06T00:00:00Z.
    const NOW: f64 = 1_796_515_200_000.0;
    /// 1994-11-06T08:49:37Z, the RFC's example.
    const EXAMPLE: i64 = 784_111_777_000;

    #[test]
    fn reads_the_three_forms_of_the_rfc() {
        assert_eq!(parse("Sun, 06 Nov 1994 08:49:37 GMT", NOW), Some(EXAMPLE));
        assert_eq!(parse("Sunday, 06-Nov-94 08:49:37 GMT", 0.0), Some(EXAMPLE));
        assert_eq!(parse("Sun Nov  6 08:49:37 1994", NOW), Some(EXAMPLE));
        assert_eq!(
            parse("Sun Nov 16 08:49:37 1994", NOW),
            Some(EXAMPLE + 10 * 86_400_000)
        );
        assert_eq!(parse("Thu, 01 Jan 1970 00:00:00 GMT", NOW), Some(0));
        assert_eq!(
            parse("Wed, 01 Jan 2031 00:00:00 GMT", NOW),
            Some(1_924_992_000_000)
        );
        assert_eq!(
            parse("Thu, 29 Feb 2024 12:00:00 GMT", NOW),
            Some(1_709_208_000_000)
        );
        assert_eq!(days_from_civil(2026, 12, 6) * 86_400_000, NOW as i64);
    }

    #[test]
    fn two_digit_years_are_at_most_fifty_years_ahead() {
        // From 2026: "76" is 2076, "77" is 1977.
        assert_eq!(full_year(76, NOW), 2076);
        assert_eq!(full_year(77, NOW), 1977);
        assert_eq!(full_year(26, NOW), 2026);
        assert_eq!(
            parse("Wednesday, 01-Jan-31 00:00:00 GMT", NOW),
            Some(1_924_992_000_000)
        );
    }

    #[test]
    fn anything_else_is_no_date() {
        for value in [
            "1.5",
            "",
            "soon",
            "2031-01-01T00:00:00Z",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "sun, 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 nov 1994 08:49:37 GMT",
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 94 08:49:37 GMT",
            "Sun,06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT ",
            "Sun, 31 Nov 1994 08:49:37 GMT",
            "Sun, 29 Feb 1900 08:49:37 GMT",
            "Sun, 00 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 08:60:00 GMT",
            "Sun, 06 Nov 1994 8:49:37 GMT",
            "Sunday, 06-Nov-1994 08:49:37 GMT",
            "Sun Nov 6 08:49:37 1994",
            "Sun Nov  6 08:49:37 94",
            "Sun, 06 Nov 1994 08:49:37 GMT\u{e9}",
        ] {
            assert_eq!(parse(value, NOW), None, "{value:?}");
        }
    }
}
