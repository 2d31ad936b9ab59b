//! `disrupt-api`: loads settings, initialises tracing, builds the application and runs it; or runs one of the
//! admin commands against the same settings and Redis.

use clap::{Parser, Subcommand};
use disrupt_api::{Application, admin_cli, settings::Settings};

/// The disrupt server. Configuration comes from `DISRUPT_*` variables and the file named by `DISRUPT_CONFIG`.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve,
    /// Create an admin API key and print it once (only its keyed hash is stored).
    CreateAdminKey {
        /// Who holds the key (shown in key listings and the audit log).
        #[arg(long)]
        name: String,
    },
    /// Verify the audit log's SHA-256 chain (in the server's Redis, or in an export with --file); exits with an
    /// error naming the first record that does not verify.
    VerifyAudit {
        /// A JSON-lines export (`GET /v1/admin/audit/export`) to verify instead of the live log.
        #[arg(long)]
        file: Option<std::path::PathBuf>,
    },
}

/// A failure to start says what went wrong in one line (with its causes), not as a `Debug` dump with a backtrace.
fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("disrupt-api: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[actix_web::main]
async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::load()?;
    let filter = tracing_subscriber::EnvFilter::try_new(&settings.log)?;
    // Logs go to stderr so that commands can print their result alone on stdout.
    if settings.log_json {
        tracing_subscriber::fmt().json().with_writer(std::io::stderr).with_env_filter(filter).init();
    } else {
        tracing_subscriber::fmt().with_writer(std::io::stderr).with_env_filter(filter).init();
    }
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(settings).await?;
            tracing::info!(port = app.port(), "disrupt-api listening");
            app.run_until_stopped().await?;
        }
        Command::CreateAdminKey { name } => {
            let key = admin_cli::run_create_admin_key(&settings, &name).await?;
            println!("{key}");
        }
        Command::VerifyAudit { file } => {
            let summary = admin_cli::run_verify_audit(&settings, file.as_deref()).await?;
            println!("{summary}");
        }
    }
    Ok(())
}
