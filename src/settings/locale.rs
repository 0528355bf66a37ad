//! Dates and times as the user asked for them: in their settings' time zone and language, by the
//! browser's `Intl.DateTimeFormat` (no time zone database in the wasm). Every page that shows a
//! time goes through [`Locale`], so a change in Settings applies everywhere at once. Sums of money
//! too, by `Intl.NumberFormat` (`$12.70` in English, `12,70 $` in German).

use crate::auth::SessionContext;
use dioxus::prelude::*;

/// How much of a moment to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Style {
    /// Date and time to the second: `22 Nov 2026, 14:03:05`.
    DateTime,
    /// Time of day to the second: `14:03:05`.
    Time,
    /// The date alone: `22 Nov 2026`.
    Date,
}

/// The user's language and time zone.
#[derive(Clone, Debug, PartialEq)]
pub struct Locale {
    /// BCP 47 language code (`en`, `de`).
    pub language: String,
    /// IANA time zone (`UTC`, `Europe/Berlin`).
    pub timezone: String,
}

impl Default for Locale {
    fn default() -> Self {
        Self {
            language: "en".into(),
            timezone: "UTC".into(),
        }
    }
}

/// The signed-in user's locale (the default one until their settings are loaded, and outside
/// the shell, as in the widget gallery); components
/// that call it re-render when the settings change.
pub fn use_locale() -> Locale {
    let session = try_use_context::<SessionContext>();
    session
        .and_then(|session| (session.settings)())
        .map(|all| Locale {
            language: all.user.ui.language.code().into(),
            timezone: all.user.ui.timezone,
        })
        .unwrap_or_default()
}

/// The user's time zone alone, as a memo that changes with their settings.
pub fn use_timezone() -> Memo<String> {
    let session = try_use_context::<SessionContext>();
    use_memo(move || {
        session
            .and_then(|session| (session.settings)())
            .map_or_else(|| "UTC".to_owned(), |all| all.user.ui.timezone)
    })
}

impl Locale {
    /// A moment (ms since the Unix epoch) in this locale.
    pub fn format(&self, ms: i64, style: Style) -> String {
        #[cfg(feature = "web")]
        if let Some(text) = web::format(self, ms, style) {
            return text;
        }
        utc(ms, style)
    }

    /// `amount` of `currency` (ISO 4217: `USD`) as this locale writes money: `$12.70` in
    /// English, `12,70 $` in German. Without the browser's `Intl` (server rendering), in the
    /// English way.
    pub fn money(&self, amount: f64, currency: &str) -> String {
        #[cfg(feature = "web")]
        if let Some(text) = web::money(&self.language, amount, currency) {
            return text;
        }
        money_fallback(amount, currency)
    }

    /// Today's date (`2026-11-22`) in this locale's time zone, for date inputs.
    pub fn today(&self) -> String {
        #[cfg(feature = "web")]
        if let Some(day) = web::today(&self.timezone) {
            return day;
        }
        utc(now(), Style::Date)
    }
}

/// `text` in lower case, for case-blind search. In the browser by its own `toLowerCase`: Rust's
/// brings its Unicode tables into the wasm (≈6.6 KB brotli).
pub fn lowercase(text: &str) -> String {
    #[cfg(feature = "web")]
    return String::from(js_sys::JsString::from(text).to_lower_case());
    #[cfg(not(feature = "web"))]
    text.to_lowercase()
}

