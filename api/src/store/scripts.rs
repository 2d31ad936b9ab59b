//! The Lua scripts behind every write that touches more than one key.
//!
//! Redis runs a script atomically, but does not roll back what a script wrote before a runtime error. So each
//! script first checks everything that could fail (key existence and types) and only then writes, with commands
//! that cannot fail on the checked keys: a case is written whole or not at all.
//!
//! All keys a script touches are passed in `KEYS` and share one hash tag, as Redis Cluster requires.

use redis::Script;

use super::audit::audited_script;

/// Appends one feed record for the entry whose fields are `id, kind, hash, quality, state, category`, stored at
/// `key`; shared prelude of the scripts that change entries. `q` is left out when the entry has no quality.
/// The stream holds each entry once, in its latest state: the entry's previous record (its `f` field) is deleted,
/// so a withdrawn, rejected or quarantined entry's earlier records (and the hash values they carry) leave the
/// stream at once, and a reader replaying the feed still ends with every entry's latest state.
/// `feed_add_if_fed` writes a record only for an entry platforms may know (one that was in the feed): a held
/// entry that never went out gets no tombstone carrying its hash. The entry keeps what platforms were last told
/// (`ps` state, `pu` time) for snapshots.
const FEED_PRELUDE: &str = r#"
local function feed_add(feed, key, e, now)
  local previous = redis.call('HGET', key, 'f')
  if previous then redis.call('XDEL', feed, previous) end
  local args = {'XADD', feed, '*', 'e', e[1], 'k', e[2], 'h', e[3]}
  if e[4] and e[4] ~= '' then
    table.insert(args, 'q'); table.insert(args, e[4])
  end
  for _, v in ipairs({'s', e[5], 'c', e[6], 'u', now}) do table.insert(args, v) end
  local id = redis.call(unpack(args))
  redis.call('HSET', key, 'f', id, 'ps', e[5], 'pu', now)
  return id
end
-- The match indexes' change log: entry id and whether it is live, never a hash value.
local function note_change(changes, id, live)
  redis.call('XADD', changes, '*', 'e', id, 'l', live)
end
local function feed_add_if_fed(feed, key, e, now)
  if redis.call('HEXISTS', key, 'f') == 0 then return nil end
  return feed_add(feed, key, e, now)
end
"#;

/// KEYS: lists, list_numbers, list_seq. ARGV: name, max lists.
/// Returns the new list number, 0 if the list exists, -1 if the list space is full.
const CREATE_LIST: &str = r#"
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
local no = tonumber(redis.call('GET', KEYS[3]) or '0') + 1
if no >= tonumber(ARGV[2]) then return -1 end
redis.call('SET', KEYS[3], no)
redis.call('HSET', KEYS[1], ARGV[1], no)
redis.call('HSET', KEYS[2], no, ARGV[1])
return no
"#;

/// KEYS: API keys. ARGV: key id, its JSON. Returns 1 when stored, 0 when the id is taken.
const CREATE_API_KEY: &str = r#"
return redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
"#;

/// KEYS: API keys. ARGV: key id, the JSON read before, the new JSON. Returns 1 when replaced, 0 when the stored
/// JSON is no longer the one read (another update came first).
const REPLACE_API_KEY: &str = r#"
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
"#;

/// KEYS: case, live, feed, pending review queue, stats, quarantine queue, cases-this-hour counter, outbox, changes,
/// entry keys...
/// ARGV: now, case id, list, category, secret hash (hex), urls (JSON), has contact ('1'/'0'), contact,
/// entry ids (comma-separated), month (`YYYY-MM`), surge limit ('0' = none), declarations (JSON, '' = none),
/// then per entry: id, kind, hash, quality ('' = none), hold reason ('' = publish).
/// Returns {1, entries held, 1 if the surge limit held them}, or {-1} if the case or an entry key exists, {-2} if
/// a list key has the wrong type.
/// A live entry joins the live set (matching) at once and the feed only with the next publication batch
/// (`PUBLISH_BATCH`), so that a case's hashes never enter the feed together. A held entry is created
/// quarantined: in the quarantine queue, not in the live set, the outbox or the feed.
const CREATE_CASE: &str = r#"
local now = ARGV[1]
if redis.call('EXISTS', KEYS[1]) == 1 then return {-1} end
for i = 10, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then return {-1} end
end
local live_type = redis.call('TYPE', KEYS[2])['ok']
local feed_type = redis.call('TYPE', KEYS[3])['ok']
local count_type = redis.call('TYPE', KEYS[7])['ok']
if (live_type ~= 'none' and live_type ~= 'hash') or (feed_type ~= 'none' and feed_type ~= 'stream')
    or (count_type ~= 'none' and count_type ~= 'string') then
  return {-2}
