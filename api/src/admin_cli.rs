//! The server binary's admin command: `disrupt-api create-admin-key --name NAME` prints a new admin API key
//! (shown once; only its keyed hash is stored). It uses the same settings as the server (`DISRUPT_*`, the
//! config file, the server key in the data directory) and must reach the same Redis.

use disrupt_hotline::audit::{ActorRole, AuditAction, AuditActor};
use disrupt_hotline::time::now_ms;
use secrecy::SecretString;

use crate::error::ApiError;
use crate::redis_server::{EmbeddedRedis, wait_until_answering};
use crate::settings::{ServerKey, Settings};
use crate::store::audit::AuditEvent;
use crate::store::model::{ApiKey, Role};
use crate::store::{Outbox, Store, StoreError};

/// Creates an admin key named `name` and returns the full key, `dk_<id>_<secret>`.
pub async fn create_admin_key(store: &Store, server_key: &ServerKey, name: &str) -> Result<String, ApiError> {
    let hasher = crate::auth::SecretHasher::new(server_key.clone());
    let new = hasher.new_api_key()?;
    let key = ApiKey {
        id: new.id.clone(),
        secret_hash: new.secret_hash,
        role: Role::Admin,
        lists: Vec::new(),
        name: name.to_owned(),
        created_at: now_ms(),
        revoked_at: None,
        hosts: vec![],
        contact_access: false,
    };
    store.create_api_key_audited(&key, Some(key_created(&new.id, "create-admin-key"))).await?;
    drain_key_records(store).await;
    Ok(new.key)
}

/// The record of an admin key made outside the API (by the operator on the server's machine).
fn key_created(key_id: &str, via: &str) -> AuditEvent {
    let operator = AuditActor { key_id: None, role: ActorRole::Admin };
    AuditEvent::new(operator, AuditAction::KeyCreated, format!("key:{key_id}"))
        .detail("role", "admin")
        .detail("via", via)
}

/// Chains the record just written beside the key. It is safe in the outbox already, so a failure is only logged:
/// every running server drains the outboxes periodically.
async fn drain_key_records(store: &Store) {
    if let Err(err) = store.drain_audit(Outbox::Global).await {
        tracing::warn!(error = %err, "the key's audit record waits in the outbox");
    }
}

/// The least strength of a bootstrap key's secret. Generated keys carry 256 bits.
pub const MIN_BOOTSTRAP_SECRET_BITS: u32 = 128;

/// The strength a secret can at most have, counted from its length and alphabet: 4 bits a character when it
/// is all hex digits, 6 when it is all base64url (`A-Z a-z 0-9 - _`, what `create-admin-key` prints), 0 for
/// anything else. So 128 bits are 32 hex or 22 base64url characters. A length says nothing of how random the
/// characters were: the operator must take them from a random source (`openssl rand -hex 32`).
pub fn secret_bits(secret: &str) -> u32 {
    let per_char = if secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        4
    } else if secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        6
    } else {
        0
    };
    u32::try_from(secret.len()).unwrap_or(u32::MAX).saturating_mul(per_char)
}

/// Creates the configured bootstrap admin key (`DISRUPT_BOOTSTRAP_ADMIN_KEY`, `dk_<id>_<secret>`), or finds it
/// already there with the same secret. Lets an installation be provisioned without running `create-admin-key`.
///
/// Several processes start with the same setting, at the same moment: the create-if-absent is one atomic
/// `HSETNX`, whichever process loses finds the winner's key and succeeds, and only the winner audits it. A key of
/// that id holding another secret is refused: starting would leave the operator believing a key works that
/// does not (and a revoked key is not recreated behind an admin's back).
pub async fn ensure_bootstrap_admin_key(store: &Store, server_key: &ServerKey, key: &str) -> Result<(), ApiError> {
    let presented = crate::auth::parse_api_key(key).ok_or_else(|| {
        ApiError::InvalidRequest("the bootstrap admin key must look like dk_<hex id>_<secret>".into())
    })?;
    if secret_bits(presented.secret) < MIN_BOOTSTRAP_SECRET_BITS {
        return Err(ApiError::InvalidRequest(format!(
            "the bootstrap admin key's secret must carry at least {MIN_BOOTSTRAP_SECRET_BITS} bits: 32 or more hex \
             characters, or 22 or more base64url characters, from a random source (`openssl rand -hex 32`)"
        )));
    }
    let hasher = crate::auth::SecretHasher::new(server_key.clone());
    let key = ApiKey {
        id: presented.id.to_owned(),
        secret_hash: hasher.api_key_hash(presented.secret),
        role: Role::Admin,
        lists: Vec::new(),
        name: "bootstrap".to_owned(),
        created_at: now_ms(),
        revoked_at: None,
        hosts: vec![],
        contact_access: false,
    };
    match store.create_api_key_audited(&key, Some(key_created(presented.id, "bootstrap"))).await {
        Ok(()) => {
            drain_key_records(store).await;
            tracing::info!(key_id = presented.id, "created the bootstrap admin key");
            Ok(())
        }
        Err(StoreError::Conflict(_)) => {
            let existing = store.get_api_key(presented.id).await?.ok_or_else(|| {
                ApiError::Internal(anyhow::anyhow!("the bootstrap key {} vanished while created", presented.id))
            })?;
            if !hasher.verify_api_key(presented.secret, &existing.secret_hash) {
                return Err(ApiError::Conflict(format!(
                    "DISRUPT_BOOTSTRAP_ADMIN_KEY names key id {} which already exists with a different secret; \
                     keep the secret it was created with, or choose a new key id (the hex part) for a new key",
                    presented.id
                )));
            }
            if existing.revoked_at.is_some() {
                tracing::warn!(key_id = presented.id, "the bootstrap admin key was revoked; it stays revoked");
            }
            Ok(())
        }
        Err(other) => Err(other.into()),
    }
}

