//! Liveness.

use actix_web::{HttpResponse, get};

/// Liveness: the process is up and serving. Readiness (Redis, index loaded, feed lag) is `/readyz`.
#[utoipa::path(
    tag = "everyone",
    responses((status = 200, description = "The process is up", body = serde_json::Value, example = json!({"status": "ok"})))
)]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}
