//! Report periods: today, the last 7 or 30 days, or a custom range of calendar days, in the
//! user's time zone, cut into hourly or daily buckets (DST days have 23 or 25 hours).

use super::report::PeriodInfo;
use super::{DAY_MS, HOUR_MS};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// The longest custom period, in days.
pub const MAX_DAYS: i32 = 366;

/// Which period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Today, by the hour.
    Day,
    /// The last 7 days, today included.
    Week,
    /// The last 30 days, today included.
    Month,
    /// From one day to another, inclusive.
    Custom,
}

impl Kind {
    /// Parses `day`, `week`, `month` or `custom`.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "day" => Self::Day,
            "week" => Self::Week,
            "month" => Self::Month,
            "custom" => Self::Custom,
            _ => return None,
        })
    }

    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
            Self::Custom => "custom",
        }
    }
}

/// A parameter that is wrong: its name and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct BadPeriod {
    /// `period`, `from`, `to` or `tz`.
    pub field: &'static str,
    /// Why.
    pub message: String,
}

fn bad(field: &'static str, message: impl Into<String>) -> BadPeriod {
    BadPeriod {
        field,
        message: message.into(),
    }
}

/// A resolved period: its days and the start of each bucket.
#[derive(Clone, Debug)]
pub struct Window {
    /// Which period.
    pub kind: Kind,
    /// First day.
    pub from: Date,
    /// Last day (inclusive).
    pub to: Date,
    /// The zone.
    pub tz: TimeZone,
    /// The zone's name.
    pub tz_name: String,
    /// Buckets are hours (else days).
    pub hourly: bool,
    /// Each bucket's start (ms), ascending.
    pub starts: Vec<i64>,
    /// Each bucket's label.
    pub labels: Vec<String>,
    /// The end of the last bucket (ms, exclusive).
    pub end: i64,
}

