//! `disrupt forwards`: analysts record that a case went to the authorities (PHAROS, INHOPE/ICCAM, NCMEC) with
//! their reference, and export the forwards to file.

use std::process::ExitCode;

use disrupt_hotline::forwards::{authority_name, to_csv};
use disrupt_hotline::time::parse_date;
use disrupt_openapi::forwards::{Authority, Forward, ForwardQuery, ForwardRequest};

use crate::render::{self, OutputArgs, Table, outln, wire_value};
use crate::server::{ServerArgs, runtime};

/// Arguments of `disrupt forwards`.
#[derive(clap::Args)]
#[command(after_help = "Examples:
  disrupt forwards record CASE_ID --authority pharos --reference PH-2026-004211
  disrupt forwards record CASE_ID --authority inhope --reference ICCAM-88812 --url 0,2 --date 2026-12-01
  disrupt forwards show CASE_ID
  disrupt forwards export --from 2026-01-01 --to 2027-01-01 --csv > forwards-2026.csv")]
pub struct ForwardsArgs {
    #[command(subcommand)]
    command: ForwardsCommand,
    #[command(flatten)]
    server: ServerArgs,
}

#[derive(clap::Subcommand)]
enum ForwardsCommand {
    /// Record a forward you made through the authority's own channel (audited). A minor's case stays flagged in
    /// the review queue until one is recorded.
    Record(RecordArgs),
    /// A case's forwards.
    Show(ShowArgs),
    /// Every forward of a period in your lists, oldest first (all of them, answer after answer).
    Export(ExportArgs),
}

const AUTHORITIES: &[&str] = &["pharos", "inhope", "ncmec"];

#[derive(clap::Args)]
struct RecordArgs {
    /// The case id.
    case_id: String,
    /// pharos (illegal content, France), inhope (ICCAM: child sexual abuse material hosted abroad; minor cases
    /// only), ncmec (US platforms).
    #[arg(long, value_parser = wire_value::<Authority>(AUTHORITIES))]
    authority: Authority,
    /// The authority's reference for the report.
    #[arg(long)]
    reference: String,
    /// Indexes of the case's URLs forwarded (as `disrupt review case` numbers them) [default: the whole case].
    #[arg(long = "url", value_delimiter = ',', value_name = "INDEX")]
    urls: Vec<usize>,
    /// The day it was forwarded, YYYY-MM-DD (UTC) [default: now].
    #[arg(long)]
    date: Option<String>,
    /// A note kept with it.
    #[arg(long)]
    note: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(clap::Args)]
struct ShowArgs {
    /// The case id.
    case_id: String,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(clap::Args)]
struct ExportArgs {
    /// Forwarded on or after this day, YYYY-MM-DD (UTC).
    #[arg(long)]
    from: Option<String>,
    /// Forwarded before this day, YYYY-MM-DD (UTC).
    #[arg(long)]
    to: Option<String>,
    /// Only this authority's.
    #[arg(long, value_parser = wire_value::<Authority>(AUTHORITIES))]
    authority: Option<Authority>,
    /// CSV to file (one forward a line) instead of a table.
    #[arg(long, conflicts_with = "json")]
    csv: bool,
    #[command(flatten)]
    output: OutputArgs,
}

fn day(text: Option<&str>, flag: &str) -> anyhow::Result<Option<u64>> {
    text.map(|t| parse_date(t).ok_or_else(|| anyhow::anyhow!("{flag} is a date, YYYY-MM-DD, not {t:?}"))).transpose()
}

/// Runs `disrupt forwards ...`.
pub fn run(args: ForwardsArgs) -> anyhow::Result<ExitCode> {
    let client = args.server.resolve()?.keyed_client("recording forwards")?;
    let rt = runtime()?;
    match args.command {
        ForwardsCommand::Record(a) => {
            let at = day(a.date.as_deref(), "--date")?;
            let request =
                ForwardRequest { authority: a.authority, reference: a.reference, urls: a.urls, at, note: a.note };
            let forward = rt.block_on(client.record_forward(&a.case_id, &request))?;
            if a.output.json {
                return render::print_json(&forward).map(|()| ExitCode::SUCCESS);
            }
            outln!(
                "forward {} recorded: case {} to {}, reference {}",
                forward.id,
                forward.case_id,
                authority_name(forward.authority),
                forward.reference
            );
        }
        ForwardsCommand::Show(a) => {
            let list = rt.block_on(client.case_forwards(&a.case_id))?;
            if a.output.json {
                return render::print_json(&list).map(|()| ExitCode::SUCCESS);
            }
            print_forwards(&list.forwards)?;
        }
        ForwardsCommand::Export(a) => {
            let mut query = ForwardQuery {
                from: day(a.from.as_deref(), "--from")?,
                to: day(a.to.as_deref(), "--to")?,
                authority: a.authority,
            };
            let mut forwards = Vec::new();
            loop {
                let page = rt.block_on(client.export_forwards(&query))?;
                forwards.extend(page.forwards);
                match page.next_from.filter(|_| page.has_more) {
                    Some(next) => query.from = Some(next),
                    None => break,
                }
            }
            if a.csv {
                render::write_out(&to_csv(&forwards)?)?;
            } else if a.output.json {
                render::print_json(&forwards)?;
            } else {
                print_forwards(&forwards)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_forwards(forwards: &[Forward]) -> anyhow::Result<()> {
    if forwards.is_empty() {
        outln!("no forward recorded");
        return Ok(());
    }
    let mut table = Table::new(&["FORWARDED", "AUTHORITY", "REFERENCE", "CASE", "CATEGORY", "URLS", "BY"]);
    for f in forwards {
        table.row(vec![
            render::time(f.forwarded_at),
            authority_name(f.authority).to_owned(),
            f.reference.clone(),
            f.case_id.clone(),
            f.category.as_str().to_owned(),
            if f.urls.is_empty() { "whole case".to_owned() } else { f.urls.join(" ") },
            f.recorded_by.clone(),
        ]);
    }
    table.print()?;
    Ok(())
}
