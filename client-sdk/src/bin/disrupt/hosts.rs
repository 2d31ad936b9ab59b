//! `disrupt hosts`: the hotline's hosts directory, where each host's notices go (an abuse address for e-mail, or
//! a platform key reading them through the API) and in which language.

use std::process::ExitCode;

use disrupt_openapi::notices::{HostContact, HostContactRequest, Lang};

use crate::render::{self, OutputArgs, Table, outln, wire, wire_value};
use crate::server::{ServerArgs, runtime};

/// Arguments of `disrupt hosts`.
#[derive(clap::Args)]
#[command(after_help = "Examples:
  disrupt hosts list
  disrupt hosts set forum.example --email abuse@forum.example --lang en   its notices go by e-mail, in English
  disrupt hosts set video-host.example --api                              a platform key reads them
  disrupt hosts show forum.example
  disrupt hosts delete forum.example                                       admins")]
pub struct HostsArgs {
    #[command(subcommand)]
    command: HostsCommand,
    #[command(flatten)]
    server: ServerArgs,
}

#[derive(clap::Subcommand)]
enum HostsCommand {
    /// Every host of the directory (analysts and admins).
    List(ListArgs),
    /// One host's entry.
    Show(HostArgs),
    /// Set or correct a host's contact (replaces the whole entry; audited).
    Set(SetArgs),
    /// Remove a host (admins; audited): its next notices go through the API.
    Delete(HostArgs),
}

#[derive(clap::Args)]
struct ListArgs {
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(clap::Args)]
struct HostArgs {
    /// The host, lower case, without `www.` (it covers its subdomains).
    host: String,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(clap::Args)]
struct SetArgs {
    /// The host, lower case, without `www.` (it covers its subdomains).
    host: String,
    /// Its abuse address: notices go there by e-mail unless `--api`.
    #[arg(long)]
    email: Option<String>,
    /// The language of its notices.
    #[arg(long, value_parser = wire_value::<Lang>(&["fr", "en"]))]
    lang: Option<Lang>,
    /// A platform key serves it: notices are read through the API, not e-mailed.
    #[arg(long)]
    api: bool,
    #[command(flatten)]
    output: OutputArgs,
}

/// Runs `disrupt hosts ...`.
pub fn run(args: HostsArgs) -> anyhow::Result<ExitCode> {
    let client = args.server.resolve()?.keyed_client("the hosts directory")?;
    let rt = runtime()?;
    let (host, json) = match args.command {
        HostsCommand::List(a) => {
            let list = rt.block_on(client.list_hosts())?;
            if a.output.json {
                render::print_json(&list)?;
            } else if list.hosts.is_empty() {
                outln!("no host");
            } else {
                let mut table = Table::new(&["HOST", "CHANNEL", "ABUSE ADDRESS", "LANGUAGE", "UPDATED"]);
                for h in &list.hosts {
                    table.row(row(h));
                }
                table.print()?;
            }
            return Ok(ExitCode::SUCCESS);
        }
        HostsCommand::Show(a) => (rt.block_on(client.get_host(&a.host))?, a.output.json),
        HostsCommand::Set(a) => {
            let request = HostContactRequest { abuse_email: a.email, lang: a.lang, api_integrated: a.api };
            (rt.block_on(client.set_host(&a.host, &request))?, a.output.json)
        }
        HostsCommand::Delete(a) => {
            rt.block_on(client.delete_host(&a.host))?;
            if !a.output.json {
                outln!("{} removed", a.host);
            }
            return Ok(ExitCode::SUCCESS);
        }
    };
    if json {
        render::print_json(&host)?;
    } else {
        let mut table = Table::new(&["HOST", "CHANNEL", "ABUSE ADDRESS", "LANGUAGE", "UPDATED"]);
        table.row(row(&host));
        table.print()?;
    }
    Ok(ExitCode::SUCCESS)
}

fn row(h: &HostContact) -> Vec<String> {
    let channel = if h.api_integrated || h.abuse_email.is_none() { "api" } else { "email" };
    vec![
        h.host.clone(),
        channel.into(),
        h.abuse_email.clone().unwrap_or_else(|| "-".into()),
        h.lang.map_or_else(|| "-".into(), |l| wire(&l)),
        render::time(h.updated_at),
    ]
}