/// Milliseconds since the Unix epoch, now.
pub fn now() -> i64 {
    #[cfg(feature = "web")]
    return js_sys::Date::now() as i64;
    #[cfg(not(feature = "web"))]
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// Money in the English way, to the cent, without float formatting (which would weigh on the
/// wasm): `$1,234.05`, `€12.70`, `-$3.00`; another currency by its code, `12.70 CHF`.
fn money_fallback(amount: f64, currency: &str) -> String {
    let cents = (amount * 100.0).round() as i64;
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    let whole = cents / 100;
    let digits = whole.to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let number = format!("{grouped}.{:02}", cents % 100);
    match currency {
        "USD" => format!("{sign}${number}"),
        "EUR" => format!("{sign}€{number}"),
        "GBP" => format!("{sign}£{number}"),
        other => format!("{sign}{number} {other}"),
    }
}

/// The fallback (server rendering, or a zone the browser does not know): ISO 8601 in UTC.
fn utc(ms: i64, style: Style) -> String {
    let days = ms.div_euclid(86_400_000);
    let secs = ms.div_euclid(1000).rem_euclid(86_400);
    let (y, m, d) = civil(days);
    let date = format!("{y:04}-{m:02}-{d:02}");
    let time = format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
    match style {
        Style::DateTime => format!("{date} {time} UTC"),
        Style::Time => time,
        Style::Date => date,
    }
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(feature = "web")]
mod web {
    use super::{Locale, Style};
    use js_sys::{Function, Object, Reflect};
    use std::cell::RefCell;
    use std::collections::HashMap;
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        /// `Intl.DateTimeFormat(locale, options)`, which throws on a zone it does not know.
        #[wasm_bindgen(catch, js_namespace = Intl, js_name = DateTimeFormat)]
        fn date_time_format(locale: &str, options: &Object) -> Result<Object, JsValue>;

        /// `Intl.NumberFormat(locale, options)`, which throws on a currency it does not know.
        #[wasm_bindgen(catch, js_namespace = Intl, js_name = NumberFormat)]
        fn number_format(locale: &str, options: &Object) -> Result<Object, JsValue>;
    }

    thread_local! {
        /// One formatter per (language, zone, style): building one costs far more than using it.
        static FORMATTERS: RefCell<HashMap<(String, String, Style), Option<Function>>> =
            RefCell::default();
    }

    fn formatter(language: &str, timezone: &str, style: Style) -> Option<Function> {
        let key = (language.to_owned(), timezone.to_owned(), style);
        FORMATTERS.with(|cache| {
            cache
                .borrow_mut()
                .entry(key)
                .or_insert_with(|| {
                    let options = Object::new();
                    let set = |key: &str, value: &str| {
                        let _ = Reflect::set(&options, &key.into(), &value.into());
                    };
                    set("timeZone", timezone);
                    match style {
                        Style::DateTime => {
                            set("dateStyle", "medium");
                            set("timeStyle", "medium");
                        }
                        Style::Time => set("timeStyle", "medium"),
                        Style::Date => set("dateStyle", "medium"),
                    }
                    let format = date_time_format(language, &options).ok()?;
                    Reflect::get(&format, &"format".into())
                        .ok()?
                        .dyn_into::<Function>()
                        .ok()
                })
                .clone()
        })
    }

    pub(super) fn format(locale: &Locale, ms: i64, style: Style) -> Option<String> {
        let format = formatter(&locale.language, &locale.timezone, style)?;
        let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
        format.call1(&JsValue::NULL, &date).ok()?.as_string()
    }

    thread_local! {
        /// One money formatter per (language, currency).
        static MONEY: RefCell<HashMap<(String, String), Option<Function>>> = RefCell::default();
    }

    pub(super) fn money(language: &str, amount: f64, currency: &str) -> Option<String> {
        let key = (language.to_owned(), currency.to_owned());
        let format = MONEY.with(|cache| {
            cache
                .borrow_mut()
                .entry(key)
                .or_insert_with(|| {
                    let options = Object::new();
                    let _ = Reflect::set(&options, &"style".into(), &"currency".into());
                    let _ = Reflect::set(&options, &"currency".into(), &currency.into());
                    let format = number_format(language, &options).ok()?;
                    Reflect::get(&format, &"format".into())
                        .ok()?
                        .dyn_into::<Function>()
                        .ok()
                })
                .clone()
        })?;
        format
            .call1(&JsValue::NULL, &JsValue::from_f64(amount))
            .ok()?
            .as_string()
    }

    pub(super) fn today(timezone: &str) -> Option<String> {
        // `en-CA` writes dates as ISO 8601, which is what date inputs take.
        let options = Object::new();
        let _ = Reflect::set(&options, &"timeZone".into(), &timezone.into());
        for (key, value) in [
            ("year", "numeric"),
            ("month", "2-digit"),
            ("day", "2-digit"),
        ] {
            let _ = Reflect::set(&options, &key.into(), &value.into());
        }
        let format = date_time_format("en-CA", &options).ok()?;
        let format = Reflect::get(&format, &"format".into())
            .ok()?
            .dyn_into::<Function>()
            .ok()?;
        let now = js_sys::Date::new_0();
        format.call1(&JsValue::NULL, &now).ok()?.as_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_without_intl_is_written_the_english_way() {
        assert_eq!(money_fallback(12.7, "USD"), "$12.70");
        assert_eq!(money_fallback(1234.054, "USD"), "$1,234.05");
        assert_eq!(money_fallback(0.0, "EUR"), "€0.00");
        assert_eq!(money_fallback(-3.0, "GBP"), "-£3.00");
        assert_eq!(money_fallback(9.5, "CHF"), "9.50 CHF");
        let locale = Locale::default();
        assert_eq!(locale.money(12.7, "USD"), "$12.70");
    }

    #[test]
    fn the_fallback_reads_utc_in_iso_8601() {
        assert_eq!(utc(0, Style::DateTime), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_790_000_000_000, Style::Time), "14:13:20");
        assert_eq!(utc(1_790_000_000_000, Style::Date), "2026-09-21");
        // A leap day and the day before the epoch.
        assert_eq!(utc(951_782_400_000, Style::Date), "2000-02-29");
        assert_eq!(utc(-1, Style::DateTime), "1969-12-31 23:59:59 UTC");
    }
}