end
local surge = false
local limit = tonumber(ARGV[11])
if limit > 0 then
  -- Fixed clock-hour windows; the key outlives its hour so a late reader still sees it.
  local received = redis.call('INCR', KEYS[7])
  if received == 1 then redis.call('PEXPIRE', KEYS[7], 7200000) end
  surge = received > limit
end
local case = {'HSET', KEYS[1], 'id', ARGV[2], 'list', ARGV[3], 'category', ARGV[4], 'secret_hash', ARGV[5],
  'urls', ARGV[6], 'state', 'active', 'created_at', now, 'entry_ids', ARGV[9]}
if ARGV[7] == '1' then
  table.insert(case, 'contact'); table.insert(case, ARGV[8])
end
if ARGV[12] ~= '' then
  table.insert(case, 'declarations'); table.insert(case, ARGV[12])
end
redis.call(unpack(case))
redis.call('HINCRBY', KEYS[5], 'c:' .. ARGV[10] .. ':' .. ARGV[4], 1)
local reported = #cjson.decode(ARGV[6])
if reported > 0 then redis.call('HINCRBY', KEYS[5], 'u:' .. ARGV[10], reported) end
local held = 0
for i = 10, #KEYS do
  local a = 13 + (i - 10) * 5
  local reason = ARGV[a + 4]
  if reason == '' and surge then reason = 'service_surge' end
  local state = 'pending'
  if reason ~= '' then state = 'quarantined' end
  local e = {ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], state, ARGV[4]}
  local fields = {'HSET', KEYS[i], 'id', e[1], 'list', ARGV[3], 'kind', e[2], 'hash', e[3], 'state', e[5],
    'category', e[6], 'case_id', ARGV[2], 'created_at', now, 'updated_at', now,
    'blocked', 0, 'not_violating', 0, 'pending_review', 0}
  if e[4] ~= '' then
    table.insert(fields, 'quality'); table.insert(fields, e[4])
  end
  if reason ~= '' then
    table.insert(fields, 'held'); table.insert(fields, reason)
  end
  redis.call(unpack(fields))
  redis.call('HINCRBY', KEYS[5], 'e:' .. e[2] .. ':' .. state, 1)
  if state == 'pending' then
    redis.call('HSET', KEYS[2], e[1], e[2] .. ':' .. e[3])
    redis.call('ZADD', KEYS[4], now, e[1])
    redis.call('ZADD', KEYS[8], now, e[1])
    note_change(KEYS[9], e[1], 1)
  else
    redis.call('ZADD', KEYS[6], now, e[1])
    held = held + 1
  end
end
return {1, held, surge and 1 or 0}
"#;

/// KEYS: case, live, feed, positions, pending queue, quarantine queue, stats, withdrawals, outbox, changes, entry
/// keys...
/// ARGV: now, case id.
/// Returns 1 when withdrawn now, 0 when it already was, -1 when the case does not exist.
/// Also records, for erasure receipts, which platform keys had fetched the case's hashes (`received_by`) and the
/// feed position past its tombstones (`withdrawn_feed_id`).
const WITHDRAW_CASE: &str = r#"
local now = ARGV[1]
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HGET', KEYS[1], 'state') == 'withdrawn' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'withdrawn', 'withdrawn_at', now)
redis.call('HDEL', KEYS[1], 'contact')
local added = redis.call('HGET', KEYS[1], 'added_feed_id')
if added then
  local received = {}
  local positions = redis.call('HGETALL', KEYS[4])
  for j = 1, #positions, 2 do
    if id_ge(positions[j + 1], added) then table.insert(received, positions[j]) end
  end
  redis.call('HSET', KEYS[1], 'received_by', table.concat(received, ','))
end
local last_id = nil
for i = 11, #KEYS do
  local e = redis.call('HMGET', KEYS[i], 'id', 'kind', 'hash', 'quality', 'state', 'category')
  if e[1] and e[5] ~= 'withdrawn' then
    redis.call('HINCRBY', KEYS[7], 'e:' .. e[2] .. ':' .. e[5], -1)
    redis.call('HINCRBY', KEYS[7], 'e:' .. e[2] .. ':withdrawn', 1)
    e[5] = 'withdrawn'
    redis.call('HSET', KEYS[i], 'state', 'withdrawn', 'updated_at', now)
    redis.call('HDEL', KEYS[2], e[1])
    redis.call('ZREM', KEYS[5], e[1])
    redis.call('ZREM', KEYS[6], e[1])
    redis.call('ZREM', KEYS[9], e[1])
    note_change(KEYS[10], e[1], 0)
    last_id = feed_add_if_fed(KEYS[3], KEYS[i], e, now) or last_id
  end
