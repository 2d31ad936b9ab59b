//! The `disrupt` command line: hash media on this device and talk to a disrupt server.

mod admin;
mod audit;
mod config;
mod forwards;
mod hash;
mod hosts;
mod notices;
mod receipt;
mod render;
mod review;
mod server;
mod stats;

use render::errln;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "disrupt",
    version,
    about = "Hash intimate images and videos on your own device, and talk to a disrupt server.",
    long_about = "disrupt computes perceptual (PDQ, per-frame PDQ for video) and exact (MD5, SHA-256) hashes \
                  locally. Only hashes ever leave this device.",
    after_help = "The commands that talk to a server take --server (DISRUPT_SERVER) and --api-key \
                  (DISRUPT_API_KEY), else `server` and `api_key` from the config file: --config \
                  (DISRUPT_CONFIG_FILE), by default ~/.config/disrupt/config.toml. Errors print the server's \
                  error code and exit with code 2."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Hash files and folders locally (folders are walked recursively). Nothing is sent anywhere.
    Hash(hash::HashArgs),
    /// Victims: hash images and videos here and submit only the hashes as a case; keeps its id and secret.
    Submit(server::SubmitArgs),
    /// Victims: the state of a case you submitted and what platforms did with it.
    Status(server::CaseArgs),
    /// Victims: withdraw a case; its hashes leave the list everywhere.
    Withdraw(server::CaseArgs),
    /// Anyone: verify a victim's signed receipt offline.
    Receipt(receipt::ReceiptArgs),
    /// Platforms: hash files here and ask the match API whether they are on the list.
    Match(server::MatchArgs),
    /// Platforms: keep a local copy of the list up to date from the delta feed.
    Sync(server::SyncArgs),
    /// Analysts: the review queue, and decisions on entries, cases and reported URLs.
    Review(review::ReviewArgs),
    /// Takedown notices: analysts send them, platforms acknowledge and answer them.
    Notices(notices::NoticesArgs),
    /// Analysts: the hosts directory (where each host's notices go: an abuse address, or the API).
    Hosts(hosts::HostsArgs),
    /// Analysts: the forwards of cases to the authorities, exported to file (JSON or CSV).
    Forwards(forwards::ForwardsArgs),
    /// Admins: API keys, lists, the audit log and the trusted-flagger report.
    Admin(admin::AdminArgs),
    /// Auditors: verify an exported audit log offline (no server, no key).
    Audit(audit::AuditArgs),
    /// The public statistics (no key needed); counts under the server's minimum show as `<minimum`.
    Stats(stats::StatsArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Hash(args) => hash::run(args),
        Command::Submit(args) => server::submit(args),
        Command::Status(args) => server::status(args),
        Command::Withdraw(args) => server::withdraw(args),
        Command::Receipt(args) => receipt::run(args),
        Command::Match(args) => server::match_files(args),
        Command::Sync(args) => server::sync(args),
        Command::Review(args) => review::run(args),
        Command::Notices(args) => notices::run(args),
        Command::Hosts(args) => hosts::run(args),
        Command::Forwards(args) => forwards::run(args),
        Command::Admin(args) => admin::run(args),
        Command::Audit(args) => audit::run(args),
        Command::Stats(args) => stats::run(args),
    };
    match result {
        Ok(code) => code,
        // The reader went away (`disrupt ... | head`): nothing left to say, as ripgrep does.
        Err(e) if render::is_stdout_closed(&e) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            errln!("disrupt: {}", describe(&e));
            std::process::ExitCode::from(2)
        }
    }
}

/// The error and its causes, each said once (an HTTP error's text already holds its first cause's).
fn describe(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain().map(ToString::to_string) {
        if !text.contains(&cause) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&cause);
        }
    }
    text
}
