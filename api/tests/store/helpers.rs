//! Shared test setup.

use std::time::Duration;

use disrupt_api::{
    settings::{PublicationPolicy, RedisSettings},
    store::{ApiKey, Category, HashKind, NewCase, NewEntry, Role, Store},
    testing::RedisProcess,
};
use disrupt_hotline::notices::{Lang, LegalGround, NoticeTimeline, StoredNotice};
use disrupt_hotline::time::now_ms;

/// A store on its own fresh redis-server.
pub async fn store() -> (RedisProcess, Store) {
    let redis = RedisProcess::start();
    let store = Store::connect(&redis.settings()).await.expect("connect");
    (redis, store)
}

/// A store with the given settings.
pub async fn store_with(settings: &RedisSettings) -> Store {
    Store::connect(settings).await.expect("connect")
}

/// A PDQ hash text made from a number (distinct numbers give distinct hashes).
pub fn pdq(n: u64) -> String {
    format!("{:064x}", u128::from(n) * 0x9e37_79b9_7f4a_7c15 + 1)
}

/// A case on `list` with `n` PDQ entries numbered from `first`.
pub fn case(list: &str, first: u64, n: u64) -> NewCase {
    NewCase {
        list: list.into(),
        category: Category::AdultNcii,
        entries: (first..first + n)
            .map(|i| NewEntry { kind: HashKind::Pdq, hash: pdq(i), quality: Some(90), held: None })
            .collect(),
        urls: vec!["https://example.invalid/a".into()],
        contact: Some("victim@example.invalid".into()),
        declarations: None,
        secret_hash: vec![7; 32],
        surge_limit: None,
    }
}

/// Publishes every entry waiting in `list`'s outbox now, as one batch (the server's policy would wait for more
/// cases). Returns the records written.
pub async fn publish(store: &Store, list: &str) -> u64 {
    let now = PublicationPolicy { min_cases: 1, max_wait: Duration::ZERO };
    store.publish(list, now, now_ms()).await.expect("publish")
}

/// A video hash text of `frames` frames (the stored form: the frame list as JSON), distinct per `seed`.
pub fn video(seed: u64, frames: u64) -> String {
    let frames: Vec<String> = (0..frames)
        .map(|i| format!(r#"{{"frame":{i},"timestamp":{i}.0,"pdq":"{}","quality":100}}"#, pdq(seed * 100_000 + i)))
        .collect();
    format!("[{}]", frames.join(","))
}

/// A case on `list` with one video of `frames` frames.
pub fn video_case(list: &str, seed: u64, frames: u64) -> NewCase {
    NewCase {
        entries: vec![NewEntry { kind: HashKind::Video, hash: video(seed, frames), quality: None, held: None }],
        ..case(list, 0, 0)
    }
}

/// A platform key on `ncii`, as the store keeps it (the secret's hash is a stand-in).
pub fn platform_key(id: &str) -> ApiKey {
    ApiKey {
        id: id.into(),
        secret_hash: vec![1, 2, 3],
        role: Role::Platform,
        lists: vec!["ncii".into()],
        name: "Example platform".into(),
        created_at: 1,
        revoked_at: None,
        hosts: vec![],
        contact_access: false,
    }
}

/// A draft notice of `case_id` (list `ncii`) for `url` on `host`, as the service stores it.
pub fn stored_notice(id: &str, case_id: &str, host: &str, url: &str) -> StoredNotice {
    StoredNotice {
        id: id.into(),
        host: host.into(),
        urls: vec![url.into()],
        ground: LegalGround::IntimateImageWithoutConsent,
        lang: Lang::Fr,
        subject: format!("notice {id}"),
        body: format!("Please remove {url}"),
        timeline: NoticeTimeline::new(1_767_225_600_000),
        decision_reason: None,
        reminders: 0,
        case_id: case_id.into(),
        list: "ncii".into(),
        channel: None,
        email_to: None,
        outcome_note: None,
        history: Vec::new(),
    }
}
