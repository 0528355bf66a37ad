//! The audit log as CSV, streamed: entries are read a batch at a time by cursor and written out
//! as the client takes them, so a million-row export holds one batch in memory, not the file.

use super::query::Criteria;
use super::AuditEntry;
use crate::records::Records;
use axum::body::Bytes;
use futures_util::Stream;
use jiff::tz::TimeZone;

/// Entries read per query while exporting.
pub const BATCH: i64 = 2_000;

/// The CSV's columns, in order.
pub const HEADER: [&str; 13] = [
    "id",
    "timestamp",
    "workspace_id",
    "user_id",
    "user_email",
    "agent_id",
    "action",
    "resource_type",
    "resource_id",
    "before_state",
    "after_state",
    "metadata",
    "hash",
];

/// An instant as RFC 3339 in UTC with milliseconds (`2026-11-22T09:30:00.123Z`).
pub fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|at| format!("{at:.3}"))
        .unwrap_or_else(|_| ms.to_string())
}

/// An instant as RFC 3339 with milliseconds and the offset it had in `tz`
/// (`2026-11-22T18:30:00.123+09:00`); UTC's `Z` without one.
pub fn rfc3339_in(ms: i64, tz: Option<&TimeZone>) -> String {
    let (Some(tz), Ok(at)) = (tz, jiff::Timestamp::from_millisecond(ms)) else {
        return rfc3339(ms);
    };
    format!("{:.3}", at.display_with_offset(tz.to_offset(at)))
}

/// A cell as a spreadsheet may open it safely: text starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return would be read as a formula, so it gets a leading `'` (OWASP's advice for CSV
/// injection). Every CSV Flightdeck writes passes its cells through this.
pub fn spreadsheet_safe(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// Writes one CSV record, each cell through [`spreadsheet_safe`].
pub fn write_safe_record<W: std::io::Write>(
    out: &mut csv::Writer<W>,
    cells: impl IntoIterator<Item = impl AsRef<str>>,
) -> Result<(), csv::Error> {
    for cell in cells {
        out.write_field(spreadsheet_safe(cell.as_ref()).as_bytes())?;
    }
    out.write_record(None::<&[u8]>)
}

/// Writes entries as CSV rows (the header first when `header`), times in `tz` (UTC when none).
pub fn write_rows(
    entries: &[AuditEntry],
    header: bool,
    tz: Option<&TimeZone>,
) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::with_capacity(entries.len() * 256));
    if header {
        out.write_record(HEADER)?;
    }
    let json = |value: &Option<serde_json::Value>| {
        value.as_ref().map(|v| v.to_string()).unwrap_or_default()
    };
    for entry in entries {
        let row: [&str; 13] = [
            entry.id.as_str(),
            &rfc3339_in(entry.timestamp, tz),
            entry.workspace_id.as_deref().unwrap_or_default(),
            entry.user_id.as_deref().unwrap_or_default(),
            entry.user_email.as_deref().unwrap_or_default(),
            entry.agent_id.as_deref().unwrap_or_default(),
            &entry.action,
            &entry.resource_type,
            entry.resource_id.as_deref().unwrap_or_default(),
            &json(&entry.before_state),
            &json(&entry.after_state),
            &entry.metadata.to_string(),
            entry.hash.as_deref().unwrap_or_default(),
        ];
        write_safe_record(&mut out, row)?;
    }
    out.into_inner().map_err(|err| err.into_error().into())
}

/// Every entry matching `criteria` (its limit, offset and cursor ignored), as CSV chunks of one
/// batch each, newest first.
pub fn stream(
    records: Records,
    workspace_id: String,
    criteria: Criteria,
) -> impl Stream<Item = anyhow::Result<Bytes>> {
    let start = Criteria {
        limit: BATCH,
        offset: 0,
        after: None,
        ..criteria
    };
    futures_util::stream::try_unfold(Some(start), move |next| {
        let (records, workspace_id) = (records.clone(), workspace_id.clone());
        async move {
            let Some(mut criteria) = next else {
                return Ok(None);
            };
            let header = criteria.after.is_none();
            let batch = records.audit_batch(&workspace_id, &criteria, BATCH).await?;
            let done = (batch.len() as i64) < BATCH;
            criteria.after = batch.last().map(|(cursor, _)| *cursor);
            let entries: Vec<AuditEntry> = batch.into_iter().map(|(_, entry)| entry).collect();
            let chunk = Bytes::from(write_rows(&entries, header, criteria.tz.as_ref())?);
            Ok(Some((chunk, (!done).then_some(criteria))))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_quote_what_needs_quoting() {
        let entry = AuditEntry {
            id: "e1".into(),
            timestamp: 1_795_305_600_123,
            workspace_id: Some("w".into()),
            user_id: Some("u".into()),
            agent_id: None,
            action: "approval.decide".into(),
            resource_type: "approval".into(),
            resource_id: Some("a,1".into()),
            before_state: None,
            after_state: Some(json!({"comment": "ok \"go\"\nnow"})),
            metadata: json!({}),
            hash: Some("h".into()),
            user_email: Some("ops@example.com".into()),
        };
        let tokyo = TimeZone::get("Asia/Tokyo").unwrap();
        let zoned = String::from_utf8(
            write_rows(std::slice::from_ref(&entry), false, Some(&tokyo)).unwrap(),
        );
        assert!(zoned
            .unwrap()
            .starts_with("e1,2026-11-22T09:00:00.123+09:00,"));
        let text = String::from_utf8(write_rows(&[entry], true, None).unwrap()).unwrap();
        let mut lines = text.splitn(2, '\n');
        assert_eq!(lines.next().unwrap(), HEADER.join(","));
        assert_eq!(
            lines.next().unwrap(),
            "e1,2026-11-22T00:00:00.123Z,w,u,ops@example.com,,approval.decide,approval,\"a,1\",,\
             \"{\"\"comment\"\":\"\"ok \\\"\"go\\\"\"\\nnow\"\"}\",{},h\n"
        );
        // Read back with the same library: the JSON survives.
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let row = reader.records().next().unwrap().unwrap();
        assert_eq!(&row[8], "a,1");
        let after: serde_json::Value = serde_json::from_str(&row[10]).unwrap();
        assert_eq!(after["comment"], "ok \"go\"\nnow");
    }

    #[test]
    fn cells_a_spreadsheet_would_run_get_a_leading_quote() {
        for formula in [
            "=HYPERLINK(\"http://x\",\"y\")",
            "+1",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
        ] {
            assert_eq!(spreadsheet_safe(formula), format!("'{formula}"));
        }
        for plain in [
            "",
            "a=1",
            "{\"name\":\"=1\"}",
            "'quoted",
            " =1",
            "2026-11-22",
        ] {
            assert_eq!(spreadsheet_safe(plain), plain);
        }
        let entry = AuditEntry {
            id: "e1".into(),
            timestamp: 0,
            workspace_id: None,
            user_id: None,
            agent_id: None,
            action: "auth.signup".into(),
            resource_type: "user".into(),
            resource_id: Some("@evil".into()),
            before_state: None,
            after_state: None,
            metadata: json!({}),
            hash: None,
            user_email: Some("=1+1@example.com".into()),
        };
        let text = String::from_utf8(write_rows(&[entry], false, None).unwrap()).unwrap();
        let row = csv::Reader::from_reader(format!("{}\n{text}", HEADER.join(",")).as_bytes())
            .records()
            .next()
            .unwrap()
            .unwrap();
        assert_eq!((&row[4], &row[8]), ("'=1+1@example.com", "'@evil"));
    }
}
