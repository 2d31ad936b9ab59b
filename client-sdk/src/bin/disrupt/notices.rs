//! `disrupt notices`: takedown notices. Analysts send the drafts `disrupt review urls` produced; the platform whose
//! key serves the host reads, acknowledges and answers them.

use std::process::ExitCode;

use disrupt_openapi::notices::{
    Notice, NoticeDecisionRequest, NoticeOutcome, NoticeOutcomeRequest, NoticeState, PlatformDecision,
};

use crate::render::{self, OutputArgs, Table, outln, wire, wire_value};
use crate::server::{ServerArgs, runtime};

/// Arguments of `disrupt notices`.
#[derive(clap::Args)]
#[command(after_help = "Examples:
  disrupt notices list --state sent                  platforms: notices waiting for you (every page)
  disrupt notices list --max 20                      the 20 newest
  disrupt notices show NOTICE_ID                     the full text
  disrupt notices ack NOTICE_ID
  disrupt notices decide NOTICE_ID --decision removed --reason 'video deleted'
  disrupt notices send NOTICE_ID                     analysts: send a draft (by e-mail or to the platform)
  disrupt notices outcome NOTICE_ID --outcome removed --date 2026-12-01 --note 'e-mail reply of the host'")]
pub struct NoticesArgs {
    #[command(subcommand)]
    command: NoticesCommand,
    #[command(flatten)]
    server: ServerArgs,
}

#[derive(clap::Subcommand)]
enum NoticesCommand {
    /// The notices your key may read, newest first (every page): a platform, those sent for the hosts it serves;
    /// analysts, their lists'; admins, all of them.
    List(ListArgs),
    /// One notice, with its full text.
    Show(NoticeArgs),
    /// Analysts: send a draft; from now on the platform reads it, and disrupt counts the time to removal and
    /// reminds the platform every 48 hours until it decides.
    Send(NoticeArgs),
    /// Platforms: acknowledge receipt of a notice (repeating it changes nothing).
    Ack(NoticeArgs),
    /// Platforms: report the decision on a notice; this closes it.
    Decide(DecideArgs),
    /// Analysts: record an outcome received outside the API (an e-mail reply, a web form) or no answer.
    Outcome(OutcomeArgs),
}

#[derive(clap::Args)]
struct OutcomeArgs {
    /// The notice id.
    notice_id: String,
    /// `removed`, `rejected`, or `no_answer`.
    #[arg(long, value_parser = wire_value::<NoticeOutcome>(&["removed", "rejected", "no_answer"]))]
    outcome: NoticeOutcome,
    /// The day it happened, `YYYY-MM-DD` (UTC) [default: now].
    #[arg(long)]
    date: Option<String>,
    /// Where the answer came from and what it said (at most 2000 characters).
    #[arg(long)]
    note: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(clap::Args)]
struct ListArgs {
    /// Only notices in this state.
    #[arg(long, value_parser = wire_value::<NoticeState>(&["draft", "sent", "acknowledged", "removed", "rejected", "no_answer"]))]
    state: Option<NoticeState>,
    /// Stop after this many notices (the JSON output then carries `next_cursor`).
    #[arg(long)]
    max: Option<usize>,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(clap::Args)]
struct NoticeArgs {
    /// The notice id (its reference in the text).
    notice_id: String,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(clap::Args)]
struct DecideArgs {
    /// The notice id.
    notice_id: String,
    /// `removed`: the content is removed or access to it disabled; `rejected`: it stays up.
    #[arg(long, value_parser = wire_value::<PlatformDecision>(&["removed", "rejected"]))]
    decision: PlatformDecision,
    /// Why, at most 1000 characters (recommended when rejecting).
    #[arg(long)]
    reason: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
}

