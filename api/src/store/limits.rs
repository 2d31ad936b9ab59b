//! Budgets shared by every API process: per-client GCRA buckets and per-case lock-out counters in Redis.
//!
//! Each check is one Lua script on one slot, so two processes drawing at once never both take the last unit,
//! and it reads the time from Redis (`TIME`), so processes whose clocks disagree still agree on the budget.
//! Every key expires once it holds nothing worth keeping (a bucket when it is full again, a lock-out counter
//! with its window), so an idle client leaves no trace.

use std::sync::LazyLock;
use std::time::Duration;

use redis::Script;

use super::{Store, StoreError};

/// A budget: `limit` units per `period`, all of them available at once when the bucket is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// The time in which the whole budget refills.
    pub period: Duration,
    /// Units per period (at least 1).
    pub limit: u32,
}

/// What one draw found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Draw {
    /// The units were taken.
    pub allowed: bool,
    /// When refused: how long until they would fit.
    pub retry_after: Duration,
    /// The second bucket (drawn only when the first allowed) was empty: the caller flags, it does not refuse.
    pub flagged: bool,
}

/// GCRA: a bucket is the theoretical arrival time (TAT, µs) of the next unit; a draw of `cost` units fits when
/// pushing the TAT by `cost` intervals keeps it within one period of now. The key expires when the TAT passes.
/// KEYS: bucket, [flag bucket]. ARGV: period µs, limit, cost, [flag period µs, flag limit].
/// Returns {allowed 1/0, µs to wait when refused, flagged 1/0}.
const DRAW: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local function draw(key, period, limit, cost)
  local tat = tonumber(redis.call('GET', key) or '0') or 0
  if tat < now then tat = now end
  local next_tat = tat + cost * period / limit
  local wait = next_tat - now - period
  if wait > 0 then return wait end
  redis.call('SET', key, string.format('%.0f', next_tat), 'PX', math.max(1, math.ceil((next_tat - now) / 1000)))
  return 0
end
local wait = draw(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]))
if wait > 0 then return {0, math.ceil(wait), 0} end
local flagged = 0
if KEYS[2] and draw(KEYS[2], tonumber(ARGV[4]), tonumber(ARGV[5]), 1) > 0 then flagged = 1 end
return {1, 0, flagged}
"#;

/// KEYS: counter. ARGV: limit. Returns the ms the lock still lasts, or 0 when not locked.
const LOCKED_FOR: &str = r#"
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n < tonumber(ARGV[1]) then return 0 end
return math.max(1, redis.call('PTTL', KEYS[1]))
"#;

/// KEYS: counter. ARGV: window ms. The window starts at the first failure and is not extended by later ones.
const COUNT_FAILURE: &str = r#"
local n = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
"#;

static DRAW_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(DRAW));
static LOCKED_FOR_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(LOCKED_FOR));
static COUNT_FAILURE_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(COUNT_FAILURE));

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1)
}

impl Store {
    /// Draws `cost` units of `budget` from `client`'s bucket (`client`: an opaque id, never an address). When
    /// they fit and `flag` names a second budget, one unit is drawn from it too; finding it empty sets
    /// [`Draw::flagged`] without refusing.
    pub async fn draw_budget(
        &self,
        client: &str,
        budget: &str,
        quota: Quota,
        cost: u32,
        flag: Option<(&str, Quota)>,
    ) -> Result<Draw, StoreError> {
        let keys = self.keys();
        let mut invocation = DRAW_SCRIPT.prepare_invoke();
        invocation.key(keys.client_budget(client, budget)).arg(micros(quota.period)).arg(quota.limit.max(1)).arg(cost);
        if let Some((name, flag_quota)) = flag {
            invocation
                .key(keys.client_budget(client, name))
                .arg(micros(flag_quota.period))
                .arg(flag_quota.limit.max(1));
        }
        let reply: (i64, i64, i64) = invocation.invoke_async(&mut self.conn()).await?;
        Ok(Draw {
            allowed: reply.0 == 1,
            retry_after: Duration::from_micros(u64::try_from(reply.1).unwrap_or(0)),
            flagged: reply.2 == 1,
        })
    }

    /// How long `case_id` stays locked after `limit` wrong secrets; `None` when it is not locked.
    pub async fn secret_lock(&self, case_id: &str, limit: u32) -> Result<Option<Duration>, StoreError> {
        let ms: i64 = LOCKED_FOR_SCRIPT
            .key(self.keys().secret_failures(case_id))
            .arg(limit)
            .invoke_async(&mut self.conn())
            .await?;
        Ok((ms > 0).then(|| Duration::from_millis(ms.unsigned_abs())))
    }

    /// Counts one wrong secret for `case_id`; the count lasts `window` from the first one.
    pub async fn record_secret_failure(&self, case_id: &str, window: Duration) -> Result<(), StoreError> {
        let _: i64 = COUNT_FAILURE_SCRIPT
            .key(self.keys().secret_failures(case_id))
            .arg(u64::try_from(window.as_millis()).unwrap_or(u64::MAX).max(1))
            .invoke_async(&mut self.conn())
            .await?;
        Ok(())
    }
}
