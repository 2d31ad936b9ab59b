//! Statistics counters and match counts: what the public statistics are made from.

use std::collections::{BTreeMap, HashMap};

use redis::AsyncCommands;

use super::{EntryId, Store, StoreError};

/// Counts a batch of matches: KEYS: stats, then per entry: entry key, match tally key. ARGV: month, platform key
/// id, day. Entries that no longer exist are skipped (a `HINCRBY` would create a partial entry).
const COUNT_MATCHES: &str = r#"
local n = 0
for i = 2, #KEYS, 2 do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('HINCRBY', KEYS[i], 'matches', 1)
    if redis.call('HSETNX', KEYS[i + 1], 'p:' .. ARGV[2], 1) == 1 then
      redis.call('HINCRBY', KEYS[i], 'match_platforms', 1)
    end
    if redis.call('HSETNX', KEYS[i + 1], 'd:' .. ARGV[3], 1) == 1 then
      redis.call('HINCRBY', KEYS[i], 'match_days', 1)
    end
    n = n + 1
  end
end
if n > 0 then redis.call('HINCRBY', KEYS[1], 'm:' .. ARGV[1], n) end
return n
"#;

/// Every list's statistics counters, summed, decoded from their field names in the lists' stats hashes
/// (`c:<month>:<category>`, `e:<kind>:<state>`, `m:<month>`, `u:<month>`, `uc:<month>`; others are not statistics
/// and are left out).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatCounters {
    /// Cases created, by month (`YYYY-MM`) and category.
    pub cases: BTreeMap<(String, String), u64>,
    /// Entries, by hash kind and state.
    pub entries: BTreeMap<(String, String), u64>,
    /// Matches counted, by month.
    pub matches: BTreeMap<String, u64>,
    /// URLs reported with cases, by month of the case.
    pub urls_reported: BTreeMap<String, u64>,
    /// URLs confirmed by analysts, by month of the confirmation.
    pub urls_confirmed: BTreeMap<String, u64>,
}

impl StatCounters {
    /// Adds one stats hash field's value (negative values count as 0).
    fn add(&mut self, field: &str, value: i64) {
        let value = value.max(0) as u64;
        let parts: Vec<&str> = field.split(':').collect();
        let counter = match parts.as_slice() {
            ["c", month, category] => self.cases.entry(((*month).to_owned(), (*category).to_owned())).or_insert(0),
            ["e", kind, state] => self.entries.entry(((*kind).to_owned(), (*state).to_owned())).or_insert(0),
            ["m", month] => self.matches.entry((*month).to_owned()).or_insert(0),
            ["u", month] => self.urls_reported.entry((*month).to_owned()).or_insert(0),
            ["uc", month] => self.urls_confirmed.entry((*month).to_owned()).or_insert(0),
            _ => return,
        };
        *counter += value;
    }
}

impl Store {
    /// Counts one match by `platform` (its key id) for each entry of `list` in `ids` and for the month's total,
    /// and notes the platform and the day (days since 1970, UTC) in each entry's match tally, so that the entry's
    /// `match_platforms` and `match_days` count distinct platforms and days, whatever the number of requests.
    pub async fn count_matches(
        &self,
        list: &str,
        ids: &[EntryId],
        month: &str,
        platform: &str,
        day: u64,
    ) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        let script = redis::Script::new(COUNT_MATCHES);
        let mut invocation = script.prepare_invoke();
        invocation.key(self.keys().stats(list));
        for id in ids {
            invocation.key(self.keys().entry(list, *id)).key(self.keys().match_tally(list, *id));
        }
        let _: i64 = invocation.arg(month).arg(platform).arg(day).invoke_async(&mut self.conn()).await?;
        Ok(())
    }

    /// Every list's statistics counters, summed.
    pub async fn stat_counters(&self) -> Result<StatCounters, StoreError> {
        let mut total = StatCounters::default();
        for list in self.list_names().await? {
            let counters: HashMap<String, i64> = self.conn().hgetall(self.keys().stats(&list)).await?;
            for (field, value) in counters {
                total.add(&field, value);
            }
        }
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_fields_decode_by_their_prefix() {
        let mut counters = StatCounters::default();
        for (field, value) in [
            ("c:2026-11:adult_ncii", 7),
            ("c:2026-11:adult_ncii", 1),
            ("e:pdq:pending", 9),
            ("e:md5:verified", -2),
            ("m:2026-11", 12),
            ("u:2026-11", 3),
            ("uc:2026-12", 2),
            ("w:2026-11", 1),
            ("e:pdq", 4),
        ] {
            counters.add(field, value);
        }
        let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());
        assert_eq!(counters.cases, [(pair("2026-11", "adult_ncii"), 8)].into());
        assert_eq!(counters.entries, [(pair("pdq", "pending"), 9), (pair("md5", "verified"), 0)].into());
        assert_eq!(counters.matches, [("2026-11".to_owned(), 12)].into());
        assert_eq!(counters.urls_reported, [("2026-11".to_owned(), 3)].into());
        assert_eq!(counters.urls_confirmed, [("2026-12".to_owned(), 2)].into());
    }
}