impl Window {
    /// Resolves a period at `now` (ms). `from` and `to` (`YYYY-MM-DD`) only for [`Kind::Custom`].
    pub fn resolve(
        kind: Kind,
        from: Option<&str>,
        to: Option<&str>,
        tz_name: &str,
        now: i64,
    ) -> Result<Self, BadPeriod> {
        let tz = TimeZone::get(tz_name)
            .map_err(|_| bad("tz", format!("`{tz_name}` is not an IANA time zone")))?;
        let today = Timestamp::from_millisecond(now)
            .map_err(|_| bad("tz", "the clock is out of range"))?
            .to_zoned(tz.clone())
            .date();
        let back = |days: i32| {
            today
                .checked_sub(days.days())
                .map_err(|_| bad("period", "out of range"))
        };
        let (first, last) = match kind {
            Kind::Day => (today, today),
            Kind::Week => (back(6)?, today),
            Kind::Month => (back(29)?, today),
            Kind::Custom => {
                let day = |field: &'static str, text: Option<&str>| {
                    let text = text
                        .filter(|text| !text.is_empty())
                        .ok_or_else(|| bad(field, "a custom period needs from and to"))?;
                    text.parse::<Date>()
                        .map_err(|_| bad(field, format!("`{text}` is not a date (YYYY-MM-DD)")))
                };
                let (first, last) = (day("from", from)?, day("to", to)?);
                if last < first {
                    return Err(bad("to", "is before from"));
                }
                let days = first
                    .until(last)
                    .map_err(|_| bad("to", "out of range"))?
                    .get_days();
                if days >= MAX_DAYS {
                    return Err(bad("to", format!("a period is at most {MAX_DAYS} days")));
                }
                (first, last)
            }
        };
        Self::of_days(kind, first, last, tz, tz_name)
    }

    /// The window of whole days `first..=last` in `tz`: hourly when it is one day.
    pub fn of_days(
        kind: Kind,
        first: Date,
        last: Date,
        tz: TimeZone,
        tz_name: &str,
    ) -> Result<Self, BadPeriod> {
        let start_of = |date: Date| -> Result<i64, BadPeriod> {
            Ok(date
                .to_zoned(tz.clone())
                .map_err(|_| bad("from", "out of range"))?
                .timestamp()
                .as_millisecond())
        };
        let next = |date: Date| date.tomorrow().map_err(|_| bad("to", "out of range"));
        let end = start_of(next(last)?)?;
        let hourly = first == last;
        let (mut starts, mut labels) = (Vec::new(), Vec::new());
        if hourly {
            let mut at = start_of(first)?;
            while at < end {
                let hour = Timestamp::from_millisecond(at)
                    .map_err(|_| bad("from", "out of range"))?
                    .to_zoned(tz.clone())
                    .hour();
                starts.push(at);
                labels.push(format!("{hour:02}:00"));
                at += HOUR_MS;
            }
        } else {
            let mut day = first;
            while day <= last {
                starts.push(start_of(day)?);
                labels.push(day.to_string());
                day = next(day)?;
            }
        }
        Ok(Self {
            kind,
            from: first,
            to: last,
            tz,
            tz_name: tz_name.to_owned(),
            hourly,
            starts,
            labels,
            end,
        })
    }

    /// The first bucket's start.
    pub fn start(&self) -> i64 {
        self.starts.first().copied().unwrap_or(self.end)
    }

    /// Which bucket holds `at`, if any.
    pub fn bucket_of(&self, at: i64) -> Option<usize> {
        if at < self.start() || at >= self.end {
            return None;
        }
        Some(self.starts.partition_point(|&start| start <= at) - 1)
    }

    /// Whether the daily rollup (UTC days) answers this window exactly: daily buckets that all
    /// start at UTC midnight.
    pub fn fits_daily_rollup(&self) -> bool {
        !self.hourly && self.end % DAY_MS == 0 && self.starts.iter().all(|s| s % DAY_MS == 0)
    }

    /// The hour of the day (0–23) of `at` in the window's zone.
    pub fn hour_of_day(&self, at: i64) -> usize {
        Timestamp::from_millisecond(at)
            .map(|ts| ts.to_zoned(self.tz.clone()).hour() as usize)
            .unwrap_or(0)
    }

    /// The period as the report states it.
    pub fn info(&self) -> PeriodInfo {
        PeriodInfo {
            kind: self.kind.as_str().to_owned(),
            from: self.from.to_string(),
            to: self.to.to_string(),
            tz: self.tz_name.clone(),
            bucket: if self.hourly { "hour" } else { "day" }.to_owned(),
            start: self.start(),
            end: self.end,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-22 15:30 UTC.
    const NOW: i64 = 1_795_361_400_000;

    #[test]
    fn named_periods_end_today_in_the_zone() {
        let week = Window::resolve(Kind::Week, None, None, "UTC", NOW).unwrap();
        assert_eq!(week.from.to_string(), "2026-11-16");
        assert_eq!(week.to.to_string(), "2026-11-22");
        assert_eq!(week.starts.len(), 7);
        assert!(week.fits_daily_rollup());
        assert_eq!(week.end - week.start(), 7 * DAY_MS);

        let day = Window::resolve(Kind::Day, None, None, "Asia/Tokyo", NOW).unwrap();
        // 00:30 on the 23rd in Tokyo.
        assert_eq!(day.from.to_string(), "2026-11-23");
        assert_eq!(day.starts.len(), 24);
        assert_eq!(day.labels[0], "00:00");
        assert_eq!(day.labels[23], "23:00");
        assert!(!day.fits_daily_rollup());
        assert_eq!(day.hour_of_day(NOW), 0);

        let month = Window::resolve(Kind::Month, None, None, "America/New_York", NOW).unwrap();
        assert_eq!(month.starts.len(), 30);
        assert!(!month.fits_daily_rollup());
        assert_eq!(month.bucket_of(NOW), Some(29));
        assert_eq!(month.bucket_of(month.end), None);
        assert_eq!(month.bucket_of(month.start()), Some(0));
        assert_eq!(month.bucket_of(month.start() - 1), None);
    }

    #[test]
    fn a_dst_day_has_twenty_five_hours() {
        let day = Window::resolve(
            Kind::Custom,
            Some("2026-11-01"),
            Some("2026-11-01"),
            "America/New_York",
            NOW,
        )
        .unwrap();
        assert!(day.hourly);
        assert_eq!(day.starts.len(), 25);
        assert_eq!(&day.labels[..3], ["00:00", "01:00", "01:00"]);
    }

    #[test]
    fn bad_parameters_are_named() {
        let field =
            |kind, from, to, tz| Window::resolve(kind, from, to, tz, NOW).unwrap_err().field;
        assert_eq!(field(Kind::Week, None, None, "Mars/Olympus"), "tz");
        assert_eq!(field(Kind::Custom, None, Some("2026-11-02"), "UTC"), "from");
        assert_eq!(
            field(Kind::Custom, Some("2026-11-02"), Some("x"), "UTC"),
            "to"
        );
        assert_eq!(
            field(Kind::Custom, Some("2026-11-02"), Some("2026-11-01"), "UTC"),
            "to"
        );
        assert_eq!(
            field(Kind::Custom, Some("2025-01-01"), Some("2026-11-01"), "UTC"),
            "to"
        );
        assert_eq!(Kind::parse("year"), None);
    }

    #[test]
    fn extreme_days_and_clocks_are_refused_by_name_not_overflowed() {
        let resolve = |from: &str, to: &str, tz: &str, now: i64| {
            Window::resolve(Kind::Custom, Some(from), Some(to), tz, now)
        };
        for tz in ["UTC", "Pacific/Kiritimati", "Etc/GMT+12"] {
            for (from, to, field) in [
                ("9999-12-31", "9999-12-31", "to"),
                ("-009999-01-01", "-009999-01-01", "from"),
                ("9223372036854775807", "2026-11-01", "from"),
                ("2026-11-01", "+10000-01-01", "to"),
                ("2026-11-01", "-9223372036854775808", "to"),
            ] {
                let err = resolve(from, to, tz, NOW).unwrap_err();
                assert_eq!(err.field, field, "{from}..{to} in {tz}: {err}");
            }
        }
        // The last days a calendar can hold still make a window.
        assert!(resolve("9999-12-01", "9999-12-28", "UTC", NOW).is_ok());
        for now in [i64::MAX, i64::MIN] {
            assert_eq!(
                Window::resolve(Kind::Week, None, None, "UTC", now)
                    .unwrap_err()
                    .field,
                "tz"
            );
        }
    }
}
