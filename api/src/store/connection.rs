//! One connection type over a single Redis (through a reconnecting `ConnectionManager`) and a Redis Cluster, so
//! the rest of the store runs the same code against both.

use std::time::Duration;

use redis::{
    Cmd, Pipeline, RedisFuture, Value,
    aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig},
    cluster::ClusterClient,
    cluster_async::ClusterConnection,
    cluster_routing::{Route, RoutingInfo, SingleNodeRoutingInfo, SlotAddr},
};

use super::StoreError;

/// Prefix of a `redis_url` naming Redis Cluster nodes: `redis+cluster://[user:pass@]host:port,host:port,...`.
pub const CLUSTER_SCHEME: &str = "redis+cluster://";

/// How to open connections; kept so followers can open their own (blocking reads must not share a connection).
#[derive(Clone)]
pub(crate) enum Client {
    Single(redis::Client),
    Cluster(Vec<String>),
}

/// A connection; cheap to clone (both variants multiplex over shared sockets).
#[derive(Clone)]
pub(crate) enum Connection {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

/// The node URLs of a cluster URL, or `None` for a single-server URL.
pub(crate) fn cluster_nodes(url: &str) -> Option<Vec<String>> {
    let rest = url.strip_prefix(CLUSTER_SCHEME)?;
    let (auth, hosts) = match rest.rsplit_once('@') {
        Some((auth, hosts)) => (format!("{auth}@"), hosts),
        None => (String::new(), rest),
    };
    let hosts = hosts.trim_end_matches('/');
    Some(hosts.split(',').filter(|h| !h.is_empty()).map(|h| format!("redis://{auth}{h}")).collect())
}

impl Client {
    pub fn open(url: &str) -> Result<Self, StoreError> {
        match cluster_nodes(url) {
            Some(nodes) if nodes.is_empty() => {
                Err(StoreError::Invalid("a cluster redis_url needs at least one node".into()))
            }
            Some(nodes) => {
                // Checks the node URLs now rather than at the first connection.
                ClusterClient::new(nodes.clone())?;
                Ok(Client::Cluster(nodes))
            }
            None => Ok(Client::Single(redis::Client::open(url)?)),
        }
    }

    /// A new connection whose commands time out after `response_timeout` (longer than any blocking read on it).
    pub async fn connect(&self, response_timeout: Duration) -> Result<Connection, StoreError> {
        match self {
            Client::Single(client) => {
                let config = ConnectionManagerConfig::new()
                    .set_response_timeout(Some(response_timeout))
                    .set_connection_timeout(Some(Duration::from_secs(2)))
                    .set_number_of_retries(3)
                    .set_max_delay(Duration::from_secs(1));
                Ok(Connection::Single(client.get_connection_manager_with_config(config).await?))
            }
            Client::Cluster(nodes) => {
                let client = ClusterClient::builder(nodes.clone())
                    .response_timeout(response_timeout)
                    .connection_timeout(Duration::from_secs(2))
                    .build()?;
                Ok(Connection::Cluster(client.get_async_connection().await?))
            }
        }
    }
}

impl Connection {
    /// Runs a keyless command (`WAIT`, `ROLE`) on the node that serves `key`: in a cluster, over the same
    /// connection the commands on that key's slot use; on a single server, over this connection.
    pub async fn query_at_key<T: redis::FromRedisValue>(&mut self, cmd: Cmd, key: &str) -> Result<T, StoreError> {
        let value = match self {
            Connection::Single(c) => cmd.query_async::<Value>(c).await?,
            Connection::Cluster(c) => {
                let route = Route::with_key(key, SlotAddr::Master);
                c.route_command(cmd, RoutingInfo::SingleNode(SingleNodeRoutingInfo::SpecificNode(route))).await?
            }
        };
        redis::from_redis_value(value).map_err(|e| StoreError::Corrupt(format!("unexpected reply: {e}")))
    }

    /// Sends `pipeline` in one piece to the node that serves `key`; server errors come back inline as values.
    pub async fn pipeline_at_key(&mut self, pipeline: Pipeline, key: &str) -> Result<Vec<Value>, redis::RedisError> {
        let count = pipeline.cmd_iter().count();
        match self {
            Connection::Single(c) => c.req_packed_commands(&pipeline, 0, count).await,
            Connection::Cluster(c) => {
                let route = Route::with_key(key, SlotAddr::Master);
                c.route_pipeline(pipeline, 0, count, SingleNodeRoutingInfo::SpecificNode(route)).await
            }
        }
    }
}

impl ConnectionLike for Connection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Connection::Single(c) => c.req_packed_command(cmd),
            Connection::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Connection::Single(c) => c.req_packed_commands(pipeline, offset, count),
            Connection::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Connection::Single(c) => c.get_db(),
            Connection::Cluster(c) => c.get_db(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_urls_list_their_nodes() {
        assert_eq!(
            cluster_nodes("redis+cluster://a:1,b:2/"),
            Some(vec!["redis://a:1".to_owned(), "redis://b:2".to_owned()])
        );
        assert_eq!(
            cluster_nodes("redis+cluster://u:p@a:1,b:2"),
            Some(vec!["redis://u:p@a:1".to_owned(), "redis://u:p@b:2".to_owned()])
        );
        assert_eq!(cluster_nodes("redis://a:1"), None);
    }
}
