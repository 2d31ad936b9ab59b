//! `disrupt receipt`: a victim's signed receipt (`GET /v1/cases/{id}/receipt`, or the page's download). `verify`
//! checks it offline with the same code as anyone else (`disrupt_hotline::receipt`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use disrupt_hotline::receipt::verify as verify_receipt;
use disrupt_openapi::cases::Receipt;

use crate::render::outln;

/// Arguments of `disrupt receipt`.
#[derive(clap::Args)]
#[command(after_help = "Examples:
  disrupt receipt verify disrupt-receipt.json
  disrupt receipt verify --public-key HEX disrupt-receipt.json   the key the hotline publishes (GET /v1/receipts/key)")]
pub struct ReceiptArgs {
    #[command(subcommand)]
    command: ReceiptCommand,
}

#[derive(clap::Subcommand)]
enum ReceiptCommand {
    /// Verify a receipt offline: exit code 0 when its Ed25519 signature matches the document (and, with
    /// `--public-key`, was made with that key), 1 when anything in it was changed or another key signed it.
    Verify(VerifyArgs),
}

#[derive(clap::Args)]
struct VerifyArgs {
    /// The receipt (JSON).
    file: PathBuf,
    /// The hotline's published key (hex); without it, only the key the receipt names is checked.
    #[arg(long)]
    public_key: Option<String>,
}

/// Runs `disrupt receipt ...`.
pub fn run(args: ReceiptArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        ReceiptCommand::Verify(a) => verify(&a),
    }
}

fn verify(args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&args.file).with_context(|| args.file.display().to_string())?;
    let receipt: Receipt = serde_json::from_str(&text).context("not a disrupt receipt")?;
    match verify_receipt(&receipt, args.public_key.as_deref()) {
        Ok(()) => {
            let d = &receipt.document;
            outln!(
                "receipt verified: case {}, {} hashes, {} URLs, signed by key {}",
                d.case_id,
                d.hashes,
                d.urls.len(),
                receipt.public_key
            );
            if args.public_key.is_none() {
                outln!("compare that key with the one the hotline publishes (GET /v1/receipts/key)");
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => {
            outln!("receipt NOT verified: {err}");
            Ok(ExitCode::from(1))
        }
    }
}
