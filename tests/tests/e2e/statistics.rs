//! Public statistics and the trusted-flagger report name no host, nor any label from victims' reports, that
//! fewer than `stats_minimum` sent notices stand behind; the page `/stats` draws known cases in French and English,
//! and its CSV and JSON say the same.

use disrupt_openapi::cases::CreateCaseRequest;
use disrupt_openapi::model::Role;
use disrupt_openapi::notices::{NoticeOutcome, NoticeOutcomeRequest};
use disrupt_openapi::review::ReviewUrlsRequest;

use crate::helpers::{simple_case, spawn_app, unique_pdq};

const HOST: &str = "lonely-host.example";

#[tokio::test]
async fn one_confirmed_url_never_makes_its_host_appear_in_statistics() {
    let app = spawn_app().await;
    let created = app
        .client
        .create_case(&CreateCaseRequest { urls: vec![format!("https://{HOST}/v/1")], ..simple_case(unique_pdq()) })
        .await
        .unwrap();
    let analyst = app.key("ana", Role::Analyst, &["ncii"], &[]).await;
    let reviewed = analyst
        .review_urls(
            &created.case_id,
            &ReviewUrlsRequest { confirm: vec![0], dismiss: vec![], lang: None, ground: None, contacts: vec![] },
        )
        .await
        .unwrap();
    let year = disrupt_hotline::time::year_of(reviewed.notices[0].created_at);
    let draft_report = app.admin.trusted_flagger_report(year).await.unwrap();
    assert!(!draft_report.contains(HOST), "a draft named: {draft_report}");
    analyst.send_notice(&reviewed.notices[0].id).await.unwrap();

    let stats = serde_json::to_string(&app.client.statistics().await.unwrap()).unwrap();
    assert!(!stats.contains(HOST), "one sent notice named its host: {stats}");
    let page = reqwest::get(format!("{}/stats", app.base_url)).await.unwrap().text().await.unwrap();
    assert!(!page.contains(HOST), "the statistics page names the host");
    let report = app.admin.trusted_flagger_report(year).await.unwrap();
    assert!(!report.contains(HOST), "the report names the host: {report}");
    assert!(report.contains(disrupt_hotline::stats::OTHER_HOSTS), "the notice is counted, unnamed: {report}");
}

const BIG: &str = "big-host.example";
const LONELY: &str = "lonely-deepfake.example";