/// Reaches the configured Redis, or the embedded one of a running server (its socket in the data directory), or
/// starts the embedded one for the time of a command (returned, to be shut down after).
async fn open_store(settings: &Settings) -> anyhow::Result<(Store, Option<EmbeddedRedis>)> {
    use anyhow::Context as _;
    let mut started = None;
    let url = match &settings.redis_url {
        Some(url) => url.clone(),
        None => {
            let socket = settings.data_dir.join("redis").join("redis.sock");
            let running = format!("redis+unix://{}", socket.display());
            let answering =
                socket.exists() && wait_until_answering(&running, std::time::Duration::from_secs(1)).await.is_ok();
            if answering {
                SecretString::from(running)
            } else {
                let redis = EmbeddedRedis::start(&settings.redis_server, &settings.data_dir)
                    .await
                    .context("starting the embedded redis-server")?;
                let url = SecretString::from(redis.url().to_owned());
                started = Some(redis);
                url
            }
        }
    };
    let store = Store::connect(&settings.redis_settings(url)).await.context("connecting to redis")?;
    Ok((store, started))
}

/// `disrupt-api create-admin-key`: creates an admin key in the server's Redis and returns it.
pub async fn run_create_admin_key(settings: &Settings, name: &str) -> anyhow::Result<String> {
    use anyhow::Context as _;
    let server_key = settings.server_key().context("loading the server key")?;
    let (store, started) = open_store(settings).await?;
    let key = create_admin_key(&store, &server_key, name).await;
    drop(store);
    if let Some(redis) = started {
        redis.shutdown().await;
    }
    Ok(key?)
}

/// `disrupt-api verify-audit [--file EXPORT]`: verifies the audit chain in the server's Redis (or in a JSON-lines
/// export) and returns a one-line summary; an error names the first record that does not verify.
pub async fn run_verify_audit(settings: &Settings, file: Option<&std::path::Path>) -> anyhow::Result<String> {
    use anyhow::Context as _;
    let head = match file {
        Some(path) => {
            let reader = std::io::BufReader::new(
                std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?,
            );
            disrupt_hotline::audit::verify_json_lines(reader, None)?
        }
        None => {
            let (store, started) = open_store(settings).await?;
            let verdict = store.verify_audit().await;
            drop(store);
            if let Some(redis) = started {
                redis.shutdown().await;
            }
            verdict?
        }
    };
    Ok(format!("audit log verified: {} records, head {}", head.seq, hex::encode(head.hash)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_counts_four_bits_a_hex_digit_and_six_a_base64url_character() {
        assert_eq!(secret_bits(&"a".repeat(32)), 128);
        assert_eq!(secret_bits(&"0f".repeat(16)), 128);
        assert_eq!(secret_bits(&"Z".repeat(22)), 132);
        assert_eq!(secret_bits("abc-_XYZ"), 48);
        assert_eq!(secret_bits(&"a".repeat(31)), 124);
        assert_eq!(secret_bits(&"Z".repeat(21)), 126);
        // Characters outside both alphabets: not a secret this server would have generated, and not counted.
        assert_eq!(secret_bits(&"é".repeat(40)), 0);
        assert_eq!(secret_bits(&format!("{}.", "Z".repeat(40))), 0);
        assert_eq!(secret_bits(""), 0);
    }
}
