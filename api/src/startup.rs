//! Building and running the server.

use std::net::TcpListener;

use actix_web::{App, HttpServer, dev::Server, web};

use crate::routes;

/// A bound, ready-to-run server.
#[allow(missing_debug_implementations)] // actix's `Server` has no Debug.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Binds `address` (port 0 picks a free port) and builds the server.
    pub fn build(address: &str) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(address)?;
        let port = listener.local_addr()?.port();
        let server = HttpServer::new(|| {
            App::new().route("/healthz", web::get().to(routes::health::healthz))
        })
        .listen(listener)?
        .run();
        Ok(Self { port, server })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the process is asked to stop.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
