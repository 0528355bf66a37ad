//! The audit log's query parameters (`GET /api/audit-logs` and its CSV export): read from the
//! query string, checked with errors that name the parameter, and turned into one SQL `WHERE`
//! both databases accept. Entries come newest first, ordered by (timestamp, seq); deep pages
//! continue from a cursor naming the last entry seen, so page 10 000 costs what page 1 does.

use crate::http::ApiError;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// Entries per page unless `limit` says otherwise.
pub const DEFAULT_LIMIT: i64 = 50;
/// The most entries per page.
pub const MAX_LIMIT: i64 = 500;
/// The deepest `offset`; past it, pages continue by `cursor`.
pub const MAX_OFFSET: i64 = 10_000;

pub use super::Params;

/// Checked criteria.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Criteria {
    /// See [`Params::user_id`].
    pub user_id: Option<String>,
    /// See [`Params::resource_type`].
    pub resource_type: Option<String>,
    /// See [`Params::action`].
    pub action: Option<String>,
    /// Entries at or after this instant (ms).
    pub from_ms: Option<i64>,
    /// Entries before this instant (ms, exclusive).
    pub until_ms: Option<i64>,
    /// See [`Params::q`], lower-cased.
    pub q: Option<String>,
    /// Page size.
    pub limit: i64,
    /// Entries skipped.
    pub offset: i64,
    /// Only entries older than this (timestamp, seq).
    pub after: Option<Cursor>,
    /// The zone exports write times in (`None`: UTC).
    pub tz: Option<TimeZone>,
}

/// A position in the log: the last entry of a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    /// Its timestamp.
    pub timestamp: i64,
    /// Its sequence number.
    pub seq: i64,
}

impl Cursor {
    /// The opaque form handed to clients.
    pub fn encode(self) -> String {
        format!("{}.{}", self.timestamp, self.seq)
    }

    /// Reads [`Cursor::encode`]'s form.
    pub fn decode(text: &str) -> Option<Self> {
        let (timestamp, seq) = text.split_once('.')?;
        Some(Self {
            timestamp: timestamp.parse().ok()?,
            seq: seq.parse().ok()?,
        })
    }
}

/// A value bound to a placeholder.
#[derive(Clone, Debug, PartialEq)]
pub enum Bind {
    /// Text.
    Text(String),
    /// An integer.
    Int(i64),
}

