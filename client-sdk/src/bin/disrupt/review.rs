//! `disrupt review`: analysts' queue and decisions on entries, cases and reported URLs. Analysts never see media
//! (disrupt keeps none); they decide from the quality, near duplicates, other cases and platforms' signals shown.

use std::process::ExitCode;

use disrupt_openapi::model::EntryState;
use disrupt_openapi::notices::{Lang, LegalGround};
use disrupt_openapi::review::{
    AnalystCase, BenignSignal, CaseRejection, DecisionOutcome, EntryDecisionRequest, HostContactUpdate,
    RejectCaseRequest, RejectEntriesRequest, RejectReason, ReviewItem, ReviewQueue, ReviewUrlsRequest,
    ReviewUrlsResponse,
};

use crate::render::{self, OutputArgs, Table, outln, wire, wire_value};
use crate::server::{ServerArgs, runtime};

const REJECT_REASONS: &[&str] = &["low_quality", "popular_benign_image", "not_intimate", "duplicate", "abuse", "other"];

/// Arguments of `disrupt review`.
#[derive(clap::Args)]
#[command(after_help = "Examples:
  disrupt review queue                              the oldest pending entries of your first list
  disrupt review queue --state quarantined --json   entries held back, as JSON
  disrupt review verify 1099511627777 1099511627778
  disrupt review reject --reason popular_benign_image --note 'a meme' 1099511627779
  disrupt review case CASE_ID
  disrupt review urls CASE_ID --confirm 0,1 --dismiss 2 --lang fr
  disrupt review urls CASE_ID --confirm 3 --contact forum.example=abuse@forum.example")]
pub struct ReviewArgs {
    #[command(subcommand)]
    command: ReviewCommand,
    #[command(flatten)]
    server: ServerArgs,
}

#[derive(clap::Subcommand)]
enum ReviewCommand {
    /// The oldest entries waiting for a decision, with what there is to decide from: quality, near duplicates,
    /// other cases with the same or a near hash, platforms' feedback and the benign-image heuristic's findings.
    Queue(QueueArgs),
    /// Verify entries: platforms may then act on their matches without a human review of their own.
    Verify(DecideArgs),
    /// Reject entries: they leave the list everywhere (a tombstone in the feed).
    Reject(RejectArgs),
    /// Quarantine entries: held back from the feed and the match API until an analyst decides.
    Quarantine(DecideArgs),
    /// A case as analysts see it: category, entries, reported URLs and their review (never the victim's contact).
    Case(CaseArgs),
    /// Reject a whole case (e.g. abuse). When the hotline requires two analysts, a second, different analyst
    /// confirms it by running the same command.
    RejectCase(RejectCaseArgs),
    /// Confirm or dismiss the URLs a case reported; confirmed ones become one draft takedown notice per host
    /// (send them with `disrupt notices send`).
    Urls(UrlsArgs),
}

#[derive(clap::Args)]
struct QueueArgs {
    /// The list to review [default: your key's first list].
    #[arg(long)]
    list: Option<String>,
    /// Entries nobody reviewed yet, or entries held back by the heuristic or an analyst.
    #[arg(long, default_value = "pending", value_parser = wire_value::<EntryState>(&["pending", "quarantined"]))]
    state: EntryState,
    /// How many entries, 1 to 100 [server default: 20].
    #[arg(long)]
    limit: Option<usize>,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(clap::Args)]
struct DecideArgs {
    /// Entry ids (as `disrupt review queue` shows them), up to 500.
    #[arg(required = true, value_name = "ENTRY_ID")]
    entry_ids: Vec<u64>,
    /// A note for the hotline's records (not copied into the audit log).
    #[arg(long)]
    note: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(clap::Args)]
struct RejectArgs {
    /// Why the entries do not belong on the list.
    #[arg(long, value_parser = wire_value::<RejectReason>(REJECT_REASONS))]
    reason: RejectReason,
    /// Free text, at most 500 characters; required with `--reason other`.
    #[arg(long)]
    note: Option<String>,
    /// Entry ids (as `disrupt review queue` shows them), up to 500.
    #[arg(required = true, value_name = "ENTRY_ID")]
    entry_ids: Vec<u64>,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(clap::Args)]
struct CaseArgs {
    /// The case id (shown by `disrupt review queue`).
    case_id: String,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(clap::Args)]
struct RejectCaseArgs {
    /// The case id.
    case_id: String,
    /// Why the case does not belong on the list.
    #[arg(long, value_parser = wire_value::<RejectReason>(REJECT_REASONS))]
    reason: RejectReason,
    /// Free text, at most 500 characters; required with `--reason other`.
    #[arg(long)]
    note: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(clap::Args)]
