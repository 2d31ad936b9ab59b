//! Every Redis key name, and the id layouts that let an id find its list.
//!
//! All keys of one list share the hash tag `{l:<list>}`, so a case, its entries, the list's live set and its feed
//! stream sit on one Redis Cluster slot and one Lua script can write them atomically. Global keys (the list
//! registry, API keys) share `{g}`.
//!
//! | key                              | type   | content                                                  |
//! |----------------------------------|--------|----------------------------------------------------------|
//! | `P{g}:lists`                     | hash   | list name -> list number                                 |
//! | `P{g}:list_numbers`              | hash   | list number -> list name                                 |
//! | `P{g}:list_seq`                  | string | last list number                                         |
//! | `P{g}:api_keys`                  | hash   | key id -> [`super::ApiKey`] JSON                         |
//! | `P{g}:audit`                     | list   | audit records of API key and list actions waiting to be  |
//! |                                  |        | chained (their outbox, `store::audit`)                   |
//! | `P{l:L}:seq`                     | string | last entry sequence number of list L                     |
//! | `P{l:L}:e:<id>`                  | hash   | one entry's fields                                       |
//! | `P{l:L}:c:<case id>`             | hash   | one case's fields                                        |
//! | `P{l:L}:fb:<id>`                 | hash   | platform key id -> "feedback\ntags JSON"                 |
//! | `P{l:L}:mt:<id>`                 | hash   | who matched an entry: `p:<platform key id>`, `d:<day>` -> 1 |
//! | `P{l:L}:live`                    | hash   | entry id -> "kind:hash" for live entries (index loading) |
//! | `P{l:L}:feed`                    | stream | the delta feed platforms read, one record per entry (its |
//! |                                  |        | latest published state); the stream id is the cursor     |
//! | `P{l:L}:outbox`                  | zset   | live entries waiting for a publication batch, by the ms  |
//! |                                  |        | they started waiting                                     |
//! | `P{l:L}:changes`                 | stream | entry id -> live or not, for the match indexes (no hash) |
//! | `P{l:L}:trimmed`                 | string | id of the newest record retention trimmed                |
//! | `P{l:L}:pos`                     | hash   | platform key id -> feed position it has fetched          |
//! | `P{l:L}:q:pending`               | zset   | entry ids waiting for review, by submission time         |
//! | `P{l:L}:q:quarantined`           | zset   | quarantined entry ids, by quarantine time                |
//! | `P{l:L}:stats`                   | hash   | counters: `e:<kind>:<state>`, `c:<month>:<category>`,    |
//! |                                  |        | `m:<month>` matches, `u:<month>` URLs reported (case     |
//! |                                  |        | creation), `uc:<month>` URLs confirmed (URL reviews)     |
//! | `P{l:L}:flood:<hour>`            | string | cases received in that clock hour (expires after 2 h)    |
//! | `P{l:L}:withdrawals`             | zset   | withdrawn case ids by the ms of their last tombstone     |
//! | `P{l:L}:rej:<case id>`           | string | a case rejection waiting for a second analyst (JSON)     |
//! | `P{l:L}:audit`                   | list   | audit records of the list's actions waiting to be chained |
//! |                                  |        | (the outbox, `store::audit`), written by the action      |
//! | `P{n}:notice:<id>`               | hash   | one takedown notice: `json`, version `v`, `list`, `case`,|
//! |                                  |        | `host` (for its indexes and purge)                       |
//! | `P{n}:notices`                   | zset   | notice ids by creation time                              |
//! | `P{n}:notices:list:<L>`          | zset   | list L's notice ids by creation time (analysts' pages)   |
//! | `P{n}:notices:host:<H>`          | zset   | sent notices for host H or a subdomain, by creation time |
//! |                                  |        | (platforms' pages; one key per dot-suffix of the host)   |
//! | `P{n}:notices:case:<case id>`    | set    | a case's notice ids (they are purged with the case)      |
//! | `P{n}:notices:indexed`           | string | set once the indexes above hold every older notice       |
//! | `P{n}:audit`                     | list   | audit records of notice actions waiting to be chained    |
//! | `P{n}:hosts`                     | hash   | the hosts directory: host -> its contact (JSON)          |
//! | `P{n}:fwd`                       | hash   | forward id -> a forward to the authorities (JSON); kept  |
//! |                                  |        | when its case is purged                                  |
//! | `P{n}:fwd:time`                  | zset   | forward ids by the ms they were forwarded (the export)   |
//! | `P{n}:fwd:case:<case id>`        | zset   | a case's forward ids by the ms they were forwarded       |
//! | `P{n}:mail`                      | zset   | e-mails waiting for the sender (notices, reminders) by   |
//! |                                  |        | the ms they are due; a sender claiming one moves it past |
//! |                                  |        | its lease, so that no other process sends it meanwhile   |
//! | `P{n}:mail:msg`                  | hash   | e-mail id -> what to send and its attempts (JSON)        |
//! | `P{<tag>}:fence`                 | string | last fence write on a slot (`store::replication`);       |
//! |                                  |        | expires after a minute                                   |
//! | `P{audit}:log`, `P{audit}:head`  | list   | the chained audit log and its head (`store::audit`)      |
//! | `P{audit}:applied`               | zset   | ids of outbox records chained in the last 7 days, by time |
//! | `P{c:<client>}:<budget>`         | string | one client's GCRA bucket (`store::limits`): theoretical  |
//! |                                  |        | arrival time in µs; expires when the bucket is full      |
//! | `P{x:<case id>}:fails`           | string | wrong secrets for a case; expires with the lock-out      |
//!
//! `<client>` is an HMAC of the client's address under a key derived per day from the server key
//! (`rate_limit::RateLimits`), never the address. Budget keys of one client share a slot (one script draws a
//! submission and the burst count together); different clients and cases spread over the cluster.