end
-- The feed position a platform must reach to have fetched every tombstone of the case.
if not last_id then
  local head = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', 1)
  last_id = (#head > 0 and head[1][1]) or '0-0'
end
redis.call('HSET', KEYS[1], 'withdrawn_feed_id', last_id)
-- Withdrawals by feed position, so that a platform's fetch past the tombstones can be told (erasure receipts).
redis.call('ZADD', KEYS[8], tonumber(string.match(last_id, '^(%d+)')), ARGV[2])
return 1
"#;

/// KEYS: entry, live, feed, pending queue, quarantine queue, stats, outbox, changes. ARGV: new state, now, '1' if
/// the new state is live.
/// A live state reaches the feed with the next publication batch (`PUBLISH_BATCH`): analysts' decisions on a
/// case's entries, made together, must not line up in the feed either. Leaving the list is written at once (a
/// tombstone, if platforms ever had the entry), and the entry leaves the outbox.
/// Returns 1 when changed, 0 when the entry already had the state, -1 when missing, -2 when withdrawn (final).
const SET_ENTRY_STATE: &str = r#"
local e = redis.call('HMGET', KEYS[1], 'id', 'kind', 'hash', 'quality', 'state', 'category')
if not e[1] then return -1 end
if e[5] == ARGV[1] then return 0 end
if e[5] == 'withdrawn' then return -2 end
redis.call('HINCRBY', KEYS[6], 'e:' .. e[2] .. ':' .. e[5], -1)
redis.call('HINCRBY', KEYS[6], 'e:' .. e[2] .. ':' .. ARGV[1], 1)
redis.call('ZREM', KEYS[4], e[1])
redis.call('ZREM', KEYS[5], e[1])
if ARGV[1] == 'pending' then redis.call('ZADD', KEYS[4], ARGV[2], e[1]) end
if ARGV[1] == 'quarantined' then redis.call('ZADD', KEYS[5], ARGV[2], e[1]) end
e[5] = ARGV[1]
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'updated_at', ARGV[2])
note_change(KEYS[8], e[1], ARGV[3])
if ARGV[3] == '1' then
  redis.call('HSET', KEYS[2], e[1], e[2] .. ':' .. e[3])
  redis.call('ZADD', KEYS[7], 'NX', ARGV[2], e[1])
else
  redis.call('HDEL', KEYS[2], e[1])
  redis.call('ZREM', KEYS[7], e[1])
  feed_add_if_fed(KEYS[3], KEYS[1], e, ARGV[2])
end
return 1
"#;

/// KEYS: outbox, feed, then per entry: entry key, its case key. ARGV: now, then the entry ids, in the order to
/// publish them (shuffled by the caller).
/// Publishes one batch: each entry still waiting and still live gets its record, all with the same time `now`,
/// in the given order, so neither order nor time tells which records came in one case. An entry that left the
/// list meanwhile is skipped (its withdrawal took it out of the outbox). A published entry moves its case's
/// `added_feed_id` (the feed position a platform must reach to have every hash of the case: erasure receipts).
/// Returns the number of records written.
const PUBLISH_BATCH: &str = r#"
local now = ARGV[1]
local written = 0
for i = 3, #KEYS, 2 do
  local id = ARGV[2 + (i - 3) / 2]
  if redis.call('ZREM', KEYS[1], id) == 1 then
    local e = redis.call('HMGET', KEYS[i], 'id', 'kind', 'hash', 'quality', 'state', 'category')
    if e[1] and (e[5] == 'pending' or e[5] == 'verified') then
      local fed = feed_add(KEYS[2], KEYS[i], e, now)
      if redis.call('EXISTS', KEYS[i + 1]) == 1 then redis.call('HSET', KEYS[i + 1], 'added_feed_id', fed) end
      written = written + 1
    end
  end
end
return written
"#;

/// KEYS: entry, feedback. ARGV: platform key id, feedback name, tags (JSON).
/// A platform counts once per entry, with its latest answer. Returns 1, or -1 when the entry is missing.
const RECORD_FEEDBACK: &str = r#"
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local old = redis.call('HGET', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2] .. '\n' .. ARGV[3])
if old then
  local name = string.match(old, '^([^\n]*)')
  if name == ARGV[2] then return 1 end
  redis.call('HINCRBY', KEYS[1], name, -1)