/// Runs `disrupt notices ...`.
pub fn run(args: NoticesArgs) -> anyhow::Result<ExitCode> {
    let client = args.server.resolve()?.keyed_client("notices")?;
    let rt = runtime()?;
    let (notice, json) = match args.command {
        NoticesCommand::List(a) => {
            let list = rt.block_on(client.list_notices_up_to(a.state, a.max, None))?;
            if a.output.json {
                render::print_json(&list)?;
            } else if list.notices.is_empty() {
                outln!("no notice");
            } else {
                let mut table = Table::new(&["NOTICE", "STATE", "HOST", "URLS", "SENT", "REMINDERS", "CASE"]);
                for n in &list.notices {
                    table.row(vec![
                        n.id.clone(),
                        wire(&n.state),
                        n.host.clone(),
                        n.urls.len().to_string(),
                        render::maybe_time(n.sent_at),
                        n.reminders.to_string(),
                        n.case_id.clone().unwrap_or_else(|| "-".into()),
                    ]);
                }
                table.print()?;
            }
            return Ok(ExitCode::SUCCESS);
        }
        NoticesCommand::Show(a) => {
            let notice = rt.block_on(client.get_notice(&a.notice_id))?;
            if a.output.json {
                render::print_json(&notice)?;
            } else {
                print_notice(&notice)?;
                outln!("\nSubject: {}\n\n{}", notice.subject, notice.body.trim_end());
            }
            return Ok(ExitCode::SUCCESS);
        }
        NoticesCommand::Send(a) => (rt.block_on(client.send_notice(&a.notice_id))?, a.output.json),
        NoticesCommand::Ack(a) => (rt.block_on(client.acknowledge_notice(&a.notice_id))?, a.output.json),
        NoticesCommand::Decide(a) => {
            let request = NoticeDecisionRequest { decision: a.decision, reason: a.reason };
            (rt.block_on(client.decide_notice(&a.notice_id, &request))?, a.output.json)
        }
        NoticesCommand::Outcome(a) => {
            let at = match a.date.as_deref() {
                None => disrupt_hotline::time::now_ms(),
                Some(text) => disrupt_hotline::time::parse_date(text)
                    .ok_or_else(|| anyhow::anyhow!("--date is YYYY-MM-DD, not {text:?}"))?,
            };
            let request = NoticeOutcomeRequest { outcome: a.outcome, at, note: a.note };
            (rt.block_on(client.record_notice_outcome(&a.notice_id, &request))?, a.output.json)
        }
    };
    if json {
        render::print_json(&notice)?;
    } else {
        print_notice(&notice)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Everything but the text: state, host, URLs, timeline.
fn print_notice(n: &Notice) -> anyhow::Result<()> {
    outln!("notice {}: {}", n.id, wire(&n.state));
    outln!("host: {}", n.host);
    for url in &n.urls {
        outln!("url: {url}");
    }
    outln!("ground: {} ({}), language {}", wire(&n.ground), n.citation, wire(&n.lang));
    if let Some(case) = &n.case_id {
        outln!("case: {case}");
    }
    outln!("created: {}", render::time(n.created_at));
    let steps = [("sent", n.sent_at), ("acknowledged", n.acknowledged_at), ("decided", n.decided_at)];
    for (step, at) in steps {
        if let Some(at) = at {
            outln!("{step}: {}", render::time(at));
        }
    }
    if let Some(reason) = &n.decision_reason {
        outln!("reason: {reason}");
    }
    if let Some(ms) = n.time_to_removal_ms {
        outln!("time to removal: {}", render::duration(ms));
    }
    if n.reminders > 0 {
        outln!("reminders: {} (last {})", n.reminders, render::maybe_time(n.last_reminded_at));
    }
    if let Some(channel) = n.channel {
        outln!(
            "channel: {}{}",
            wire(&channel),
            n.email_to.as_deref().map(|to| format!(" to {to}")).unwrap_or_default()
        );
    }
    if let Some(note) = &n.outcome_note {
        outln!("outcome note: {note}");
    }
    for step in &n.history {
        let mut line = format!("{} {}", render::time(step.at), wire(&step.kind));
        if let Some(k) = step.reminder {
            line.push_str(&format!(" (reminder {k})"));
        }
        if let Some(k) = step.attempt {
            line.push_str(&format!(" attempt {k}"));
        }
        if let Some(at) = step.retry_at {
            line.push_str(&format!(", again at {}", render::time(at)));
        }
        if let Some(detail) = &step.detail {
            line.push_str(&format!(": {detail}"));
        }
        outln!("history: {line}");
    }
    Ok(())
}
