//! The analysts' console: the static files of `web/console/` (HTML, CSS, one script), served at `/console/`
//! under a policy stricter than the victims' page's.
//!
//! The console holds an analyst's or admin's API key in the page's memory, so an injected script could act with
//! it: the policy allows scripts and styles of this origin only, no inline code, no WebAssembly, no worker, and
//! requests to this origin only. The console calls the ordinary API (`/v1/...`) with the key; it has no route of
//! its own and shows no media (disrupt keeps none).

use std::path::PathBuf;

use actix_files::Files;
use actix_web::web;

/// Content Security Policy of the console.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; \
     img-src 'self'; style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Where the console's files are inside a `web_dir`.
pub const CONSOLE_SUBDIR: &str = "console";

/// Serves the console from `web_dir/console` at `/console/` (`/console` redirects there). Register it before the
/// victims' page, which answers every other path.
pub fn serve_dir(web_dir: PathBuf) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        let files = Files::new("", web_dir.join(CONSOLE_SUBDIR)).index_file("index.html").redirect_to_slash_directory();
        cfg.service(web::scope("/console").wrap(super::web::security_headers(CONTENT_SECURITY_POLICY)).service(files));
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header;
    use actix_web::{App, test};

    use super::*;
    use crate::settings::DEFAULT_WEB_DIR;

    #[actix_web::test]
    async fn console_is_served_under_its_own_strict_policy() {
        let app = test::init_service(
            App::new()
                .configure(serve_dir(PathBuf::from(DEFAULT_WEB_DIR)))
                .configure(super::super::web::serve_dir(PathBuf::from(DEFAULT_WEB_DIR))),
        )
        .await;
        for uri in ["/console/", "/console/console.js", "/console/console.css"] {
            let response = test::call_service(&app, test::TestRequest::get().uri(uri).to_request()).await;
            assert!(response.status().is_success(), "{uri}: {}", response.status());
            let csp = response.headers().get(header::CONTENT_SECURITY_POLICY).expect("CSP header");
            assert_eq!(csp.to_str().expect("ascii"), CONTENT_SECURITY_POLICY, "{uri}");
        }
        for forbidden in ["unsafe-inline", "unsafe-eval", "wasm-unsafe-eval", "http", "blob:", "data:"] {
            assert!(!CONTENT_SECURITY_POLICY.contains(forbidden), "{forbidden} in the console's policy");
        }
        let response = test::call_service(&app, test::TestRequest::get().uri("/console/").to_request()).await;
        let body = String::from_utf8_lossy(&test::read_body(response).await).to_string();
        assert!(body.contains("console.js") && !body.contains("<script>") && !body.contains("style="), "{body}");
    }

    #[actix_web::test]
    async fn console_without_its_slash_redirects_to_it() {
        let app = test::init_service(
            App::new()
                .configure(serve_dir(PathBuf::from(DEFAULT_WEB_DIR)))
                .configure(super::super::web::serve_dir(PathBuf::from(DEFAULT_WEB_DIR))),
        )
        .await;
        let response = test::call_service(&app, test::TestRequest::get().uri("/console").to_request()).await;
        assert!(response.status().is_redirection(), "{}", response.status());
        assert_eq!(response.headers().get(header::LOCATION).expect("location"), "/console/");
    }
}