end
redis.call('HINCRBY', KEYS[1], ARGV[2], 1)
return 1
"#;

/// The id of the newest record ever added to a feed: the stream's last generated id, which neither trimming nor
/// the deletion of superseded records moves back; the retention mark if the stream is gone; else '0-0'.
const HEAD_PRELUDE: &str = r#"
local function feed_head(feed, trimmed)
  if redis.call('EXISTS', feed) == 1 then
    local info = redis.call('XINFO', 'STREAM', feed)
    for i = 1, #info, 2 do
      if info[i] == 'last-generated-id' then return info[i + 1] end
    end
  end
  if trimmed then return redis.call('GET', trimmed) or '0-0' end
  return '0-0'
end
"#;

/// Sizes the next read of a budgeted page: as many records as fit in what is left of the byte budget if each were
/// as large as a record can be (a video of 7,200 frames is under 1 MiB), at least one, at most `cap`. Sizing by
/// the records seen so far would let one step of small records be followed by a large step that meets a run of
/// videos; this way a step never reads much past the budget, and pages of image hashes still take few steps.
const STEP_PRELUDE: &str = r#"
local MAX_RECORD = 1048576
local function next_step(bytes, budget, cap)
  local step = math.floor((budget - bytes) / MAX_RECORD)
  if step < 1 then step = 1 end
  if step > cap then step = cap end
  return step
end
"#;

