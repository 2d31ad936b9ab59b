//! The route table: every documented route, registered through `utoipa-actix-web` so the table is the OpenAPI
//! document, and the extractor settings that turn malformed input into `ApiError`s.

use actix_web::web;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt as _;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::ApiError;

/// Largest JSON body accepted (a 1000-hash match batch or case is well below).
pub const MAX_JSON_BYTES: usize = 4 * 1024 * 1024;

/// The document's fixed parts; the paths come from the registered handlers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "disrupt",
        description = "Hash lists against non-consensual intimate imagery: victims submit hashes, platforms pull \
                       the list and match. Errors share one body with a stable `code`.",
        license(name = "Apache-2.0")
    ),
    modifiers(&SecuritySchemes),
    components(schemas(disrupt_openapi::ErrorBody, disrupt_openapi::ErrorCode)),
    tags(
        (name = "victims", description = "Anonymous: submit, check and withdraw a case"),
        (name = "platforms", description = "API key with role platform: feed, match, feedback"),
        (name = "stopncii", description = "StopNCII.org-compatible routes for Meta's threatexchange client"),
        (name = "analysts", description = "API key with role analyst (or admin): review queue, decisions, URLs"),
        (name = "notices", description = "Takedown notices: analysts send them, platforms acknowledge and answer"),
        (name = "admin", description = "API key with role admin: keys, lists, audit log, reports"),
        (name = "everyone", description = "Health, metrics, this document, and a key's own description"),
    )
)]
#[derive(Debug)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("dk_<id>_<secret>").build(),
            ),
        );
        components.add_security_scheme(
            "stopncii_function_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new(crate::auth::STOPNCII_FUNCTION_HEADER))),
        );
        components.add_security_scheme(
            "stopncii_subscription_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new(crate::auth::STOPNCII_SUBSCRIPTION_HEADER))),
        );
    }
}

/// Registers every documented route, and the extractor settings that turn malformed input into [`ApiError`]s.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.app_data(json_config())
        .app_data(query_config())
        .app_data(path_config())
        .service(super::health::healthz)
        .service(super::cases::create_case)
        .service(super::cases::upload_case)
        .service(super::cases::hash_media)
        .service(super::cases::get_case)
        .service(super::cases::withdraw_case)
        .service(super::cases::get_receipt)
        .service(super::cases::receipt_key)
        .service(super::cases::get_privacy_notice)
        .service(super::feed::get_hashes)
        .service(super::feed::get_snapshot)
        .service(super::matching::match_hashes)
        .service(super::matching::match_upload)
        .service(super::feedback::submit_feedback)
        .service(super::stopncii::fetch_hashes)
        .service(super::stopncii::submit_stopncii_feedback)
        .service(super::admin::create_api_key)
        .service(super::admin::list_api_keys)
        .service(super::admin::revoke_api_key)
        .service(super::admin::create_list)
        .service(super::admin::list_lists)
        .service(super::admin::current_key)
        .service(super::review::review_queue)
        .service(super::review::verify_entries)
        .service(super::review::reject_entries)
        .service(super::review::quarantine_entries)
        .service(super::review::analyst_case)
        .service(super::review::open_contact)
        .service(super::review::reject_case)
        .service(super::review::review_urls)
        .service(super::notices::list_notices)
        .service(super::notices::get_notice)
        .service(super::notices::send_notice)
        .service(super::notices::acknowledge_notice)
        .service(super::notices::decide_notice)
        .service(super::notices::record_notice_outcome)
        .service(super::forwards::record_forward)
        .service(super::forwards::case_forwards)
        .service(super::forwards::export_forwards)
        .service(super::forwards::export_forwards_csv)
        .service(super::hosts::list_hosts)
        .service(super::hosts::get_host)
        .service(super::hosts::set_host)
        .service(super::hosts::delete_host)
        .service(super::audit::read_audit)
        .service(super::audit::export_audit)
        .service(super::audit::verify_audit)
        .service(super::stats::statistics)
        .service(super::stats::statistics_csv)
        .service(super::stats::statistics_page)
        .service(super::stats::trusted_flagger_report);
}

fn json_config() -> web::JsonConfig {
    web::JsonConfig::default().limit(MAX_JSON_BYTES).error_handler(|err, _req| json_error(&err, MAX_JSON_BYTES).into())
}

/// The API error of a JSON body that could not be read (`limit`: the route's largest body).
pub fn json_error(err: &actix_web::error::JsonPayloadError, limit: usize) -> ApiError {
    use actix_web::error::JsonPayloadError;
    match err {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::PayloadTooLarge(format!("JSON bodies are at most {limit} bytes here"))
        }
        JsonPayloadError::Deserialize(e) if e.to_string().contains("hash is exactly") => {
            ApiError::InvalidHash(e.to_string())
        }
        other => ApiError::InvalidRequest(other.to_string()),
    }
}

fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| ApiError::InvalidRequest(err.to_string()).into())
}

fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, _req| ApiError::InvalidRequest(err.to_string()).into())
}

/// The OpenAPI document of every route [`configure`] registers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_app, api) =
        actix_web::App::new().into_utoipa_app().openapi(ApiDoc::openapi()).configure(configure).split_for_parts();
    api
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    /// The committed `openapi/openapi.json` must be what the routes generate. To update it run
    /// `DISRUPT_UPDATE_OPENAPI=1 cargo test -p disrupt-api --no-default-features --lib openapi`.
    #[test]
    fn committed_openapi_json_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json");
        let generated = format!("{}\n", super::openapi().to_pretty_json().unwrap());
        if std::env::var_os("DISRUPT_UPDATE_OPENAPI").is_some() {
            std::fs::write(path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == generated,
            "openapi/openapi.json is stale: run `DISRUPT_UPDATE_OPENAPI=1 cargo test -p disrupt-api \
             --no-default-features --lib openapi` (or the `openapi` example) and commit it"
        );
    }

    #[test]
    fn every_route_is_documented() {
        let api = super::openapi();
        for path in [
            "/healthz",
            "/v1/cases",
            "/v1/cases/upload",
            "/v1/media/hash",
            "/v1/privacy",
            "/v1/cases/{id}",
            "/v1/hashes",
            "/v1/hashes/snapshot",
            "/v1/match",
            "/v1/match/upload",
            "/v1/feedback",
            "/v1/FetchHashes",
            "/v1/SubmitFeedback",
            "/v1/admin/keys",
            "/v1/admin/keys/{id}",
            "/v1/admin/lists",
            "/v1/me",
            "/v1/review/queue",
            "/v1/review/entries/verify",
            "/v1/review/entries/reject",
            "/v1/review/entries/quarantine",
            "/v1/review/cases/{id}",
            "/v1/review/cases/{id}/reject",
            "/v1/review/cases/{id}/urls",
            "/v1/notices",
            "/v1/notices/{id}",
            "/v1/notices/{id}/send",
            "/v1/notices/{id}/acknowledge",
            "/v1/notices/{id}/decision",
            "/v1/admin/audit",
            "/v1/admin/audit/export",
            "/v1/admin/audit/verify",
            "/v1/stats",
            "/stats",
            "/v1/admin/reports/trusted-flagger",
        ] {
            assert!(api.paths.paths.contains_key(path), "{path} missing");
        }
    }
}