use data_encoding::BASE32_NOPAD;

use super::{EntryId, StoreError};

/// Bits of an entry id that hold the sequence number within its list.
const SEQ_BITS: u32 = 40;
/// The most lists one installation can have (ids stay below 2^53).
pub const MAX_LISTS: u64 = 1 << 13;
/// Random bytes in a case id.
const CASE_RANDOM_BYTES: usize = 16;

/// Builds key names under one prefix.
#[derive(Clone, Debug)]
pub struct Keys {
    prefix: String,
}

impl Keys {
    /// `prefix` is put in front of every key; it must not contain braces (they would break the hash tags).
    pub fn new(prefix: &str) -> Result<Self, StoreError> {
        if prefix.contains(['{', '}']) {
            return Err(StoreError::Invalid("key prefix must not contain braces".into()));
        }
        Ok(Self { prefix: prefix.to_owned() })
    }

    fn global(&self, name: &str) -> String {
        format!("{}{{g}}:{name}", self.prefix)
    }

    fn of_list(&self, list: &str, name: &str) -> String {
        format!("{}{{l:{list}}}:{name}", self.prefix)
    }

    /// List name -> number.
    pub fn lists(&self) -> String {
        self.global("lists")
    }

    /// List number -> name.
    pub fn list_numbers(&self) -> String {
        self.global("list_numbers")
    }

    /// Counter of list numbers.
    pub fn list_seq(&self) -> String {
        self.global("list_seq")
    }

    /// API keys by id.
    pub fn api_keys(&self) -> String {
        self.global("api_keys")
    }

    /// A list's entry counter.
    pub fn entry_seq(&self, list: &str) -> String {
        self.of_list(list, "seq")
    }

    /// One entry.
    pub fn entry(&self, list: &str, id: EntryId) -> String {
        self.of_list(list, &format!("e:{id}"))
    }

    /// One case.
    pub fn case(&self, list: &str, case_id: &str) -> String {
        self.of_list(list, &format!("c:{case_id}"))
    }

    /// One entry's feedback by platform.
    pub fn feedback(&self, list: &str, id: EntryId) -> String {
        self.of_list(list, &format!("fb:{id}"))
    }

    /// Which platforms matched an entry, and on which days (the benign-image heuristic counts them).
    pub fn match_tally(&self, list: &str, id: EntryId) -> String {
        self.of_list(list, &format!("mt:{id}"))
    }

    /// A list's live entries.
    pub fn live(&self, list: &str) -> String {
        self.of_list(list, "live")
    }

