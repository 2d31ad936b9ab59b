//! `disrupt admin`: API keys, lists, the tamper-evident audit log and the yearly trusted-flagger report. Every
//! command here needs an admin key.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use disrupt_openapi::admin::{ApiKeyInfo, CreateApiKeyRequest, CreateListRequest};
use disrupt_openapi::audit::AuditPage;
use disrupt_openapi::model::Role;

use crate::render::{self, OutputArgs, Table, errln, outln, wire, wire_value};
use crate::server::{ServerArgs, runtime};

/// Arguments of `disrupt admin`.
#[derive(clap::Args)]
#[command(after_help = "Examples:
  disrupt admin keys create --name ExampleTube --role platform --list ncii --host example.com
  disrupt admin keys create --name Ana --role analyst --list ncii
  disrupt admin keys revoke KEY_ID
  disrupt admin audit verify                         exit code 1 if a record was changed or removed
  disrupt admin audit export -o audit.jsonl
  disrupt audit verify audit.jsonl                   the export, offline: no server, no key
  disrupt admin report --year 2025 > trusted-flagger-2025.csv")]
pub struct AdminArgs {
    #[command(subcommand)]
    command: AdminCommand,
    #[command(flatten)]
    server: ServerArgs,
}

#[derive(clap::Subcommand)]
enum AdminCommand {
    /// API keys of platforms, analysts and admins.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// The hash lists.
    #[command(subcommand)]
    Lists(ListsCommand),
    /// The audit log: a page of it, or (subcommands) its export or the verification of its SHA-256 chain.
    Audit(AuditArgs),
    /// The yearly DSA Article 22 trusted-flagger report, as CSV on stdout.
    Report(ReportArgs),
}

#[derive(clap::Subcommand)]
enum KeysCommand {
    /// Create a key. The key itself is printed once, on stdout, and never again: the server keeps only its HMAC.
    Create(CreateKeyArgs),
    /// Every key (revoked ones too), never their secrets.
    List(OutputArgs),
    /// Revoke a key: it stops working at once.
    Revoke(RevokeKeyArgs),
}

#[derive(clap::Args)]
struct CreateKeyArgs {
    /// Who holds the key (a platform's or an analyst's name).
    #[arg(long)]
    name: String,
    /// What the key may do.
    #[arg(long, value_parser = wire_value::<Role>(&["platform", "analyst", "admin"]))]
    role: Role,
    /// A list the key may use (platforms, analysts); repeat for several. Admins may use every list.
    #[arg(long = "list", value_name = "LIST")]
    lists: Vec<String>,
    /// A host the platform serves (`example.com` covers its subdomains): takedown notices for URLs on it are
    /// readable with this key. Repeat for several.
    #[arg(long = "host", value_name = "HOST")]
    hosts: Vec<String>,
    /// The key may open victims' contacts (analyst and admin keys; every opening is audited).
    #[arg(long)]
    contact_access: bool,
    /// Print the key and its description as JSON instead of the key alone.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct RevokeKeyArgs {
    /// The key's public id (the part between `dk_` and the secret; `disrupt admin keys list` shows it).
    key_id: String,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(clap::Subcommand)]
enum ListsCommand {
    /// Create a list.
    Create(CreateListArgs),
    /// The names of every list, one per line.
    List(OutputArgs),
}

#[derive(clap::Args)]
struct CreateListArgs {
    /// Its name: 1 to 32 of a-z, 0-9, `_` and `-`.
    name: String,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(clap::Args)]
struct AuditArgs {
    #[command(subcommand)]
    command: Option<AuditCommand>,
    /// First sequence number to show [server default: 1].
    #[arg(long)]
    from: Option<u64>,
    /// Records to show, 1 to 1000 [server default: 100].
    #[arg(long)]
    limit: Option<usize>,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(clap::Subcommand)]
enum AuditCommand {
    /// The whole log as JSON lines, one record per line exactly as stored (the export itself is audited).
    /// Verify a copy offline with `disrupt audit verify FILE`.
    Export(ExportArgs),
    /// Verify the whole chain on the server: exit code 0 when every record links to the one before and the log
    /// ends at the recorded head, 1 naming the first record that was changed or removed.
    Verify(OutputArgs),
}

