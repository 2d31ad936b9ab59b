//! The one error type of the store.

/// Everything a store call can fail with. The API maps these to HTTP answers (`Unavailable` -> 503).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Redis could not be reached or did not answer in time (connection refused, dropped, timeout).
    #[error("redis is unavailable")]
    Unavailable(#[source] redis::RedisError),
    /// Fewer replicas than required acknowledged a promised write in time: it may be lost at a failover, so
    /// it must not be acknowledged (the API answers 503; the write is idempotent and can be retried).
    #[error("{acknowledged} of {wanted} replicas acknowledged the write in time")]
    NotReplicated {
        /// Replicas required.
        wanted: u32,
        /// Replicas that had it.
        acknowledged: u32,
    },
    /// Redis answered with an error the store did not expect (a bug or a foreign key in our key space).
    #[error("redis command failed")]
    Redis(#[source] redis::RedisError),
    /// The named list, case, entry or key does not exist.
    #[error("{what} not found")]
    NotFound {
        /// What was looked up: "list", "case", "entry", "api key".
        what: &'static str,
    },
    /// The write conflicts with the stored state (the list or key exists already, a withdrawn entry cannot change).
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// The cursor points before the retention horizon: records were trimmed, the client must resync from a snapshot.
    #[error("the feed cursor is older than the retention window; resync from a snapshot")]
    CursorExpired,
    /// The cursor is not one this store issued for this list.
    #[error("malformed feed cursor")]
    InvalidCursor,
    /// The cursor points past the newest record of the feed: this store never issued it (or Redis lost writes).
    #[error("the feed cursor is beyond the feed's end; resync from a snapshot")]
    CursorBeyondEnd,
    /// The input breaks a store rule (list name syntax, empty case, hash text).
    #[error("invalid input: {0}")]
    Invalid(String),
    /// The system random number generator failed (no case id can be made).
    #[error("the system random number generator failed")]
    Rng,
    /// A stored value could not be read back (corrupt data or an incompatible older format).
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
}

impl From<redis::RedisError> for StoreError {
    fn from(err: redis::RedisError) -> Self {
        use redis::{ErrorKind, ServerErrorKind};
        let unavailable = matches!(
            err.kind(),
            ErrorKind::Io
                | ErrorKind::ClusterConnectionNotFound
                | ErrorKind::Server(
                    ServerErrorKind::BusyLoading
                        | ServerErrorKind::TryAgain
                        | ServerErrorKind::ClusterDown
                        | ServerErrorKind::MasterDown
                        | ServerErrorKind::ReadOnly
                )
        ) || err.is_connection_dropped()
            // Redis is at its memory limit: it takes no write (a script is refused before it runs), retry later.
            || err.code() == Some("OOM")
            || err.is_timeout();
        if unavailable { StoreError::Unavailable(err) } else { StoreError::Redis(err) }
    }
}

/// A stored kind, state, category, role or reason that names no variant.
impl From<disrupt_openapi::UnknownName> for StoreError {
    fn from(err: disrupt_openapi::UnknownName) -> Self {
        StoreError::Corrupt(err.to_string())
    }
}

impl StoreError {
    /// A stable snake_case code for logs and error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Unavailable(_) | StoreError::NotReplicated { .. } => "store_unavailable",
            StoreError::Redis(_) => "store_error",
            StoreError::NotFound { .. } => "not_found",
            StoreError::Conflict(_) => "conflict",
            StoreError::CursorExpired => "cursor_expired",
            StoreError::InvalidCursor => "invalid_cursor",
            StoreError::CursorBeyondEnd => "cursor_beyond_end",
            StoreError::Invalid(_) => "invalid_input",
            StoreError::Rng => "rng_failed",
            StoreError::Corrupt(_) => "store_corrupt",
        }
    }
}
