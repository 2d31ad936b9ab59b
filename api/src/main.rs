//! `disrupt-api`: loads settings, initialises tracing, builds the application and runs it.

use disrupt_api::Application;

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let address = std::env::var("DISRUPT_ADDRESS").unwrap_or_else(|_| "127.0.0.1:8080".into());
    let app = Application::build(&address)?;
    tracing::info!(port = app.port(), "disrupt-api listening");
    app.run_until_stopped().await?;
    Ok(())
}
