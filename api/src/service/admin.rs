//! API keys and lists.

use disrupt_hotline::audit::AuditAction;
use disrupt_hotline::time::now_ms;
use disrupt_openapi::admin::{
    ApiKeyInfo, ApiKeyList, CreateApiKeyRequest, CreatedApiKey, CurrentKey, ListNames, is_valid_list_name,
};
use disrupt_openapi::model::Role;

use super::Service;
use super::audit::actor;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::store::Outbox;
use crate::store::audit::AuditEvent;
use crate::store::model as s;

fn key_info(key: &s::ApiKey) -> ApiKeyInfo {
    ApiKeyInfo {
        id: key.id.clone(),
        name: key.name.clone(),
        role: key.role,
        lists: key.lists.clone(),
        hosts: key.hosts.clone(),
        contact_access: key.contact_access,
        created_at: key.created_at,
        revoked_at: key.revoked_at,
    }
}

impl Service {
    /// Creates a key; the full key is in the answer and nowhere else.
    pub async fn create_api_key(
        &self,
        caller: &Caller,
        request: CreateApiKeyRequest,
    ) -> Result<CreatedApiKey, ApiError> {
        if request.name.trim().is_empty() || request.name.len() > 128 {
            return Err(ApiError::InvalidRequest("a key's name is 1 to 128 bytes".into()));
        }
        if request.contact_access && request.role == Role::Platform {
            return Err(ApiError::InvalidRequest("only analyst and admin keys may open victims' contacts".into()));
        }
        if request.role != Role::Admin && request.lists.is_empty() {
            return Err(ApiError::InvalidRequest("platform and analyst keys need at least one list".into()));
        }
        let known = self.store.list_names().await?;
        if let Some(unknown) = request.lists.iter().find(|l| !known.contains(l)) {
            return Err(ApiError::InvalidRequest(format!("no list named {unknown:?}")));
        }
        let hosts =
            request.hosts.iter().map(|h| h.trim().trim_end_matches('.').to_ascii_lowercase()).collect::<Vec<_>>();
        // At least two labels: a bare suffix such as `com` would cover every notice under it.
        let valid = |h: &String| {
            h.len() <= 253
                && h.split('.').count() >= 2
                && h.split('.')
                    .all(|label| !label.is_empty() && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        };
        if !hosts.iter().all(valid) {
            return Err(ApiError::InvalidRequest("hosts are DNS names such as example.com".into()));
        }
        let new = self.secrets.new_api_key()?;
        let key = s::ApiKey {
            id: new.id,
            secret_hash: new.secret_hash,
            role: request.role,
            lists: request.lists,
            name: request.name,
            created_at: now_ms(),
            revoked_at: None,
            hosts,
            contact_access: request.contact_access,
        };
        let mut event = AuditEvent::new(actor(caller), AuditAction::KeyCreated, format!("key:{}", key.id))
            .detail("role", key.role.as_str())
            .detail("lists", key.lists.join(","));
        if key.contact_access {
            event = event.detail("contact_access", "true");
        }
        self.store.create_api_key_audited(&key, Some(event)).await?;
        self.drain_audit(Outbox::Global).await;
        Ok(CreatedApiKey { key: new.key, info: key_info(&key) })
    }

    /// Every key, without secrets.
    pub async fn list_api_keys(&self) -> Result<ApiKeyList, ApiError> {
        let keys = self.store.list_api_keys().await?;
        Ok(ApiKeyList { keys: keys.iter().map(key_info).collect() })
    }

    /// Revokes a key; it stops working at once on this process, and within [`crate::auth::KEY_CACHE_TTL`] on
    /// the others.
    pub async fn revoke_api_key(&self, caller: &Caller, id: &str) -> Result<ApiKeyInfo, ApiError> {
        let event = AuditEvent::new(actor(caller), AuditAction::KeyRevoked, format!("key:{id}"));
        let revoked = self.store.revoke_api_key_audited(id, Some(event)).await?;
        self.keys.forget(id);
        self.drain_audit(Outbox::Global).await;
        Ok(key_info(&revoked))
    }

    /// Creates a list.
    pub async fn create_list(&self, caller: &Caller, name: &str) -> Result<ListNames, ApiError> {
        if !is_valid_list_name(name) {
            return Err(ApiError::InvalidListName("a list name matches [a-z0-9_-]{1,32}".into()));
        }
        let event = AuditEvent::new(actor(caller), AuditAction::ListCreated, format!("list:{name}"));
        self.store.create_list_audited(name, Some(event)).await?;
        self.drain_audit(Outbox::Global).await;
        self.list_lists().await
    }

    /// The caller's own key: what it may do, with every list for an admin.
    pub async fn current_key(&self, caller: &Caller) -> Result<CurrentKey, ApiError> {
        let lists = if caller.role == Role::Admin { self.store.list_names().await? } else { caller.lists.clone() };
        Ok(CurrentKey {
            id: caller.key_id.clone(),
            name: caller.name.clone(),
            role: caller.role,
            lists,
            hosts: caller.hosts.clone(),
            contact_access: caller.contact_access,
        })
    }

    /// Every list.
    pub async fn list_lists(&self) -> Result<ListNames, ApiError> {
        Ok(ListNames { lists: self.store.list_names().await? })
    }
}
