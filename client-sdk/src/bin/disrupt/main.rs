//! The `disrupt` command line: hash media on this device and talk to a disrupt server.

mod hash;
mod server;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "disrupt",
    version,
    about = "Hash intimate images and videos on your own device, and talk to a disrupt server.",
    long_about = "disrupt computes perceptual (PDQ, per-frame PDQ for video) and exact (MD5, SHA-256) hashes \
                  locally. Only hashes ever leave this device."
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
    /// Platforms: hash files here and ask the match API whether they are on the list.
    Match(server::MatchArgs),
    /// Platforms: keep a local copy of the list up to date from the delta feed.
    Sync(server::SyncArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Hash(args) => hash::run(args),
        Command::Submit(args) => server::submit(args),
        Command::Status(args) => server::status(args),
        Command::Withdraw(args) => server::withdraw(args),
        Command::Match(args) => server::match_files(args),
        Command::Sync(args) => server::sync(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("disrupt: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}
