//! `disrupt-api`: loads settings, initialises tracing, builds the application and runs it.

use disrupt_api::{Application, settings::Settings};

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::load()?;
    let filter = tracing_subscriber::EnvFilter::try_new(&settings.log)?;
    if settings.log_json {
        tracing_subscriber::fmt().json().with_env_filter(filter).init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
    let app = Application::build(settings).await?;
    tracing::info!(port = app.port(), "disrupt-api listening");
    app.run_until_stopped().await?;
    Ok(())
}
