//! Liveness.

use actix_web::HttpResponse;

/// Liveness: the process is up and serving.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}
