//! `disrupt audit`: what an auditor checks without the server or a key. `verify` reads an export of the audit
//! log and checks its SHA-256 chain with the same code the server verifies its own log with
//! (`disrupt_hotline::audit`).

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use disrupt_hotline::audit::verify_json_lines;
use disrupt_openapi::audit::{AuditHead, AuditVerification};

use crate::render::{self, OutputArgs, outln};

/// Arguments of `disrupt audit`.
#[derive(clap::Args)]
#[command(after_help = "Examples:
  disrupt admin audit export -o audit.jsonl    an admin exports the log from the server
  disrupt audit verify audit.jsonl             anyone holding the file checks it, offline
  disrupt audit verify - < audit.jsonl")]
pub struct AuditArgs {
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(clap::Subcommand)]
enum AuditCommand {
    /// Verify an exported audit log (JSON lines, from `disrupt admin audit export` or `GET /v1/admin/audit/export`)
    /// offline: exit code 0 when every record hashes to its stored hash and links to the one before, 1 naming the
    /// first record that was changed, removed, reordered or inserted. A log cut short after its last good record
    /// still verifies: compare the head printed with the one the server shows (`disrupt admin audit`).
    Verify(VerifyArgs),
}

#[derive(clap::Args)]
struct VerifyArgs {
    /// The export; `-` reads it from stdin.
    file: PathBuf,
    #[command(flatten)]
    output: OutputArgs,
}

/// Runs `disrupt audit ...`.
pub fn run(args: AuditArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        AuditCommand::Verify(a) => verify(&a),
    }
}

fn verify(args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let reader: Box<dyn BufRead> = if args.file.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(&args.file).with_context(|| args.file.display().to_string())?;
        Box::new(std::io::BufReader::new(file))
    };
    let verdict = verify_json_lines(reader, None);
    if args.output.json {
        // The same answer as the server's `GET /v1/admin/audit/verify`, so scripts read both alike.
        let wire = match &verdict {
            Ok(head) => AuditVerification {
                ok: true,
                head: Some(AuditHead { seq: head.seq, hash: hex::encode(head.hash) }),
                broken_at: None,
                problem: None,
            },
            Err(broken) => AuditVerification {
                ok: false,
                head: None,
                broken_at: Some(broken.seq),
                problem: Some(broken.reason.to_string()),
            },
        };
        render::print_json(&wire)?;
    } else {
        match &verdict {
            Ok(head) => outln!("audit log verified: {} records, head {}", head.seq, hex::encode(head.hash)),
            Err(broken) => outln!("audit log BROKEN at record {}: {}", broken.seq, broken.reason),
        }
    }
    Ok(if verdict.is_ok() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
