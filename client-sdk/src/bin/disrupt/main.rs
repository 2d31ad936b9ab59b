//! The `disrupt` command line: hash media on this device and talk to a disrupt server.

mod hash;

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
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Hash(args) => hash::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("disrupt: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}