/// KEYS: feed, trimmed. ARGV: exclusive start id, count, byte budget, bytes counted per record on top of its field
/// values. Returns {retention mark or '', head, records, cut}: read together so a trim or a write cannot slip
/// between the checks and the read. The records stop at the count, or before the record that would take them past
/// the budget (never before the first); `cut` is 1 when the budget stopped them.
const READ_FEED: &str = r#"
local t = redis.call('GET', KEYS[2]) or ''
local head = feed_head(KEYS[1], KEYS[2])
local limit, budget, overhead = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local out, bytes, cut, from = {}, 0, 0, '(' .. ARGV[1]
while #out < limit and cut == 0 do
  local r = redis.call('XRANGE', KEYS[1], from, '+', 'COUNT', next_step(bytes, budget, limit - #out))
  if #r == 0 then break end
  for _, record in ipairs(r) do
    local size = overhead
    for _, v in ipairs(record[2]) do size = size + #v end
    if #out > 0 and bytes + size > budget then cut = 1; break end
    out[#out + 1] = record
    bytes = bytes + size
    from = '(' .. record[1]
    if #out >= limit then break end
  end
end
return {t, head, out, cut}
"#;

/// KEYS: a list's live set. ARGV: scan cursor, count, byte budget, bytes counted per entry on top of its value,
/// '1' to return values. Steps of HSCAN until the count is reached, or another entry as large as the largest so
/// far would pass the budget, or the scan ends. A step's entries are taken whole (the scan cursor cannot point
/// inside a step), so a page may pass the budget by the last step's entries, which the step sizing keeps to about
/// one record when records are large. Returns {next cursor,
/// flat ids (or id, value pairs)}.
const SCAN_LIVE: &str = r#"
local cursor, limit, budget, overhead = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local values = ARGV[5] == '1'
local out, n, bytes, largest = {}, 0, 0, 0
repeat
  local r = redis.call('HSCAN', KEYS[1], cursor, 'COUNT', next_step(bytes, budget, math.min(limit - n, 1000)))
  cursor = r[1]
  local flat = r[2]
  for i = 1, #flat, 2 do
    out[#out + 1] = flat[i]
    if values then out[#out + 1] = flat[i + 1] end
    n = n + 1
    local size = overhead + #flat[i + 1]
    bytes = bytes + size
    if size > largest then largest = size end
  end
until cursor == '0' or n >= limit or (n > 0 and bytes + largest > budget)
return {cursor, out}
"#;

/// KEYS: a list's live set. ARGV: byte budget, bytes counted per entry on top of its value, '1' when the first
/// value is taken whatever its size, then entry ids. Returns the values of the ids in order (nil for one not
/// live), stopping before the value that would pass the budget: the caller takes the rest in its next batch.
const LIVE_VALUES: &str = r#"
local budget, overhead = tonumber(ARGV[1]), tonumber(ARGV[2])
local out, bytes = {}, 0
for i = 4, #ARGV do
  local size = overhead + redis.call('HSTRLEN', KEYS[1], ARGV[i])
  if (i > 4 or ARGV[3] ~= '1') and bytes + size > budget then break end
  bytes = bytes + size
  out[#out + 1] = redis.call('HGET', KEYS[1], ARGV[i]) or false
end
return out
"#;

/// KEYS: feed, trimmed (optional: the change log has none). Returns the id of the newest record ever added (also
/// after trimming), or '0-0'.
const FEED_HEAD: &str = r#"
return feed_head(KEYS[1], KEYS[2])
"#;

/// KEYS: feed, trimmed, changes. ARGV: min id to keep. Records older go; the newest of them becomes the retention
/// mark. The change log is trimmed to the same horizon. Returns the number of feed records removed.
const TRIM_FEED: &str = r#"
if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('XTRIM', KEYS[3], 'MINID', ARGV[1]) end
local last = redis.call('XREVRANGE', KEYS[1], '(' .. ARGV[1], '-', 'COUNT', 1)
if #last == 0 then return 0 end
redis.call('SET', KEYS[2], last[1][1])
return redis.call('XTRIM', KEYS[1], 'MINID', ARGV[1])
"#;

/// Compares two stream ids `ms-seq`: true when `a >= b`. Shared by the scripts that use feed positions.
const STREAM_ID_PRELUDE: &str = r#"
local function parse_id(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function id_ge(a, b)
  local ams, aseq = parse_id(a)
  local bms, bseq = parse_id(b)
  return ams > bms or (ams == bms and aseq >= bseq)
end
"#;

/// KEYS: positions. ARGV: platform key id, the exclusive start of what was served, the last id served (`ms-seq`).
/// A position moves only over what this key was served without a gap: forward, and from a start at or before its
/// recorded position ('0-0', a read from the beginning or a snapshot, for a key without one). A forged cursor
/// that skips records therefore records nothing, and erasure receipts count only deletions actually served.
/// `ARGV[4]` is the position the caller read ('' for none): when it is no longer the recorded one, nothing is
/// written (the caller's audit records were made for a move from there).
/// Returns {'moved', previous position ('' for none)}, {'still'} when it did not move, {'changed'}.
const RECORD_POSITION: &str = r#"
local old = redis.call('HGET', KEYS[1], ARGV[1])
if (old or '') ~= ARGV[4] then return {'changed'} end
if old then
  if not id_ge(old, ARGV[2]) or id_ge(old, ARGV[3]) then return {'still'} end
elseif ARGV[2] ~= '0-0' then
  return {'still'}
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return {'moved', old or ''}
"#;

/// The loaded scripts (Redis caches them by SHA1; `redis::Script` falls back to EVAL once when needed).
#[derive(Debug)]
pub(crate) struct Scripts {
    pub create_list: Script,
    pub create_api_key: Script,
    pub replace_api_key: Script,
    pub create_case: Script,
    pub withdraw_case: Script,
    pub set_entry_state: Script,
    pub publish_batch: Script,
    pub record_feedback: Script,
    pub read_feed: Script,
    pub scan_live: Script,
    pub live_values: Script,
    pub feed_head: Script,
    pub trim_feed: Script,
    pub record_position: Script,
}

impl Scripts {
    pub fn new() -> Self {
        let audited = |body: String| Script::new(&audited_script(&body));
        Self {
            // These carry their audit records (`store::audit::audited_script`).
            create_list: audited(CREATE_LIST.to_owned()),
            create_api_key: audited(CREATE_API_KEY.to_owned()),
            replace_api_key: audited(REPLACE_API_KEY.to_owned()),
            create_case: audited(format!("{FEED_PRELUDE}{CREATE_CASE}")),
            withdraw_case: audited(format!("{FEED_PRELUDE}{STREAM_ID_PRELUDE}{WITHDRAW_CASE}")),
            set_entry_state: audited(format!("{FEED_PRELUDE}{SET_ENTRY_STATE}")),
            publish_batch: Script::new(&format!("{FEED_PRELUDE}{PUBLISH_BATCH}")),
            record_feedback: Script::new(RECORD_FEEDBACK),
            read_feed: Script::new(&format!("{HEAD_PRELUDE}{STEP_PRELUDE}{READ_FEED}")),
            scan_live: Script::new(&format!("{STEP_PRELUDE}{SCAN_LIVE}")),
            live_values: Script::new(LIVE_VALUES),
            feed_head: Script::new(&format!("{HEAD_PRELUDE}{FEED_HEAD}")),
            trim_feed: Script::new(TRIM_FEED),
            record_position: audited(format!("{STREAM_ID_PRELUDE}{RECORD_POSITION}")),
        }
    }
}