fn text(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn number(name: &str, value: Option<String>, default: i64, max: i64) -> Result<i64, ApiError> {
    let Some(value) = text(value) else {
        return Ok(default);
    };
    let low = i64::from(name == "limit");
    match value.parse::<i64>() {
        Ok(n) if (low..=max).contains(&n) => Ok(n),
        _ => Err(ApiError::field(
            name,
            format!("{name} must be a whole number from {low} to {max}"),
        )),
    }
}

/// Reads a date parameter: the start of a day in `tz` (with `end`, the start of the next day),
/// an RFC 3339 instant (with `end`, one millisecond after it), or epoch milliseconds.
fn instant(name: &str, value: &str, tz: &TimeZone, end: bool) -> Result<i64, ApiError> {
    let bad = || {
        ApiError::field(
            name,
            format!(
                "{name} must be a day (2026-11-22), an RFC 3339 time (2026-11-22T09:30:00Z) or epoch milliseconds"
            ),
        )
    };
    if let Ok(ms) = value.parse::<i64>() {
        // Only instants a calendar can name (years -9999 to 9999), so `end`'s step cannot overflow.
        return Timestamp::from_millisecond(ms)
            .ok()
            .and_then(|_| ms.checked_add(i64::from(end)))
            .ok_or_else(|| {
                ApiError::field(
                    name,
                    format!(
                        "{name} is out of range: epoch milliseconds from the year -9999 to 9999"
                    ),
                )
            });
    }
    if let Ok(at) = value.parse::<Timestamp>() {
        return Ok(at.as_millisecond() + i64::from(end));
    }
    let day: Date = value.parse().map_err(|_| bad())?;
    let day = if end {
        day.tomorrow().map_err(|_| bad())?
    } else {
        day
    };
    let start = day.to_zoned(tz.clone()).map_err(|_| bad())?;
    Ok(start.timestamp().as_millisecond())
}

impl Params {
    /// Checks every parameter; the first bad one is named in the error.
    pub fn criteria(self) -> Result<Criteria, ApiError> {
        let tz = match text(self.tz) {
            None => TimeZone::UTC,
            Some(name) => TimeZone::get(&name).map_err(|_| {
                ApiError::field("tz", format!("tz: {name:?} is not an IANA time zone"))
            })?,
        };
        let from_ms = text(self.date_from)
            .map(|v| instant("date_from", &v, &tz, false))
            .transpose()?;
        let until_ms = text(self.date_to)
            .map(|v| instant("date_to", &v, &tz, true))
            .transpose()?;
        if let (Some(from), Some(until)) = (from_ms, until_ms) {
            if from >= until {
                return Err(ApiError::field(
                    "date_to",
                    "date_to must not be before date_from",
                ));
            }
        }
        let after = match text(self.cursor) {
            None => None,
            Some(cursor) => Some(Cursor::decode(&cursor).ok_or_else(|| {
                ApiError::field(
                    "cursor",
                    "cursor is not one this server handed out: pass a page's nextCursor",
                )
            })?),
        };
        let offset = number("offset", self.offset, 0, MAX_OFFSET)?;
        if after.is_some() && offset > 0 {
            return Err(ApiError::field(
                "offset",
                "use either offset or cursor, not both",
            ));
        }
        let q = text(self.q).map(|q| q.to_lowercase());
        if q.as_ref().is_some_and(|q| q.chars().count() > 200) {
            return Err(ApiError::field("q", "q must be at most 200 characters"));
        }
        Ok(Criteria {
            user_id: text(self.user_id),
            resource_type: text(self.resource_type),
            action: text(self.action),
            from_ms,
            until_ms,
            q,
            limit: number("limit", self.limit, DEFAULT_LIMIT, MAX_LIMIT)?,
            offset,
            after,
            tz: (tz != TimeZone::UTC).then_some(tz),
        })
    }
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
fn like_contains(q: &str) -> String {
    let mut out = String::from("%");
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

impl Criteria {
    /// The `WHERE` clause (columns of `audit_log` as `a`) and its values, workspace first.
    pub fn filter(&self, workspace_id: &str) -> (String, Vec<Bind>) {
        let mut clauses = vec!["a.workspace_id = $1".to_owned()];
        let mut binds = vec![Bind::Text(workspace_id.to_owned())];
        let mut push = |clause: &str, bind: Bind, binds: &mut Vec<Bind>| {
            binds.push(bind);
            clauses.push(clause.replace('?', &format!("${}", binds.len())));
        };
        for (column, value) in [
            ("a.user_id", &self.user_id),
            ("a.resource_type", &self.resource_type),
            ("a.action", &self.action),
        ] {
            if let Some(value) = value {
                push(
                    &format!("{column} = ?"),
                    Bind::Text(value.clone()),
                    &mut binds,
                );
            }
        }
        if let Some(from) = self.from_ms {
            push("a.timestamp >= ?", Bind::Int(from), &mut binds);
        }
        if let Some(until) = self.until_ms {
            push("a.timestamp < ?", Bind::Int(until), &mut binds);
        }
        if let Some(after) = self.after {
            binds.push(Bind::Int(after.timestamp));
            binds.push(Bind::Int(after.seq));
            let (t, s) = (binds.len() - 1, binds.len());
            clauses.push(format!("(a.timestamp, a.seq) < (${t}, ${s})"));
        }
        (clauses.join(" AND "), binds)
    }

    /// The free-text condition, numbered after [`Criteria::filter`]'s `binds` placeholders, and
    /// its value. (Not part of the filter: pages search a window of it; see the store.)
    pub fn search(&self, binds: usize) -> Option<(String, Bind)> {
        let q = self.q.as_ref()?;
        let n = binds + 1;
        Some((
            format!(
                "(LOWER(COALESCE(a.resource_id, '')) LIKE ${n} ESCAPE '\\' \
                 OR a.action LIKE ${n} ESCAPE '\\' OR a.resource_type LIKE ${n} ESCAPE '\\')"
            ),
            Bind::Text(like_contains(q)),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        let mut p = Params::default();
        for (key, value) in pairs {
            let value = Some(value.to_string());
            match *key {
                "user_id" => p.user_id = value,
                "resource_type" => p.resource_type = value,
                "action" => p.action = value,
                "date_from" => p.date_from = value,
                "date_to" => p.date_to = value,
                "tz" => p.tz = value,
                "q" => p.q = value,
                "limit" => p.limit = value,
                "offset" => p.offset = value,
                "cursor" => p.cursor = value,
                other => panic!("unknown parameter {other}"),
            }
        }
        p
    }

    fn field(pairs: &[(&str, &str)]) -> String {
        params(pairs).criteria().unwrap_err().body.field.unwrap()
    }

    #[test]
    fn days_are_whole_days_in_the_time_zone() {
        let c = params(&[("date_from", "2026-11-22"), ("date_to", "2026-11-22")])
            .criteria()
            .unwrap();
        let day = 1_795_305_600_000; // 2026-11-22T00:00:00Z
        assert_eq!(c.from_ms, Some(day));
        assert_eq!(c.until_ms, Some(day + 86_400_000));
        let berlin = params(&[("date_from", "2026-11-22"), ("tz", "Europe/Berlin")])
            .criteria()
            .unwrap();
        assert_eq!(berlin.from_ms, Some(day - 3_600_000));
        let instants = params(&[
            ("date_from", "2026-11-22T09:30:00Z"),
            ("date_to", "1795383000000"),
        ])
        .criteria()
        .unwrap();
        assert_eq!(instants.from_ms, Some(day + 34_200_000));
        assert_eq!(instants.until_ms, Some(1_795_383_000_001));
    }

    #[test]
    fn bad_parameters_are_named() {
        assert_eq!(field(&[("limit", "0")]), "limit");
        assert_eq!(field(&[("limit", "501")]), "limit");
        assert_eq!(field(&[("limit", "ten")]), "limit");
        assert_eq!(field(&[("offset", "-1")]), "offset");
        assert_eq!(field(&[("offset", "10001")]), "offset");
        assert_eq!(field(&[("date_from", "yesterday")]), "date_from");
        assert_eq!(field(&[("date_to", "2026-13-01")]), "date_to");
        assert_eq!(field(&[("tz", "Mars/Olympus")]), "tz");
        assert_eq!(field(&[("cursor", "abc")]), "cursor");
        assert_eq!(field(&[("cursor", "1.2"), ("offset", "5")]), "offset");
        assert_eq!(
            field(&[("date_from", "2026-11-23"), ("date_to", "2026-11-22")]),
            "date_to"
        );
        assert_eq!(field(&[("q", &"x".repeat(201))]), "q");
        // Extremes are refused by name, never overflowed.
        for extreme in [
            "9223372036854775807",
            "-9223372036854775808",
            "99999999999999999999",
            "253402300800000",
            "9999-12-31",
            "+10000-01-01",
            "9999-12-31T23:59:59.999Z",
        ] {
            assert_eq!(field(&[("date_to", extreme)]), "date_to", "{extreme}");
            assert_eq!(field(&[("date_from", extreme)]), "date_from", "{extreme}");
        }
        let far = params(&[("date_from", "-009999-01-03"), ("date_to", "9999-12-29")])
            .criteria()
            .unwrap();
        assert!(far.from_ms < far.until_ms);
        let ok = params(&[("limit", "500"), ("offset", "10000"), ("q", " Run ")])
            .criteria()
            .unwrap();
        assert_eq!(
            (ok.limit, ok.offset, ok.q.as_deref()),
            (500, 10_000, Some("run"))
        );
        assert_eq!(params(&[]).criteria().unwrap().limit, DEFAULT_LIMIT);
    }

    #[test]
    fn the_filter_numbers_its_placeholders_in_order() {
        let criteria = params(&[
            ("action", "approval.decide"),
            ("date_from", "0"),
            ("q", "50%_x"),
            ("cursor", "10.7"),
        ])
        .criteria()
        .unwrap();
        let (sql, binds) = criteria.filter("ws");
        assert_eq!(
            sql,
            "a.workspace_id = $1 AND a.action = $2 AND a.timestamp >= $3 AND \
             (a.timestamp, a.seq) < ($4, $5)"
        );
        assert_eq!(
            binds,
            vec![
                Bind::Text("ws".into()),
                Bind::Text("approval.decide".into()),
                Bind::Int(0),
                Bind::Int(10),
                Bind::Int(7),
            ]
        );
        let (search, bind) = criteria.search(binds.len()).unwrap();
        assert_eq!(
            search,
            "(LOWER(COALESCE(a.resource_id, '')) LIKE $6 ESCAPE '\\' OR a.action LIKE $6 ESCAPE '\\' \
             OR a.resource_type LIKE $6 ESCAPE '\\')"
        );
        assert_eq!(bind, Bind::Text("%50\\%\\_x%".into()));
        assert_eq!(
            Cursor::decode("10.7"),
            Some(Cursor {
                timestamp: 10,
                seq: 7
            })
        );
        assert_eq!(
            Cursor {
                timestamp: 10,
                seq: 7
            }
            .encode(),
            "10.7"
        );
    }
}
