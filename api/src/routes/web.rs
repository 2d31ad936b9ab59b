//! The victims' web page: the static files of `web/` (HTML, JavaScript, the WebAssembly hasher, the editable
//! orientation and translation files), served at `/` with strict security headers.
//!
//! The page hashes media in the browser and sends only hashes to `/v1/cases`, so its policy allows no
//! third-party origin at all and no inline script or style: an injected script could read the victim's images.

use std::path::{Path, PathBuf};

use actix_files::Files;
use actix_web::{http::header, middleware::DefaultHeaders, web};

pub use crate::settings::DEFAULT_WEB_DIR;

/// Content Security Policy of the page. `'wasm-unsafe-eval'` lets it compile its own WebAssembly module (it allows
/// no JavaScript `eval`); `blob:` images and media are the local previews of the files being hashed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
     worker-src 'self'; connect-src 'self'; img-src 'self' blob:; media-src 'self' blob:; style-src 'self'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Folders of `web/` that are not part of the page (sources of the WebAssembly crate, browser-test tooling, the
/// analysts' console, which [`super::console`] serves under its own policy).
const NOT_SERVED: &[&str] = &["wasm", "test", "node_modules", "console"];

/// Serves the page from [`DEFAULT_WEB_DIR`]. Register it after every other route: it answers every path.
pub fn configure(cfg: &mut web::ServiceConfig) {
    serve_dir(PathBuf::from(DEFAULT_WEB_DIR))(cfg);
}

/// Serves the page from `dir` (a deployment's own copy, e.g. with an edited `orientation.json`). Register it
/// after every other route: it answers every path.
pub fn serve_dir(dir: PathBuf) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        let files = Files::new("", dir).index_file("index.html").path_filter(|path, _| is_served(path));
        cfg.service(web::scope("").wrap(security_headers(CONTENT_SECURITY_POLICY)).service(files));
    }
}

fn is_served(path: &Path) -> bool {
    let first = path.components().next().and_then(|c| c.as_os_str().to_str()).unwrap_or("");
    !NOT_SERVED.contains(&first) && !first.starts_with('.')
}

/// The headers of a page served from `web/`, under the policy `csp`.
pub(super) fn security_headers(csp: &'static str) -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::CONTENT_SECURITY_POLICY, csp))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::CROSS_ORIGIN_OPENER_POLICY, "same-origin"))
        .add((header::CROSS_ORIGIN_RESOURCE_POLICY, "same-origin"))
        .add((header::CROSS_ORIGIN_EMBEDDER_POLICY, "require-corp"))
        .add(("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"))
        // Revalidate every time: the hotline may edit orientation.json while the server runs.
        .add((header::CACHE_CONTROL, "no-cache"))
}

#[cfg(test)]
mod tests {
    use actix_web::{App, test};

    use super::*;

    #[actix_web::test]
    async fn page_is_served_at_the_root_with_a_strict_policy() {
        let app = test::init_service(App::new().configure(configure)).await;
        let response = test::call_service(&app, test::TestRequest::get().uri("/").to_request()).await;
        assert!(response.status().is_success());
        let csp = response.headers().get(header::CONTENT_SECURITY_POLICY).expect("CSP header");
        let csp = csp.to_str().expect("ascii");
        assert!(csp.contains("default-src 'none'"));
        assert!(!csp.contains("unsafe-inline"));
        assert!(!csp.contains("http"), "no third-party origin in {csp}");
        assert_eq!(response.headers().get(header::X_CONTENT_TYPE_OPTIONS).expect("nosniff"), "nosniff");
        let body = test::read_body(response).await;
        assert!(String::from_utf8_lossy(&body).contains("app.js"));
    }

    #[actix_web::test]
    async fn orientation_data_is_served_as_json() {
        let app = test::init_service(App::new().configure(configure)).await;
        let response = test::call_service(&app, test::TestRequest::get().uri("/orientation.json").to_request()).await;
        assert!(response.status().is_success());
        let body: serde_json::Value = test::read_body_json(response).await;
        assert!(body["answers"].as_array().is_some_and(|a| !a.is_empty()));
    }

    #[actix_web::test]
    async fn crate_sources_and_test_tooling_are_not_served() {
        let app = test::init_service(App::new().configure(configure)).await;
        for uri in ["/wasm/Cargo.toml", "/wasm/src/lib.rs", "/test/package.json", "/console/console.js"] {
            let response = test::call_service(&app, test::TestRequest::get().uri(uri).to_request()).await;
            assert_eq!(response.status(), 404, "{uri}");
        }
    }
}