struct UrlsArgs {
    /// The case id.
    case_id: String,
    /// Indexes of URLs to confirm (as `disrupt review case` numbers them), comma-separated or repeated.
    #[arg(long, value_delimiter = ',', value_name = "INDEX")]
    confirm: Vec<usize>,
    /// Indexes of URLs to dismiss, comma-separated or repeated.
    #[arg(long, value_delimiter = ',', value_name = "INDEX")]
    dismiss: Vec<usize>,
    /// Language of the notices [server default: fr].
    #[arg(long, value_parser = wire_value::<Lang>(&["fr", "en"]))]
    lang: Option<Lang>,
    /// The legal ground the notices cite [default: derived from the case's category].
    #[arg(long, value_parser = wire_value::<LegalGround>(&[
        "intimate_image_without_consent", "sexual_deepfake", "minor_sexual_image", "sextortion",
    ]))]
    ground: Option<LegalGround>,
    /// Set a host's abuse address in the hosts directory first, `HOST=ADDRESS` (repeatable): its notice goes
    /// there by e-mail.
    #[arg(long, value_name = "HOST=ADDRESS")]
    contact: Vec<String>,
    #[command(flatten)]
    output: OutputArgs,
}

/// Runs `disrupt review ...`.
pub fn run(args: ReviewArgs) -> anyhow::Result<ExitCode> {
    let client = args.server.resolve()?.keyed_client("reviewing")?;
    let rt = runtime()?;
    match args.command {
        ReviewCommand::Queue(a) => {
            let queue = rt.block_on(client.review_queue(a.list.as_deref(), Some(a.state), a.limit))?;
            if a.output.json {
                return render::print_json(&queue).map(|()| ExitCode::SUCCESS);
            }
            print_queue(&queue, a.state)?;
        }
        ReviewCommand::Verify(a) => {
            let request = EntryDecisionRequest { entry_ids: a.entry_ids, note: a.note };
            print_outcome(&rt.block_on(client.verify_entries(&request))?, a.output.json)?;
        }
        ReviewCommand::Quarantine(a) => {
            let request = EntryDecisionRequest { entry_ids: a.entry_ids, note: a.note };
            print_outcome(&rt.block_on(client.quarantine_entries(&request))?, a.output.json)?;
        }
        ReviewCommand::Reject(a) => {
            let request = RejectEntriesRequest { entry_ids: a.entry_ids, reason: a.reason, note: a.note };
            print_outcome(&rt.block_on(client.reject_entries(&request))?, a.output.json)?;
        }
        ReviewCommand::Case(a) => {
            let case = rt.block_on(client.analyst_case(&a.case_id))?;
            if a.output.json {
                return render::print_json(&case).map(|()| ExitCode::SUCCESS);
            }
            print_case(&case)?;
        }
        ReviewCommand::RejectCase(a) => {
            let request = RejectCaseRequest { reason: a.reason, note: a.note };
            let rejection = rt.block_on(client.reject_case(&a.case_id, &request))?;
            if a.output.json {
                return render::print_json(&rejection).map(|()| ExitCode::SUCCESS);
            }
            outln!("case {}: {}", a.case_id, describe_rejection(&rejection));
        }
        ReviewCommand::Urls(a) => {
            let contacts = a
                .contact
                .iter()
                .map(|c| {
                    let (host, email) = c
                        .split_once('=')
                        .ok_or_else(|| anyhow::anyhow!("--contact is HOST=ABUSE_ADDRESS, not {c:?}"))?;
                    Ok(HostContactUpdate {
                        host: host.to_owned(),
                        abuse_email: Some(email.to_owned()),
                        lang: None,
                        api_integrated: false,
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let request =
                ReviewUrlsRequest { confirm: a.confirm, dismiss: a.dismiss, lang: a.lang, ground: a.ground, contacts };
            let reviewed = rt.block_on(client.review_urls(&a.case_id, &request))?;
            if a.output.json {
                return render::print_json(&reviewed).map(|()| ExitCode::SUCCESS);
            }
            print_reviewed_urls(&reviewed)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_queue(queue: &ReviewQueue, state: EntryState) -> anyhow::Result<()> {
    outln!("list {}: {} {} entries, the oldest {} below", queue.list, queue.total, wire(&state), queue.items.len());
    if queue.items.is_empty() {
        return Ok(());
    }
    print_items(&queue.items, true)
}

const LEGEND: &str = "NEAR: other live entries within 31 bits (nearest: distance/state). CASES: other cases with \
                      the same/a near hash. FEEDBACK: platforms that blocked/found not violating/have yet to review. \
                      MATCHES: requests/distinct platforms/distinct days that matched it.";

/// A table of entries under review, one row each ([`item_row`]), and the legend of its columns.
fn print_items(items: &[ReviewItem], with_case: bool) -> anyhow::Result<()> {
    let own: &[&str] = if with_case { &["CATEGORY", "CASE"] } else { &["STATE"] };
    let columns: Vec<&str> = ["ENTRY", "KIND", "QUALITY"]
        .into_iter()
        .chain(own.iter().copied())
        .chain(["SUBMITTED", "NEAR", "CASES", "FEEDBACK", "MATCHES", "FLAGS"])
        .collect();
    let mut table = Table::new(&columns);
    for item in items {
        table.row(item_row(item, with_case));
    }
    table.print()?;
    outln!("{LEGEND}");
    Ok(())
}

fn item_row(item: &ReviewItem, with_case: bool) -> Vec<String> {
    let mut flags = Vec::new();
    if item.low_quality {
        flags.push("low_quality".to_owned());
    }
    if item.forward_required {
        flags.push("forward_required".to_owned());
    }
    for signal in &item.benign_signals {
        flags.push(match signal {
            BenignSignal::RepeatedNotViolating { reports, platforms } => {
                format!("benign:{reports}_not_violating_from_{platforms}_platforms")
            }
            BenignSignal::WidespreadMatches { platforms, days, .. } => {
                format!("benign:matched_by_{platforms}_platforms_on_{days}_days")
            }
        });
    }
    let near = match item.near_duplicates.first() {
        Some(n) => format!("{} ({}/{})", item.near_duplicates.len(), n.distance, wire(&n.state)),
        None => "0".into(),
    };
    let s = &item.signals;
    let mut row = vec![item.entry_id.to_string(), wire(&item.kind)];
    row.push(item.quality.map_or_else(|| "-".into(), |q| q.to_string()));
    if with_case {
        row.push(wire(&item.category));
        row.push(item.case_id.clone());
    } else {
        row.push(wire(&item.state));
    }
    row.extend([
        render::time(item.created_at),
        near,
        format!("{}/{}", item.same_hash_cases, item.near_hash_cases),
        format!("{}/{}/{}", s.blocked, s.not_violating, s.pending_review),
        format!("{}/{}/{}", s.matches, s.match_platforms, s.match_days),
        if flags.is_empty() { "-".into() } else { flags.join(",") },
    ]);
    row
}

fn print_outcome(outcome: &DecisionOutcome, json: bool) -> anyhow::Result<()> {
    if json {
        return render::print_json(outcome);
    }
    for entry in &outcome.entries {
        outln!("entry {}: {}", entry.entry_id, wire(&entry.state));
    }
    Ok(())
}

fn print_case(case: &AnalystCase) -> anyhow::Result<()> {
    outln!("case {} ({}, list {})", case.case_id, wire(&case.state), case.list);
    outln!("category: {}", wire(&case.category));
    outln!("submitted: {}", render::time(case.created_at));
    outln!("contact left: {}", if case.has_contact { "yes (not shown)" } else { "no" });
    if let Some(rejection) = &case.pending_rejection {
        outln!("rejection: {}", describe_rejection(rejection));
    }
    if case.forward_required {
        outln!("FORWARD REQUIRED: a minor's case, not yet reported to the authorities (`disrupt forwards record`)");
    }
    for f in &case.forwards {
        let what = if f.urls.is_empty() { "the whole case".to_owned() } else { format!("{} URL(s)", f.urls.len()) };
        outln!(
            "forwarded: {} to {}, reference {}, {what}, recorded by key {}",
            render::time(f.forwarded_at),
            disrupt_hotline::forwards::authority_name(f.authority),
            f.reference,
            f.recorded_by
        );
    }
    outln!("\nentries ({}):", case.entries.len());
    print_items(&case.entries, false)?;
    outln!("\nreported URLs ({}):", case.urls.len());
    let mut urls = Table::new(&["INDEX", "REVIEW", "URL"]);
    for url in &case.urls {
        urls.row(vec![url.index.to_string(), wire(&url.review), url.url.clone()]);
    }
    urls.print()?;
    Ok(())
}

fn describe_rejection(rejection: &CaseRejection) -> String {
    match rejection {
        CaseRejection::AwaitingSecondAnalyst { requested_by, reason, note, expires_at } => format!(
            "rejection ({}{}) requested by key {requested_by}, awaiting a second, different analyst until {}",
            wire(reason),
            note.as_deref().map(|n| format!(": {n}")).unwrap_or_default(),
            render::time(*expires_at)
        ),
        CaseRejection::Rejected { analysts, entries } => {
            format!("rejected by {}; {entries} entries left the list", analysts.join(" and "))
        }
    }
}

fn print_reviewed_urls(reviewed: &ReviewUrlsResponse) -> anyhow::Result<()> {
    let mut urls = Table::new(&["INDEX", "REVIEW", "URL"]);
    for url in &reviewed.urls {
        urls.row(vec![url.index.to_string(), wire(&url.review), url.url.clone()]);
    }
    urls.print()?;
    if reviewed.notices.is_empty() {
        outln!("\nno new notice");
        return Ok(());
    }
    outln!("\ndraft notices, one per host (send each with `disrupt notices send ID`):");
    let mut notices = Table::new(&["NOTICE", "HOST", "URLS", "GROUND"]);
    for notice in &reviewed.notices {
        notices.row(vec![notice.id.clone(), notice.host.clone(), notice.urls.len().to_string(), wire(&notice.ground)]);
    }
    notices.print()?;
    Ok(())
}