    /// A list's change feed.
    pub fn feed(&self, list: &str) -> String {
        self.of_list(list, "feed")
    }

    /// A list's entries waiting for a publication batch.
    pub fn outbox(&self, list: &str) -> String {
        self.of_list(list, "outbox")
    }

    /// A list's internal change log, followed by every process's match index.
    pub fn changes(&self, list: &str) -> String {
        self.of_list(list, "changes")
    }

    /// A list's retention mark.
    pub fn trimmed(&self, list: &str) -> String {
        self.of_list(list, "trimmed")
    }

    /// A list's entries waiting for review.
    pub fn review_pending(&self, list: &str) -> String {
        self.of_list(list, "q:pending")
    }

    /// A list's quarantined entries.
    pub fn review_quarantined(&self, list: &str) -> String {
        self.of_list(list, "q:quarantined")
    }

    /// How many cases a list received in one clock hour (`hour`: `YYYY-MM-DDTHH`), for flood detection.
    pub fn cases_in_hour(&self, list: &str, hour: &str) -> String {
        self.of_list(list, &format!("flood:{hour}"))
    }

    /// A list's statistics counters.
    pub fn stats(&self, list: &str) -> String {
        self.of_list(list, "stats")
    }

    /// A list's withdrawn cases by feed position.
    pub fn withdrawals(&self, list: &str) -> String {
        self.of_list(list, "withdrawals")
    }

    /// A case rejection waiting for a second analyst.
    pub fn case_rejection(&self, list: &str, case_id: &str) -> String {
        self.of_list(list, &format!("rej:{case_id}"))
    }

    /// A list's audit outbox: records of its actions, written in the action's own script, waiting for the chain.
    pub fn audit_outbox(&self, list: &str) -> String {
        self.of_list(list, "audit")
    }

    /// The audit outbox of actions on API keys and lists (the global slot's).
    pub fn global_audit_outbox(&self) -> String {
        self.global("audit")
    }

    /// The audit outbox of actions on takedown notices (their slot's).
    pub fn notices_audit_outbox(&self) -> String {
        format!("{}{{n}}:audit", self.prefix)
    }

    /// One takedown notice.
    pub fn notice(&self, id: &str) -> String {
        format!("{}{{n}}:notice:{id}", self.prefix)
    }

    /// Notice ids by creation time.
    pub fn notices(&self) -> String {
        format!("{}{{n}}:notices", self.prefix)
    }

    /// A list's notice ids by creation time.
    pub fn notices_of_list(&self, list: &str) -> String {
        format!("{}{{n}}:notices:list:{list}", self.prefix)
    }

    /// Sent notices for `host` or a subdomain of it, by creation time.
    pub fn notices_of_host(&self, host: &str) -> String {
        format!("{}{{n}}:notices:host:{host}", self.prefix)
    }

    /// A case's notice ids.
    pub fn notices_of_case(&self, case_id: &str) -> String {
        format!("{}{{n}}:notices:case:{case_id}", self.prefix)
    }

    /// Forwards to the authorities: id -> JSON.
    pub fn forwards(&self) -> String {
        format!("{}{{n}}:fwd", self.prefix)
    }

    /// Forward ids by the time they were forwarded.
    pub fn forwards_by_time(&self) -> String {
        format!("{}{{n}}:fwd:time", self.prefix)
    }

    /// A case's forward ids.
    pub fn forwards_of_case(&self, case_id: &str) -> String {
        format!("{}{{n}}:fwd:case:{case_id}", self.prefix)
    }

    /// The hosts directory: host -> contact.
    pub fn hosts(&self) -> String {
        format!("{}{{n}}:hosts", self.prefix)
    }

    /// E-mails waiting for the sender, by due time.
    pub fn mail_queue(&self) -> String {
        format!("{}{{n}}:mail", self.prefix)
    }

    /// What each waiting e-mail is.
    pub fn mail_messages(&self) -> String {
        format!("{}{{n}}:mail:msg", self.prefix)
    }

    /// Set once the notice indexes hold every notice created before they existed.
    pub fn notices_indexed(&self) -> String {
        format!("{}{{n}}:notices:indexed", self.prefix)
    }