#[derive(clap::Args)]
struct ExportArgs {
    /// Write to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(clap::Args)]
struct ReportArgs {
    /// The calendar year (UTC) of the notices.
    #[arg(long)]
    year: i32,
}

/// Runs `disrupt admin ...`.
pub fn run(args: AdminArgs) -> anyhow::Result<ExitCode> {
    let client = args.server.resolve()?.keyed_client("administration")?;
    let rt = runtime()?;
    match args.command {
        AdminCommand::Keys(KeysCommand::Create(a)) => {
            let request = CreateApiKeyRequest {
                name: a.name,
                role: a.role,
                lists: a.lists,
                hosts: a.hosts,
                contact_access: a.contact_access,
            };
            let created = rt.block_on(client.create_api_key(&request))?;
            if a.json {
                render::print_json(&created)?;
            } else {
                outln!("{}", created.key);
            }
            errln!(
                "Created key {} for {} ({}). This is the only time the key is shown: hand it to its holder over a \
                 secure channel.",
                created.info.id,
                created.info.name,
                describe_scope(&created.info)
            );
        }
        AdminCommand::Keys(KeysCommand::List(output)) => {
            let keys = rt.block_on(client.list_api_keys())?;
            if output.json {
                return render::print_json(&keys).map(|()| ExitCode::SUCCESS);
            }
            let mut table = Table::new(&["ID", "NAME", "ROLE", "LISTS", "HOSTS", "CREATED", "REVOKED"]);
            for key in &keys.keys {
                table.row(vec![
                    key.id.clone(),
                    key.name.clone(),
                    wire(&key.role),
                    joined(&key.lists),
                    joined(&key.hosts),
                    render::time(key.created_at),
                    render::maybe_time(key.revoked_at),
                ]);
            }
            table.print()?;
        }
        AdminCommand::Keys(KeysCommand::Revoke(a)) => {
            let key = rt.block_on(client.revoke_api_key(&a.key_id))?;
            if a.output.json {
                return render::print_json(&key).map(|()| ExitCode::SUCCESS);
            }
            outln!("key {} ({}) revoked at {}", key.id, key.name, render::maybe_time(key.revoked_at));
        }
        AdminCommand::Lists(ListsCommand::Create(a)) => {
            let lists = rt.block_on(client.create_list(&CreateListRequest { name: a.name }))?;
            print_lists(&lists.lists, a.output.json)?;
        }
        AdminCommand::Lists(ListsCommand::List(output)) => {
            let lists = rt.block_on(client.list_lists())?;
            print_lists(&lists.lists, output.json)?;
        }
        AdminCommand::Audit(AuditArgs { command: None, from, limit, output }) => {
            let page = rt.block_on(client.read_audit(from, limit))?;
            if output.json {
                return render::print_json(&page).map(|()| ExitCode::SUCCESS);
            }
            print_audit(&page)?;
        }
        AdminCommand::Audit(AuditArgs { command: Some(_), from, limit, output })
            if from.is_some() || limit.is_some() || output.json =>
        {
            // Given before `export` or `verify`, these belong to the page view and would be ignored.
            anyhow::bail!(
                "--from, --limit and --json before `export` or `verify` belong to `disrupt admin audit` alone"
            );
        }
        AdminCommand::Audit(AuditArgs { command: Some(AuditCommand::Export(a)), .. }) => {
            let lines = rt.block_on(client.export_audit())?;
            match a.output {
                Some(path) => {
                    std::fs::write(&path, &lines).with_context(|| path.display().to_string())?;
                    errln!("{} audit records written to {}", lines.lines().count(), path.display());
                }
                None => render::write_out(&lines)?,
            }
        }
        AdminCommand::Audit(AuditArgs { command: Some(AuditCommand::Verify(output)), .. }) => {
            let verdict = rt.block_on(client.verify_audit())?;
            if output.json {
                render::print_json(&verdict)?;
            } else if verdict.ok {
                match &verdict.head {
                    Some(head) => outln!("audit log verified: {} records, head {}", head.seq, head.hash),
                    None => outln!("audit log verified"),
                }
            } else {
                let at = verdict.broken_at.map_or_else(|| "an unknown record".into(), |seq| format!("record {seq}"));
                let problem = verdict.problem.as_deref().unwrap_or("no reason given");
                outln!("audit log BROKEN at {at}: {problem}");
            }
            if !verdict.ok {
                return Ok(ExitCode::from(1));
            }
        }
        AdminCommand::Report(a) => {
            render::write_out(&rt.block_on(client.trusted_flagger_report(a.year))?)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn joined(items: &[String]) -> String {
    if items.is_empty() { "-".into() } else { items.join(",") }
}

fn describe_scope(info: &ApiKeyInfo) -> String {
    let mut scope = format!("role {}", wire(&info.role));
    if !info.lists.is_empty() {
        scope.push_str(&format!(", lists {}", info.lists.join(",")));
    }
    if !info.hosts.is_empty() {
        scope.push_str(&format!(", hosts {}", info.hosts.join(",")));
    }
    if info.contact_access {
        scope.push_str(", opens contacts");
    }
    scope
}

fn print_lists(lists: &[String], json: bool) -> anyhow::Result<()> {
    if json {
        return render::print_json(&serde_json::json!({ "lists": lists }));
    }
    for list in lists {
        outln!("{list}");
    }
    Ok(())
}

fn print_audit(page: &AuditPage) -> anyhow::Result<()> {
    let mut table = Table::new(&["SEQ", "TIME", "ROLE", "KEY", "ACTION", "TARGET", "DETAILS"]);
    for record in &page.records {
        let e = &record.entry;
        let details: Vec<String> = e.details.iter().map(|(k, v)| format!("{k}={v}")).collect();
        table.row(vec![
            e.seq.to_string(),
            render::time(e.time),
            e.actor.role.to_string(),
            e.actor.key_id.clone().unwrap_or_else(|| "-".into()),
            e.action.to_string(),
            e.target.clone(),
            if details.is_empty() { "-".into() } else { details.join(" ") },
        ]);
    }
    table.print()?;
    outln!("head: record {} {}", page.head.seq, page.head.hash);
    if let Some(last) = page.records.last()
        && last.entry.seq < page.head.seq
    {
        outln!("more: disrupt admin audit --from {}", last.entry.seq + 1);
    }
    Ok(())
}
