//! API keys: stored as JSON in one hash, revoked by compare-and-set so that the first revocation time stays.

use std::collections::HashMap;

use disrupt_hotline::time::now_ms;
use redis::AsyncCommands;

use super::audit::{AuditEvent, AuditRules};
use super::{ApiKey, MAX_UPDATE_TRIES, Store, StoreError, codec};

impl Store {
    /// Stores a new API key. [`StoreError::Conflict`] if the id is taken.
    pub async fn create_api_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        self.create_api_key_audited(key, None).await
    }

    /// [`Store::create_api_key`], with `audit`'s record written in the same step when the key is created.
    pub async fn create_api_key_audited(&self, key: &ApiKey, audit: Option<AuditEvent>) -> Result<(), StoreError> {
        let json = serde_json::to_string(key).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let mut invocation = self.inner.scripts.create_api_key.prepare_invoke();
        invocation.key(self.keys().api_keys()).arg(&key.id).arg(json);
        let record = audit.map(|event| self.pending_audit(event, now_ms())).transpose()?;
        AuditRules::none().when("^1$", record).finish(&mut invocation, self.keys().global_audit_outbox());
        let created: i64 = invocation.invoke_async(&mut self.conn()).await?;
        if created == 1 { Ok(()) } else { Err(StoreError::Conflict("the API key id exists")) }
    }

    /// One API key (also a revoked one), or `None`.
    pub async fn get_api_key(&self, id: &str) -> Result<Option<ApiKey>, StoreError> {
        let json: Option<String> = self.conn().hget(self.keys().api_keys(), id).await?;
        json.map(|j| codec::api_key_from_json(&j)).transpose()
    }

    /// Every API key, oldest first.
    pub async fn list_api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        let all: HashMap<String, String> = self.conn().hgetall(self.keys().api_keys()).await?;
        let mut keys = all.values().map(|j| codec::api_key_from_json(j)).collect::<Result<Vec<_>, _>>()?;
        keys.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(keys)
    }

    /// Revokes an API key (idempotent: the first revocation time stays) and returns it.
    pub async fn revoke_api_key(&self, id: &str) -> Result<ApiKey, StoreError> {
        self.revoke_api_key_audited(id, None).await
    }

    /// [`Store::revoke_api_key`], with `audit`'s record written in the same step when the key is revoked now (a
    /// repeat changes nothing and records nothing).
    pub async fn revoke_api_key_audited(&self, id: &str, audit: Option<AuditEvent>) -> Result<ApiKey, StoreError> {
        for _ in 0..MAX_UPDATE_TRIES {
            let read: Option<String> = self.conn().hget(self.keys().api_keys(), id).await?;
            let read = read.ok_or(StoreError::NotFound { what: "api key" })?;
            let mut key = codec::api_key_from_json(&read)?;
            if key.revoked_at.is_some() {
                return Ok(key);
            }
            let now = now_ms();
            key.revoked_at = Some(now);
            let json = serde_json::to_string(&key).map_err(|e| StoreError::Invalid(e.to_string()))?;
            let mut invocation = self.inner.scripts.replace_api_key.prepare_invoke();
            invocation.key(self.keys().api_keys()).arg(id).arg(&read).arg(json);
            let record = audit.clone().map(|event| self.pending_audit(event, now)).transpose()?;
            AuditRules::none().when("^1$", record).finish(&mut invocation, self.keys().global_audit_outbox());
            let replaced: i64 = invocation.invoke_async(&mut self.conn()).await?;
            if replaced == 1 {
                return Ok(key);
            }
        }
        Err(StoreError::Conflict("the API key keeps changing; retry"))
    }
}