    /// One client's bucket of one budget (`client`: hex of its daily HMAC).
    pub fn client_budget(&self, client: &str, budget: &str) -> String {
        format!("{}{{c:{client}}}:{budget}", self.prefix)
    }

    /// Wrong secrets presented for one case in the current lock-out window.
    pub fn secret_failures(&self, case_id: &str) -> String {
        format!("{}{{x:{case_id}}}:fails", self.prefix)
    }

    /// The fence of the slot `key` (one of ours, with a hash tag) is on: a write there makes `WAIT` cover every
    /// earlier write to that slot.
    pub fn fence(&self, key: &str) -> String {
        let tag = key.split_once('{').and_then(|(_, rest)| rest.split_once('}')).map_or("g", |(tag, _)| tag);
        format!("{}{{{tag}}}:fence", self.prefix)
    }

    /// The prefix every key starts with.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// How far each platform key has fetched a list's feed: key id -> newest stream id delivered.
    pub fn positions(&self, list: &str) -> String {
        self.of_list(list, "pos")
    }
}

/// The entry id of sequence number `seq` on list number `list_no`.
pub fn entry_id(list_no: u64, seq: u64) -> Result<EntryId, StoreError> {
    if seq == 0 || seq >= 1 << SEQ_BITS || list_no == 0 || list_no >= MAX_LISTS {
        return Err(StoreError::Invalid("entry id space exhausted".into()));
    }
    Ok(list_no << SEQ_BITS | seq)
}

/// The list number an entry id belongs to.
pub fn list_no_of_entry(id: EntryId) -> u64 {
    id >> SEQ_BITS
}

/// A new case id: 16 random bytes then the list number (2 bytes, big-endian), lower-case base32 (29 characters).
pub fn new_case_id(list_no: u64, random: [u8; CASE_RANDOM_BYTES]) -> String {
    let mut bytes = [0u8; CASE_RANDOM_BYTES + 2];
    bytes[..CASE_RANDOM_BYTES].copy_from_slice(&random);
    // list_no < MAX_LISTS = 2^13, so two bytes hold it.
    bytes[CASE_RANDOM_BYTES..].copy_from_slice(&(list_no as u16).to_be_bytes());
    BASE32_NOPAD.encode(&bytes).to_ascii_lowercase()
}

/// The list number inside a case id, or `None` if the text is not a case id.
pub fn list_no_of_case(case_id: &str) -> Option<u64> {
    if case_id.len() != 29 || !case_id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) {
        return None;
    }
    let bytes = BASE32_NOPAD.decode(case_id.to_ascii_uppercase().as_bytes()).ok()?;
    let tail: [u8; 2] = bytes.get(CASE_RANDOM_BYTES..)?.try_into().ok()?;
    let no = u64::from(u16::from_be_bytes(tail));
    (no > 0 && no < MAX_LISTS).then_some(no)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_one_list_share_a_hash_tag() {
        let keys = Keys::new("d:").expect("prefix");
        assert_eq!(keys.feed("ncii"), "d:{l:ncii}:feed");
        assert_eq!(keys.entry("ncii", 7), "d:{l:ncii}:e:7");
        assert_eq!(keys.api_keys(), "d:{g}:api_keys");
        assert!(Keys::new("a{b").is_err());
        assert_eq!(keys.fence(&keys.case("ncii", "c1")), "d:{l:ncii}:fence");
    }

    #[test]
    fn entry_ids_carry_their_list_number() {
        let id = entry_id(3, 42).expect("id");
        assert_eq!(list_no_of_entry(id), 3);
        assert!(id < 1 << 53);
        assert!(entry_id(MAX_LISTS, 1).is_err());
        assert!(entry_id(1, 1 << 40).is_err());
    }

    #[test]
    fn case_ids_carry_their_list_number_and_reject_garbage() {
        let id = new_case_id(5, [0xab; 16]);
        assert_eq!(id.len(), 29);
        assert_eq!(list_no_of_case(&id), Some(5));
        assert_eq!(list_no_of_case(&id.to_ascii_uppercase()), None);
        assert_eq!(list_no_of_case("short"), None);
        assert_eq!(list_no_of_case(&"a".repeat(29)), None);
        assert_eq!(list_no_of_case(&new_case_id(0, [1; 16])), None);
    }
}
