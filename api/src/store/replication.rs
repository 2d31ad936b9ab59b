//! Writes whose answer promises something wait for replicas.
//!
//! Redis replicates asynchronously: a master acknowledges a write before any replica has it, and a failover in
//! between loses it. A victim told "withdrawn" whose withdrawal was lost that way keeps her hashes listed. So
//! case creation, withdrawal and entry decisions run on a connection of their own, each command in one pipeline
//! with `WAIT`, sent to the node that takes the write (in a cluster, the master of the key's slot), so the wait
//! always judges the write it travelled with, also when a failover makes the client send both again.
//! `WAIT` counts the replicas that have everything this connection wrote; too few within the timeout and the
//! store reports [`StoreError::NotReplicated`], which the API answers with 503 `store_unavailable` instead of
//! promising. The write itself may still survive: every promised write is idempotent, so the client retries.
//!
//! A retry that finds the work already done wrote nothing, and `WAIT` only covers what its own connection
//! wrote; so it first writes a fence ([`super::keys::Keys::fence`]) on the same slot, whose replication implies
//! that of every earlier write there, whichever process made it.

use redis::aio::ConnectionLike;
use redis::{Cmd, FromRedisValue, RedisFuture, ScriptInvocation, Value};

use super::connection::Connection;
use super::{Store, StoreError};
use crate::settings::ReplicaWait;

/// Connected replicas in a `ROLE` reply of a master: `["master", offset, [[ip, port, offset], ...]]`.
fn replicas_in_role(role: &Value) -> usize {
    match role {
        Value::Array(items) => match items.get(2) {
            Some(Value::Array(replicas)) => replicas.len(),
            _ => 0,
        },
        _ => 0,
    }
}

/// A connection that sends every command in one pipeline with `WAIT`, to the node serving `key`: the write and
/// the wait it is judged by travel together, so a retry after a failover repeats both on the new master
/// rather than counting that master's replicas for a write it never saw.
struct Waiting<'a> {
    conn: &'a mut Connection,
    key: &'a str,
    wait: Cmd,
    /// What the last `WAIT` answered.
    acknowledged: i64,
}

impl ConnectionLike for Waiting<'_> {
    fn req_packed_command<'b>(&'b mut self, cmd: &'b Cmd) -> RedisFuture<'b, Value> {
        Box::pin(async move {
            let mut pipeline = redis::pipe();
            pipeline.add_command(cmd.clone()).add_command(self.wait.clone());
            let mut values = self.conn.pipeline_at_key(pipeline, self.key).await?.into_iter();
            let (Some(reply), Some(waited)) = (values.next(), values.next()) else {
                return Err(redis::RedisError::from((redis::ErrorKind::Client, "short pipeline reply")));
            };
            self.acknowledged = redis::from_redis_value(waited).unwrap_or(0);
            Ok(reply)
        })
    }

    fn req_packed_commands<'b>(
        &'b mut self,
        pipeline: &'b redis::Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'b, Vec<Value>> {
        self.conn.req_packed_commands(pipeline, offset, count)
    }

    fn get_db(&self) -> i64 {
        self.conn.get_db()
    }
}

impl Store {
    /// Runs a promised write's script and, when replicas are wanted, makes sure enough of them hold it before
    /// its result is returned. `key`: one of the keys the script writes (its slot's master takes the write).
    /// `wrote(result)`: `Some(true)` when the script changed something, `Some(false)` when it found the work
    /// already done (still a promise: a fence makes the wait cover the earlier write), `None` when it promises
    /// nothing (not found, refused).
    pub(crate) async fn invoke_promised<T: FromRedisValue>(
        &self,
        invocation: &ScriptInvocation<'_>,
        key: &str,
        wrote: impl Fn(&T) -> Option<bool>,
    ) -> Result<T, StoreError> {
        let mut conn = self.promise_conn();
        let wanted = self.replicas_wanted(&mut conn, key).await?;
        if wanted == 0 {
            return Ok(invocation.invoke_async(&mut conn).await?);
        }
        let mut wait = Cmd::new();
        wait.arg("WAIT").arg(wanted).arg(self.inner.replication.timeout_ms.max(1));
        let mut waiting = Waiting { conn: &mut conn, key, wait, acknowledged: 0 };
        let result: T = invocation.invoke_async(&mut waiting).await?;
        match wrote(&result) {
            None => return Ok(result),
            Some(true) => {}
            Some(false) => {
                let mut fence = Cmd::new();
                fence.arg("SET").arg(self.keys().fence(key)).arg(disrupt_hotline::time::now_ms()).arg("PX").arg(60_000);
                let _: Value = fence.query_async(&mut waiting).await?;
            }
        }
        if waiting.acknowledged >= i64::from(wanted) {
            Ok(result)
        } else {
            Err(StoreError::NotReplicated { wanted, acknowledged: waiting.acknowledged.max(0) as u32 })
        }
    }

    /// The connection promised writes go on: its own when they wait for replicas, so that a slow `WAIT` holds
    /// up only them.
    fn promise_conn(&self) -> Connection {
        self.inner.durable.clone().unwrap_or_else(|| self.conn())
    }

    /// How many replicas a write to `key`'s slot must reach.
    async fn replicas_wanted(&self, conn: &mut Connection, key: &str) -> Result<u32, StoreError> {
        match self.inner.replication.wait_for {
            ReplicaWait::Count(n) => Ok(n),
            ReplicaWait::Auto => {
                let role: Value = conn.query_at_key(redis::cmd("ROLE"), key).await?;
                Ok(u32::from(replicas_in_role(&role) > 0))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_masters_role_lists_its_replicas() {
        let replica = Value::Array(vec![
            Value::BulkString(b"127.0.0.1".to_vec()),
            Value::BulkString(b"7001".to_vec()),
            Value::BulkString(b"10".to_vec()),
        ]);
        let role =
            Value::Array(vec![Value::BulkString(b"master".to_vec()), Value::Int(10), Value::Array(vec![replica])]);
        assert_eq!(replicas_in_role(&role), 1);
        let alone = Value::Array(vec![Value::BulkString(b"master".to_vec()), Value::Int(0), Value::Array(vec![])]);
        assert_eq!(replicas_in_role(&alone), 0);
    }
}
