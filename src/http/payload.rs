//! The arguments of a server function that are not path parameters, as both sides see them: the
//! server reads them with its own extractors (`extract.rs`: JSON errors naming the field, 413,
//! 415), the browser sends them (`sf.rs`).

/// A JSON body parsed with the path of the first bad field in its error: a malformed body
/// is a 400 naming the field, an oversize one a 413, one not said to be JSON a 415.
pub struct JsonBody<T>(pub T);

/// A JSON body that may be left out: an empty body is `T::default()`; otherwise as [`JsonBody`].
pub struct MaybeJson<T>(pub T);

/// The query string as `T`: a parameter that does not fit is a 400 saying which.
pub struct QueryParams<T>(pub T);

/// An answer that made something: sent as `201 Created` with `T` as its JSON body.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Created<T>(pub T);

/// An answer taken for later or answered alike whatever happened (a sign-up: the same whether
/// the email was free): sent as `202 Accepted` with `T` as its JSON body.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Accepted<T>(pub T);

/// The answer of a removal: `{"success": true}`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Removed {
    /// Always true on success.
    pub success: bool,
}
