//! Whole numbers of request bodies read as JSON Schema's `integer` counts them: `45` and `45.0`
//! alike (Python's `json` writes a float so), never `45.5` nor a number past the field's type.
//! serde alone refuses `45.0` for an integer field, which the published schemas allow.

use serde::de::{Deserializer, Error, Unexpected, Visitor};
use std::fmt;
use std::marker::PhantomData;

/// An integer type a body's field may have.
pub trait Whole: TryFrom<i128> {
    /// Its least value.
    const MIN: i128;
    /// Its greatest value.
    const MAX: i128;
}

macro_rules! whole {
    ($($t:ty),*) => {$(
        impl Whole for $t {
            const MIN: i128 = <$t>::MIN as i128;
            const MAX: i128 = <$t>::MAX as i128;
        }
    )*};
}
whole!(u8, u32, u64, i64);

/// `#[serde(deserialize_with = "crate::http::whole::number")]`.
pub fn number<'de, D: Deserializer<'de>, T: Whole>(deserializer: D) -> Result<T, D::Error> {
    deserializer.deserialize_any(Number(PhantomData))
}

/// The same for an `Option` (`null` is none); with `#[serde(default)]` when it may be left out.
pub fn optional<'de, D: Deserializer<'de>, T: Whole>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    deserializer.deserialize_option(Optional(PhantomData))
}

struct Number<T>(PhantomData<T>);

impl<T: Whole> Number<T> {
    fn fit<E: Error>(&self, value: i128, unexpected: Unexpected) -> Result<T, E> {
        T::try_from(value).map_err(|_| E::invalid_value(unexpected, self))
    }
}

impl<T: Whole> Visitor<'_> for Number<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a whole number from {} to {}", T::MIN, T::MAX)
    }

    fn visit_i64<E: Error>(self, value: i64) -> Result<T, E> {
        self.fit(value.into(), Unexpected::Signed(value))
    }

    fn visit_u64<E: Error>(self, value: u64) -> Result<T, E> {
        self.fit(value.into(), Unexpected::Unsigned(value))
    }

    fn visit_f64<E: Error>(self, value: f64) -> Result<T, E> {
        let whole = value.is_finite() && value.fract() == 0.0;
        if whole && (T::MIN as f64..=T::MAX as f64).contains(&value) {
            self.fit(value as i128, Unexpected::Float(value))
        } else {
            Err(E::invalid_value(Unexpected::Float(value), &self))
        }
    }
}

struct Optional<T>(PhantomData<T>);

impl<'de, T: Whole> Visitor<'de> for Optional<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "null or a whole number from {} to {}", T::MIN, T::MAX)
    }

    fn visit_none<E: Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }

    fn visit_unit<E: Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<T>, D::Error> {
        number(deserializer).map(Some)
    }
}

#[cfg(test)]
mod tests {
    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Body {
        #[serde(deserialize_with = "super::number")]
        count: u8,
        #[serde(default, deserialize_with = "super::optional")]
        at: Option<i64>,
    }

    fn read(json: &str) -> Result<Body, String> {
        serde_json::from_str(json).map_err(|err| err.to_string())
    }

    #[test]
    fn whole_numbers_may_be_written_as_floats_but_not_fractions_or_past_the_type() {
        let body = |count, at| Body { count, at };
        assert_eq!(read(r#"{"count": 45}"#), Ok(body(45, None)));
        assert_eq!(read(r#"{"count": 45.0, "at": null}"#), Ok(body(45, None)));
        assert_eq!(
            read(r#"{"count": 2.55e2, "at": -3.0}"#),
            Ok(body(255, Some(-3)))
        );
        assert_eq!(
            read(r#"{"count": 0, "at": 1e15}"#),
            Ok(body(0, Some(1_000_000_000_000_000)))
        );
        for bad in [
            r#"{"count": 45.5}"#,
            r#"{"count": 256}"#,
            r#"{"count": 256.0}"#,
            r#"{"count": -1}"#,
            r#"{"count": "45"}"#,
            r#"{"count": 1, "at": 1e300}"#,
            r#"{"count": 1, "at": 0.5}"#,
        ] {
            let err = read(bad).unwrap_err();
            assert!(err.contains("expected"), "{bad}: {err}");
        }
        assert!(read(r#"{"count": 45.5}"#)
            .unwrap_err()
            .contains("a whole number from 0 to 255"));
    }
}
