//! Values the store keeps as text (statistics counter fields, URL reviews, pending case rejections, notices)
//! written in the form Redis holds today read back as the store's typed values, so existing data still reads.

use disrupt_api::store::keys::Keys;
use disrupt_openapi::notices::NoticeState;
use disrupt_openapi::review::{RejectReason, UrlReview};
use redis::AsyncCommands;

use crate::helpers::{case, store_with};

#[tokio::test]
async fn values_stored_today_read_back_typed() {
    let redis = disrupt_api::testing::RedisProcess::start();
    let settings = redis.settings();
    let store = store_with(&settings).await;
    let keys = Keys::new(&settings.key_prefix).unwrap();
    let mut raw = redis::Client::open(redis.url()).unwrap().get_multiplexed_async_connection().await.unwrap();
    store.create_list("csam").await.unwrap();

    // Statistics counters: one hash per list, summed over the lists; fields that are no statistics are left out.
    let stats: [(&str, &[(&str, i64)]); 2] = [
        ("ncii", &[("c:2026-11:adult_ncii", 3), ("e:pdq:pending", 2), ("m:2026-11", 4), ("w:2026-11", 9)]),
        ("csam", &[("c:2026-11:adult_ncii", 1), ("e:pdq:pending", -1), ("m:2026-12", 5)]),
    ];
    for (list, fields) in stats {
        let _: () = raw.hset_multiple(keys.stats(list), fields).await.unwrap();
    }
    let counters = store.stat_counters().await.unwrap();
    let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    assert_eq!(counters.cases, [(pair("2026-11", "adult_ncii"), 4)].into());
    assert_eq!(counters.entries, [(pair("pdq", "pending"), 2)].into());
    assert_eq!(counters.matches, [("2026-11".to_owned(), 4), ("2026-12".to_owned(), 5)].into());

    // URL reviews: a JSON array in the case's `url_reviews` field; none before the first decision.
    let case_id = store.create_case(case("ncii", 1, 1)).await.unwrap().case_id;
    assert!(store.url_reviews("ncii", &case_id).await.unwrap().is_empty());
    let _: () = raw.hset(keys.case("ncii", &case_id), "url_reviews", r#"["confirmed","dismissed"]"#).await.unwrap();
    assert_eq!(store.url_reviews("ncii", &case_id).await.unwrap(), [UrlReview::Confirmed, UrlReview::Dismissed]);

    // A case rejection waiting for a second analyst: JSON under its own key.
    assert_eq!(store.pending_case_rejection("ncii", &case_id).await.unwrap(), None);
    let pending = r#"{"requested_by":"k1","rejection":{"reason":"not_intimate","note":null},"requested_at":7}"#;
    let _: () = raw.set(keys.case_rejection("ncii", &case_id), pending).await.unwrap();
    let pending = store.pending_case_rejection("ncii", &case_id).await.unwrap().expect("pending rejection");
    assert_eq!(
        (pending.requested_by.as_str(), pending.rejection.reason, pending.requested_at),
        ("k1", RejectReason::NotIntimate, 7)
    );

    // Notices: JSON in the hash's `json` field and a version in `v`; a notice from before versions counts as 1,
    // one from before `decision_reason` and `reminders` takes their defaults.
    let notice = r#"{"id":"n1","host":"example.com","urls":["https://example.com/a"],"ground":"intimate_image_without_consent","lang":"fr","subject":"s","body":"b","timeline":{"state":"sent","created_at":5,"sent_at":6,"acknowledged_at":null,"decided_at":null,"last_reminded_at":null},"case_id":"c1","list":"ncii"}"#;
    let _: () = raw.hset_multiple(keys.notice("n1"), &[("json", notice), ("v", "3")]).await.unwrap();
    let _: () = raw.zadd(keys.notices(), "n1", 5).await.unwrap();
    let record = store.get_notice("n1").await.unwrap().expect("notice");
    assert_eq!(record.version, 3);
    assert_eq!((record.notice.host.as_str(), record.notice.timeline.state), ("example.com", NoticeState::Sent));
    assert_eq!((record.notice.reminders, record.notice.decision_reason), (0, None));
    let _: () = raw.hdel(keys.notice("n1"), "v").await.unwrap();
    let listed = store.list_notices().await.unwrap();
    assert_eq!(listed.iter().map(|r| (r.notice.id.as_str(), r.version)).collect::<Vec<_>>(), [("n1", 1)]);
}
