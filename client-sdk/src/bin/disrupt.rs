//! The `disrupt` command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "disrupt",
    version,
    about = "Hash intimate images on your own device and talk to a disrupt server"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Hash files and folders locally.
    Hash {
        /// Files or folders.
        paths: Vec<PathBuf>,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Hash { paths } => {
            for p in paths {
                let d = disrupt_client::local::digest_file(&p)?;
                println!("{}  {}  {}", d.md5, d.sha256, p.display());
            }
        }
    }
    Ok(())
}