/// The bars of one chart of the page: each bar's `<title>`.
fn bar_titles(page: &str, chart: &str) -> Vec<String> {
    let start = page.find(&format!(r#"aria-labelledby="{chart}-title"#)).unwrap_or_else(|| panic!("no {chart}"));
    let svg = &page[start..start + page[start..].find("</svg>").unwrap()];
    svg.split(r#"<g class="bar"><title>"#).skip(1).map(|s| s[..s.find("</title>").unwrap()].to_owned()).collect()
}

fn month_label(lang: &str, key: &str) -> String {
    const FR: [&str; 12] =
        ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."];
    const EN: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let (year, month) = key.split_once('-').unwrap();
    let m: usize = month.parse().unwrap();
    format!("{} {year}", if lang == "fr" { FR[m - 1] } else { EN[m - 1] })
}

/// Four cases this month: three of intimate images with two, two and one URLs at one host, one deepfake with one
/// URL at another. Every URL confirmed, the four notices sent; three removed, one rejected. With a minimum of 2,
/// the deepfake's single case and its host stay hidden.
#[tokio::test]
async fn the_statistics_page_draws_known_cases_in_both_languages_and_agrees_with_the_csv_and_json() {
    let mut settings = crate::helpers::LIFTED_BUDGETS.to_vec();
    settings.push(("DISRUPT_HOTLINE__STATS_MINIMUM", "2"));
    let app = crate::helpers::spawn_app_with(&settings).await;
    let analyst = app.key("ana", Role::Analyst, &["ncii"], &[]).await;
    let cases = [
        (disrupt_openapi::model::Category::AdultNcii, vec![format!("https://{BIG}/a/1"), format!("https://{BIG}/a/2")]),
        (disrupt_openapi::model::Category::AdultNcii, vec![format!("https://{BIG}/b/1"), format!("https://{BIG}/b/2")]),
        (disrupt_openapi::model::Category::AdultNcii, vec![format!("https://{BIG}/c/1")]),
        (disrupt_openapi::model::Category::Deepfake, vec![format!("https://{LONELY}/d/1")]),
    ];
    let mut notices = Vec::new();
    for (category, urls) in cases {
        let confirm = (0..urls.len()).collect();
        let created =
            app.client.create_case(&CreateCaseRequest { category, urls, ..simple_case(unique_pdq()) }).await.unwrap();
        let request = ReviewUrlsRequest { confirm, dismiss: vec![], lang: None, ground: None, contacts: vec![] };
        let reviewed = analyst.review_urls(&created.case_id, &request).await.unwrap();
        notices.extend(reviewed.notices.into_iter().map(|n| n.id));
    }
    assert_eq!(notices.len(), 4);
    for (i, id) in notices.iter().enumerate() {
        let sent = analyst.send_notice(id).await.unwrap();
        let outcome = if i == 2 { NoticeOutcome::Rejected } else { NoticeOutcome::Removed };
        let at = sent.sent_at.unwrap() + 1_800_000 * (i as u64 + 1);
        let at = at.min(disrupt_hotline::time::now_ms());
        analyst.record_notice_outcome(id, &NoticeOutcomeRequest { outcome, at, note: None }).await.unwrap();
    }

    let json = app.client.statistics().await.unwrap();
    let csv = app.client.statistics_csv().await.unwrap();
    let http = reqwest::Client::new();
    let fetch = |query: &'static str, accept: &'static str| {
        let request = http.get(format!("{}/stats{query}", app.base_url)).header("Accept-Language", accept);
        async move { request.send().await.unwrap() }
    };
    let response = fetch("", "en-GB,en;q=0.9").await;
    let csp = response.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.starts_with("default-src 'none'; style-src 'sha256-"), "{csp}");
    let en = response.text().await.unwrap();
    let fr = fetch("?lang=fr", "en").await.text().await.unwrap();
    assert_eq!(fetch("", "fr-FR").await.text().await.unwrap(), fr, "Accept-Language chooses French too");

    // The known figures, in the JSON.
    let month = disrupt_hotline::time::month_of(disrupt_hotline::time::now_ms());
    let item = |s: &disrupt_openapi::stats::Series, key: &str| s.items.iter().find(|i| i.key == key).unwrap().count;
    assert_eq!(item(&json.cases_by_month, &month), Some(4));
    assert_eq!(json.cases_by_category.items.iter().map(|i| i.count).collect::<Vec<_>>(), [None, None]);
    assert_eq!(json.cases_by_category.total, Some(4));
    assert_eq!(item(&json.urls_reported_by_month, &month), Some(6));
    assert_eq!(item(&json.urls_confirmed_by_month, &month), Some(6));
    assert_eq!(json.notices_by_month.rows, std::slice::from_ref(&month));
    assert_eq!(json.notices_by_month.row_totals, [Some(4)]);
    assert_eq!(json.removal_rate.percent, Some(75));
    assert_eq!(json.removal_rate_by_month[0].percent, Some(75));
    assert_eq!(json.notices_by_platform.rows, [BIG, disrupt_hotline::stats::OTHER_HOSTS]);

    // The page draws them, in either language, with the numbers in tables.
    for (lang, page) in [("en", &en), ("fr", &fr)] {
        assert!(page.contains(&format!(r#"<html lang="{lang}">"#)));
        let m = month_label(lang, &month);
        assert_eq!(bar_titles(page, "chart-cases-by-month"), [format!("{m}: 4")], "{lang}");
        let (reported, confirmed) =
            if lang == "fr" { ("signalées", "confirmées") } else { ("reported", "confirmed") };
        assert_eq!(bar_titles(page, "chart-urls"), [format!("{reported}, {m}: 6"), format!("{confirmed}, {m}: 6")]);
        assert_eq!(bar_titles(page, "chart-notices-sent"), [format!("{m}: 4")]);
        let rate = if lang == "fr" { "75\u{a0}%" } else { "75%" };
        assert_eq!(bar_titles(page, "chart-removal-rate"), [format!("{m}: {rate}")]);
        let categories = bar_titles(page, "chart-cases-by-category");
        assert_eq!(categories.len(), 2);
        assert!(categories.iter().all(|t| t.ends_with(": &lt;2")), "small counts hidden: {categories:?}");
        assert!(page.contains(&format!("<th scope=\"row\">{m}</th><td>4</td>")), "the table has the number");
        assert!(page.contains(r#"<desc id="chart-cases-by-month-desc">"#));
        assert!(page.contains(r#"href="/v1/stats/csv""#) && page.contains(r#"href="/v1/stats""#));
        assert!(page.contains(r#"href="?lang=fr""#) && page.contains(r#"href="?lang=en""#));
        assert!(!page.contains(LONELY), "{lang}: a host behind one notice is named");
        assert!(!page.contains("<script") && !page.contains("style=\""), "{lang}: nothing the CSP refuses");
        assert!(!page.contains("http://") && !page.contains("https://"), "{lang}: no resource from elsewhere");
    }

    // The CSV says what the JSON says, cell for cell, and names no small host either.
    // No cell here needs quoting (no label holds a comma), so lines split on commas.
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("figure,label,measure,value"));
    let mut rows: std::collections::BTreeMap<(String, String, String), String> = lines
        .map(|line| {
            let r: Vec<&str> = line.split(',').collect();
            assert_eq!(r.len(), 4, "{line}");
            ((r[0].to_owned(), r[1].to_owned(), r[2].to_owned()), r[3].to_owned())
        })
        .collect();
    let text = |v: Option<u64>| disrupt_hotline::stats::cell_text(v, json.minimum);
    let get = |f: &str, l: &str, m: &str| rows.get(&(f.into(), l.into(), m.into())).cloned();
    for (figure, measure, series) in [
        ("cases_by_month", "cases", &json.cases_by_month),
        ("cases_by_category", "cases", &json.cases_by_category),
        ("urls_reported_by_month", "urls", &json.urls_reported_by_month),
        ("urls_confirmed_by_month", "urls", &json.urls_confirmed_by_month),
        ("removals_by_month", "notices", &json.removals_by_month),
    ] {
        for i in &series.items {
            assert_eq!(get(figure, &i.key, measure), Some(text(i.count)), "{figure} {}", i.key);
        }
        assert_eq!(get(figure, "total", measure), Some(text(series.total)), "{figure}");
    }
    for (figure, table) in
        [("notices_by_month", &json.notices_by_month), ("notices_by_platform", &json.notices_by_platform)]
    {
        for (row, cells) in table.rows.iter().zip(&table.cells) {
            for (column, cell) in table.columns.iter().zip(cells) {
                assert_eq!(get(figure, row, column), Some(text(*cell)), "{figure} {row} {column}");
            }
        }
        assert_eq!(get(figure, "total", "total"), Some(text(table.total)));
    }
    assert_eq!(get("removal_rate", "all", "percent"), Some("75".into()));
    assert!(!csv.contains(LONELY), "{csv}");
    // Counts only: medians are durations, `computed_at` a time.
    rows.remove(&("computed_at".into(), String::new(), "unix_ms".into()));
    for ((figure, _, measure), value) in &rows {
        let small = value.parse::<u64>().is_ok_and(|v| v < json.minimum);
        assert!(
            !small || figure.contains("median") || measure.contains("median") || measure == "percent",
            "{figure} {value}"
        );
    }
}

/// Moves a notice's whole timeline `months` (of 30 days) back in Redis, as if sent then, and its creation and
/// sending `hours` more (the time the host took).
async fn age_notice(conn: &mut redis::aio::MultiplexedConnection, id: &str, months: u64, hours: u64) {
    let key = format!("disrupt:{{n}}:notice:{id}");
    let json: String = redis::cmd("HGET").arg(&key).arg("json").query_async(conn).await.unwrap();
    let mut stored: serde_json::Value = serde_json::from_str(&json).unwrap();
    for field in ["created_at", "sent_at", "acknowledged_at", "decided_at", "last_reminded_at"] {
        let earlier = if matches!(field, "created_at" | "sent_at") { hours * 3_600_000 } else { 0 };
        if let Some(at) = stored["timeline"][field].as_u64() {
            stored["timeline"][field] = (at - months * 30 * 86_400_000 - earlier).into();
        }
    }
    let _: () = redis::cmd("HSET").arg(&key).arg("json").arg(stored.to_string()).query_async(conn).await.unwrap();
}

/// Half a year of a hotline's figures in a real Chromium: the page's own stylesheet applies (its hash in the CSP
/// is right), every chart is drawn, and `DISRUPT_SCREENSHOTS=<dir>` keeps `stats-fr.png`, `stats-en.png` and the
/// notices' part of each, `stats-fr-notices.png` and `stats-en-notices.png` (`docs/` in the repository).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_statistics_page_renders_its_charts_under_its_policy_in_chromium() -> anyhow::Result<()> {
    let mut settings = crate::helpers::LIFTED_BUDGETS.to_vec();
    settings.extend([
        ("DISRUPT_HOTLINE__NOTIFIER__NAME", "Hotline Example"),
        ("DISRUPT_HOTLINE__NOTIFIER__EMAIL", "notices@hotline.example"),
        ("DISRUPT_HOTLINE__NOTIFIER__SIGNATORY", "Jeanne Martin"),
    ]);
    let app = crate::helpers::spawn_app_with(&settings).await;
    let analyst = app.key("ana", Role::Analyst, &["ncii"], &[]).await;
    let hosts = ["video-host.example", "forum.example"];
    let mut notices = Vec::new();
    for i in 0..14 {
        let urls = hosts.iter().map(|h| format!("https://{h}/v/{i}")).collect();
        let created = app.client.create_case(&CreateCaseRequest { urls, ..simple_case(unique_pdq()) }).await?;
        let request =
            ReviewUrlsRequest { confirm: vec![0, 1], dismiss: vec![], lang: None, ground: None, contacts: vec![] };
        for notice in analyst.review_urls(&created.case_id, &request).await?.notices {
            let sent = analyst.send_notice(&notice.id).await?;
            let outcome = if i % 4 == 3 { NoticeOutcome::Rejected } else { NoticeOutcome::Removed };
            let at = sent.sent_at.unwrap_or_default();
            if i % 7 != 6 {
                analyst.record_notice_outcome(&notice.id, &NoticeOutcomeRequest { outcome, at, note: None }).await?;
            }
            let hours = if notice.host == hosts[0] { 12 + 3 * i } else { 40 + 5 * i };
            notices.push((notice.id, i % 3, hours));
        }
    }
    // Earlier months, straight into the counters and the notices' times.
    let mut conn = redis::Client::open(app.redis_url.as_str())?.get_multiplexed_async_connection().await?;
    for (id, months, hours) in &notices {
        age_notice(&mut conn, id, *months, *hours).await;
    }
    let now = disrupt_hotline::time::now_ms();
    for back in 1..6u64 {
        let month = disrupt_hotline::time::month_of(now - back * 30 * 86_400_000);
        let stats = "disrupt:{l:ncii}:stats";
        for (field, n) in [
            (format!("c:{month}:adult_ncii"), 30 + 7 * back),
            (format!("c:{month}:sextortion_threat"), 6 + back),
            (format!("c:{month}:deepfake"), 2 + back),
            (format!("u:{month}"), 40 + 5 * back),
            (format!("uc:{month}"), 25 + 4 * back),
            (format!("m:{month}"), 100 + 20 * back),
        ] {
            let _: i64 = redis::cmd("HINCRBY").arg(stats).arg(field).arg(n).query_async(&mut conn).await?;
        }
    }

    let browser = crate::browser::Browser::start().await?;
    let client = &browser.client;
    client.set_window_size(1000, 2400).await?;
    for lang in ["fr", "en"] {
        client.goto(&format!("{}/stats?lang={lang}", app.base_url)).await?;
        let font = client.execute("return getComputedStyle(document.body).fontFamily", vec![]).await?;
        anyhow::ensure!(font.as_str().is_some_and(|f| f.contains("system-ui")), "the stylesheet was refused: {font}");
        let drawn = client
            .execute(
                "return Array.from(document.querySelectorAll('svg.chart')).map(s => s.getBBox().width > 100 \
                 && s.querySelectorAll('rect').length > 0)",
                vec![],
            )
            .await?;
        let drawn = drawn.as_array().cloned().unwrap_or_default();
        anyhow::ensure!(drawn.len() >= 6 && drawn.iter().all(|d| d == true), "charts drawn: {drawn:?}");
        crate::browser::screenshot(client, &format!("stats-{lang}")).await?;
        client.execute("document.getElementById('notices').scrollIntoView()", vec![]).await?;
        crate::browser::screenshot(client, &format!("stats-{lang}-notices")).await?;
    }
    browser.close().await
}
