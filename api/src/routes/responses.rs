//! The error rows handlers share in their OpenAPI `responses(..)`: one named set per kind of caller or failure,
//! instead of the same rows repeated on every handler. A row names an [`ErrorCode`]; its status is the code's
//! (the table in [`ErrorCode::status`], which `ApiError` answers with too), so the document cannot give a status
//! the server does not send. Rows that say something only one route does stay on that route.

use std::collections::BTreeMap;

use disrupt_openapi::ErrorCode;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder, response::Response};

/// One documented error: the code that answers it and what it means on these routes.
type Row = (ErrorCode, &'static str);

const BAD_KEY: Row = (ErrorCode::Unauthorized, "Missing or invalid key");
const NOT_ADMIN: Row = (ErrorCode::Forbidden, "Not an admin key");
const NOT_ANALYST: Row = (ErrorCode::Forbidden, "Not an analyst or admin key");
const NOT_PLATFORM: Row = (ErrorCode::Forbidden, "Not a platform key");
const STORE_DOWN: Row = (ErrorCode::StoreUnavailable, "Store unavailable");
const BAD_MEDIA: Row = (ErrorCode::InvalidMedia, "Malformed body or undecodable media");
const UPLOAD_BUSY: Row =
    (ErrorCode::ServerBusy, "Store unavailable, or every upload slot busy (`server_busy`, with Retry-After)");

/// The responses of `rows`, each with the [`disrupt_openapi::ErrorBody`] body.
fn responses(rows: &[Row]) -> BTreeMap<String, RefOr<Response>> {
    rows.iter()
        .map(|&(code, description)| {
            let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build();
            let response = ResponseBuilder::new().description(description).content("application/json", content).build();
            (code.status().to_string(), RefOr::T(response))
        })
        .collect()
}

/// Declares a set of error rows as a type for `#[utoipa::path(responses(..))]`.
macro_rules! response_set {
    ($($(#[$doc:meta])* $name:ident = [$($row:expr),+ $(,)?];)+) => {
        $(
            $(#[$doc])*
            #[derive(Debug)]
            pub struct $name;

            impl $name {
                /// The set's rows.
                pub const ROWS: &[Row] = &[$($row),+];
            }

            impl utoipa::IntoResponses for $name {
                fn responses() -> BTreeMap<String, RefOr<Response>> {
                    responses(Self::ROWS)
                }
            }
        )+

        #[cfg(test)]
        const SETS: &[(&str, &[Row])] = &[$((stringify!($name), $name::ROWS)),+];
    };
}

response_set! {
    /// A route whose body may be malformed.
    BadRequest = [(ErrorCode::InvalidRequest, "Malformed request")];
    /// A route whose query may be malformed.
    BadQuery = [(ErrorCode::InvalidRequest, "Malformed query")];
    /// Case submissions, drawn from the client's budgets.
    SubmissionLimits = [(ErrorCode::RateLimited, "Too many submissions or hashes from this client")];
    /// A platform's routes on one notice: one not addressed to its hosts is not found, as one that does not exist.
    NoticeNotFound = [(ErrorCode::NotFound, "No such notice for this key")];
    /// Anonymous routes: only the store can fail them.
    StoreErrors = [STORE_DOWN];
    /// Anonymous media uploads, hashed by the server.
    UploadErrors = [BAD_MEDIA, UPLOAD_BUSY];
    /// Media uploads behind an API key.
    KeyUploadErrors = [BAD_KEY, BAD_MEDIA, UPLOAD_BUSY];
    /// Any route behind an API key, whatever its role.
    KeyErrors = [BAD_KEY, STORE_DOWN];
    /// Routes for admin keys.
    AdminErrors = [BAD_KEY, NOT_ADMIN, STORE_DOWN];
    /// Routes for analyst (or admin) keys.
    AnalystErrors = [BAD_KEY, NOT_ANALYST, STORE_DOWN];
    /// Routes for platform keys.
    PlatformErrors = [BAD_KEY, NOT_PLATFORM, STORE_DOWN];
    /// Reading a list's feed or snapshot.
    ListErrors = [
        BAD_KEY,
        (ErrorCode::Forbidden, "The key is not scoped to this list"),
        (ErrorCode::NotFound, "No such list"),
        STORE_DOWN,
    ];
    /// A victim's routes on a case, behind its secret.
    CaseSecretErrors = [
        (ErrorCode::Unauthorized, "Missing or wrong secret"),
        (ErrorCode::NotFound, "No such case"),
        (ErrorCode::RateLimited, "Too many attempts"),
        STORE_DOWN,
    ];
    /// An analyst's decision on entries of a list.
    EntryDecisionErrors = [
        BAD_KEY,
        NOT_ANALYST,
        (ErrorCode::NotFound, "An entry does not exist or is on another list"),
        (ErrorCode::Conflict, "An entry was withdrawn by the victim"),
        STORE_DOWN,
    ];
    /// An analyst's routes on one case.
    AnalystCaseErrors = [
        BAD_KEY,
        NOT_ANALYST,
        (ErrorCode::NotFound, "No such case on the key's lists"),
        STORE_DOWN,
    ];
    /// Opening a victim's contact.
    ContactErrors = [
        BAD_KEY,
        (ErrorCode::Forbidden, "Not an analyst or admin key with contact_access"),
        (ErrorCode::NotFound, "No such case on the key's lists, or it keeps no contact (none given, or withdrawn)"),
        STORE_DOWN,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_set_gives_one_status_two_meanings() {
        for (name, rows) in SETS {
            let mut statuses: Vec<u16> = rows.iter().map(|(code, _)| code.status()).collect();
            statuses.sort_unstable();
            let all = statuses.len();
            statuses.dedup();
            assert_eq!(statuses.len(), all, "{name} has two rows with one status: the document would keep one");
        }
    }

    #[test]
    fn a_set_documents_the_status_its_codes_answer_with() {
        let documented = <AnalystErrors as utoipa::IntoResponses>::responses();
        assert_eq!(documented.keys().map(String::as_str).collect::<Vec<_>>(), ["401", "403", "503"]);
    }
}
