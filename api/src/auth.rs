//! Credentials: platform/analyst/admin API keys and victims' case secrets.
//!
//! Keys look like `dk_<id>_<secret>`: `id` is public (it names the key in the store and in logs), `secret` is
//! 32 bytes from ring's `SystemRandom`, base64url. Case secrets are 32 random bytes likewise. Only keyed hashes
//! (HMAC-SHA256 with the server key) of secrets are stored, so a copy of Redis alone cannot be used to
//! authenticate; verification goes through `ring::hmac::verify`, which compares in constant time.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use parking_lot::Mutex;
use ring::rand::{SecureRandom, SystemRandom};

use disrupt_openapi::model::Role;

use crate::error::ApiError;
use crate::settings::ServerKey;
use crate::store::Store;
use crate::store::model::ApiKey;

/// Prefix of every API key.
pub const KEY_PREFIX: &str = "dk";
/// Header carrying a case secret on `GET`/`DELETE /v1/cases/{id}`.
pub const CASE_SECRET_HEADER: &str = "X-Case-Secret";
/// StopNCII's subscription-key header (accepted as an API key).
pub const STOPNCII_SUBSCRIPTION_HEADER: &str = "Ocp-Apim-Subscription-Key";
/// StopNCII's function-key header (accepted as an API key).
pub const STOPNCII_FUNCTION_HEADER: &str = "x-functions-key";

/// Domain separation: an API key's hash can never verify a case secret and vice versa.
const API_KEY_DOMAIN: &[u8] = b"disrupt api key v1\0";
const CASE_SECRET_DOMAIN: &[u8] = b"disrupt case secret v1\0";

/// The server key that hashes secrets, and the random source that makes them.
pub struct SecretHasher {
    key: ServerKey,
    rng: SystemRandom,
}

impl std::fmt::Debug for SecretHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretHasher(<redacted>)")
    }
}

/// A freshly generated API key: the full key is shown once, then only `secret_hash` is kept.
#[derive(Debug)]
pub struct NewApiKey {
    /// Public id.
    pub id: String,
    /// `dk_<id>_<secret>`, to hand to the holder.
    pub key: String,
    /// HMAC of the secret, to store.
    pub secret_hash: Vec<u8>,
}

/// A freshly generated case secret.
#[derive(Debug)]
pub struct NewCaseSecret {
    /// The secret, shown once to the victim.
    pub secret: String,
    /// HMAC of the secret, to store.
    pub secret_hash: Vec<u8>,
}

/// A presented API key split into its parts (not yet verified).
#[derive(Debug, PartialEq, Eq)]
pub struct PresentedKey<'a> {
    /// Public id.
    pub id: &'a str,
    /// Secret part.
    pub secret: &'a str,
}

impl SecretHasher {
    /// A hasher keyed with the server key.
    pub fn new(server_key: ServerKey) -> Self {
        Self { key: server_key, rng: SystemRandom::new() }
    }

    fn random<const N: usize>(&self) -> Result<[u8; N], ApiError> {
        let mut out = [0u8; N];
        self.rng.fill(&mut out).map_err(|_| ApiError::internal(anyhow::anyhow!("system random source failed")))?;
        Ok(out)
    }

    fn message(domain: &[u8], secret: &str) -> Vec<u8> {
        let mut msg = Vec::with_capacity(domain.len() + secret.len());
        msg.extend_from_slice(domain);
        msg.extend_from_slice(secret.as_bytes());
        msg
    }

    fn tag(&self, domain: &[u8], secret: &str) -> Vec<u8> {
        self.key.hmac(&Self::message(domain, secret))
    }

    /// Constant-time comparison (`ring::hmac::verify` inside [`ServerKey::verify`]).
    fn verify(&self, domain: &[u8], secret: &str, stored: &[u8]) -> bool {
        self.key.verify(&Self::message(domain, secret), stored)
    }

    /// A new API key with a random id (64 bits, hex) and secret (256 bits).
    pub fn new_api_key(&self) -> Result<NewApiKey, ApiError> {
        let id = hex::encode(self.random::<8>()?);
        let secret = URL_SAFE_NO_PAD.encode(self.random::<32>()?);
        let secret_hash = self.tag(API_KEY_DOMAIN, &secret);
        Ok(NewApiKey { key: format!("{KEY_PREFIX}_{id}_{secret}"), id, secret_hash })
    }

    /// The stored hash of an API key's secret part (for keys provisioned from configuration).
    pub fn api_key_hash(&self, secret: &str) -> Vec<u8> {
        self.tag(API_KEY_DOMAIN, secret)
    }

    /// Whether `secret` is the one whose hash is `stored`.
    pub fn verify_api_key(&self, secret: &str, stored: &[u8]) -> bool {
        self.verify(API_KEY_DOMAIN, secret, stored)
    }

    /// A new case secret (256 bits, base64url).
    pub fn new_case_secret(&self) -> Result<NewCaseSecret, ApiError> {
        let secret = URL_SAFE_NO_PAD.encode(self.random::<32>()?);
        let secret_hash = self.tag(CASE_SECRET_DOMAIN, &secret);
        Ok(NewCaseSecret { secret, secret_hash })
    }

    /// Whether `secret` is the case secret whose hash is `stored`.
    pub fn verify_case_secret(&self, secret: &str, stored: &[u8]) -> bool {
        self.verify(CASE_SECRET_DOMAIN, secret, stored)
    }
}

/// Splits `dk_<id>_<secret>`. The id is hex, so the first `_` after it ends it even though base64url secrets
/// may contain `_`.
pub fn parse_api_key(key: &str) -> Option<PresentedKey<'_>> {
    let rest = key.strip_prefix(KEY_PREFIX)?.strip_prefix('_')?;
    let (id, secret) = rest.split_once('_')?;
    let id_ok = !id.is_empty() && id.len() <= 32 && id.bytes().all(|b| b.is_ascii_hexdigit());
    let secret_ok = !secret.is_empty() && secret.len() <= 128;
    (id_ok && secret_ok).then_some(PresentedKey { id, secret })
}

/// The key a request presents: `Authorization: Bearer`, else StopNCII's `x-functions-key`, else
/// `Ocp-Apim-Subscription-Key` (the threatexchange client sends both StopNCII headers).
pub fn presented_key(headers: &actix_web::http::header::HeaderMap) -> Option<&str> {
    if let Some(value) = headers.get(actix_web::http::header::AUTHORIZATION) {
        let value = value.to_str().ok()?;
        return value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")).map(str::trim);
    }
    [STOPNCII_FUNCTION_HEADER, STOPNCII_SUBSCRIPTION_HEADER]
        .iter()
        .filter_map(|name| headers.get(*name)?.to_str().ok())
        .map(str::trim)
        .find(|value| parse_api_key(value).is_some())
}

/// The caller behind a verified API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Public id of the key.
    pub key_id: String,
    /// Holder's name (feedback source).
    pub name: String,
    /// Role.
    pub role: Role,
    /// Lists the key is scoped to (ignored for admins).
    pub lists: Vec<String>,
    /// Hosts a platform serves (takedown notices for them are readable).
    pub hosts: Vec<String>,
    /// The key may open victims' contacts.
    pub contact_access: bool,
}

impl Caller {
    /// Whether the caller may read `list`.
    pub fn may_read(&self, list: &str) -> bool {
        self.role == Role::Admin || self.lists.iter().any(|l| l == list)
    }

    /// Fails unless the caller may read `list`.
    pub fn require_list(&self, list: &str) -> Result<(), ApiError> {
        if self.may_read(list) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!("this key is not scoped to the list {list:?}")))
        }
    }

    /// Fails unless the caller has one of `roles`.
    pub fn require_role(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden("this key's role may not call this route".into()))
        }
    }
}

/// How long a key's stored record is reused without asking Redis. Revoking through one process takes effect there
/// at once and on the other processes within this time.
pub const KEY_CACHE_TTL: Duration = Duration::from_secs(2);

/// Stored records of recently used API keys, so that a request costs no Redis round trip for its key. Only keys
/// that exist are cached (random ids cannot fill it); the secret is verified on every request.
#[derive(Debug, Default)]
pub struct KeyCache {
    entries: Mutex<HashMap<String, (Instant, Arc<ApiKey>)>>,
}

impl KeyCache {
    /// The cached record of key `id`, unless it is older than [`KEY_CACHE_TTL`].
    pub fn get(&self, id: &str) -> Option<Arc<ApiKey>> {
        let entries = self.entries.lock();
        let (at, key) = entries.get(id)?;
        (at.elapsed() < KEY_CACHE_TTL).then(|| key.clone())
    }

    /// Remembers `key`'s stored record.
    pub fn put(&self, key: Arc<ApiKey>) {
        let mut entries = self.entries.lock();
        if entries.len() >= 4096 {
            entries.retain(|_, (at, _)| at.elapsed() < KEY_CACHE_TTL);
        }
        entries.insert(key.id.clone(), (Instant::now(), key));
    }

    /// Forgets key `id` (after a revocation).
    pub fn forget(&self, id: &str) {
        self.entries.lock().remove(id);
    }
}

/// What the key extractors need, and nothing more: the stored key records, the cache in front of them and the
/// hasher that verifies secrets. Built once at startup and registered as `web::Data<Authenticator>`.
#[derive(Debug, Clone)]
pub struct Authenticator {
    store: Store,
    secrets: Arc<SecretHasher>,
    keys: Arc<KeyCache>,
}

impl Authenticator {
    /// Verifies keys stored in `store` with `secrets`, caching their records in `keys`.
    pub fn new(store: Store, secrets: Arc<SecretHasher>, keys: Arc<KeyCache>) -> Self {
        Self { store, secrets, keys }
    }

    /// The caller behind `key`. Revoked, unknown or malformed keys are all `Unauthorized`, alike.
    pub async fn caller(&self, key: &str) -> Result<Caller, ApiError> {
        let presented = parse_api_key(key).ok_or(ApiError::Unauthorized)?;
        let stored = match self.keys.get(presented.id) {
            Some(stored) => stored,
            None => {
                let stored = Arc::new(self.store.get_api_key(presented.id).await?.ok_or(ApiError::Unauthorized)?);
                self.keys.put(stored.clone());
                stored
            }
        };
        if stored.revoked_at.is_some() || !self.secrets.verify_api_key(presented.secret, &stored.secret_hash) {
            return Err(ApiError::Unauthorized);
        }
        Ok(Caller {
            key_id: stored.id.clone(),
            name: stored.name.clone(),
            role: stored.role,
            lists: stored.lists.clone(),
            hosts: stored.hosts.clone(),
            contact_access: stored.contact_access,
        })
    }
}

/// Extractor: the verified caller behind the request's API key. Revoked, unknown or malformed keys are all
/// answered `401 unauthorized`, alike.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Caller);

impl actix_web::FromRequest for Authenticated {
    type Error = ApiError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let authenticator = req.app_data::<actix_web::web::Data<Authenticator>>().cloned();
        let key = presented_key(req.headers()).map(str::to_owned);
        Box::pin(async move {
            let authenticator =
                authenticator.ok_or_else(|| ApiError::internal(anyhow::anyhow!("Authenticator not registered")))?;
            let key = key.ok_or(ApiError::Unauthorized)?;
            Ok(Authenticated(authenticator.caller(&key).await?))
        })
    }
}

/// Declares an extractor for callers with one of `roles`; others get `403 forbidden` before the body is read.
macro_rules! role_extractor {
    ($(#[$meta:meta])* $name:ident, $roles:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub struct $name(pub Caller);

        impl actix_web::FromRequest for $name {
            type Error = ApiError;
            type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, ApiError>>;

            fn from_request(req: &actix_web::HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
                let authenticated = Authenticated::from_request(req, payload);
                Box::pin(async move {
                    let Authenticated(caller) = authenticated.await?;
                    caller.require_role($roles)?;
                    Ok($name(caller))
                })
            }
        }
    };
}

role_extractor!(
    /// Extractor: an authenticated caller with the `admin` role.
    AdminCaller,
    &[Role::Admin]
);
role_extractor!(
    /// Extractor: an analyst, or an admin (who may do everything an analyst does).
    AnalystCaller,
    &[Role::Analyst, Role::Admin]
);
role_extractor!(
    /// Extractor: a platform's key.
    PlatformCaller,
    &[Role::Platform]
);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn generated_keys_parse_and_verify_and_nothing_else_does() {
        let hasher = SecretHasher::new(ServerKey::from_bytes(vec![7; 32]));
        let new = hasher.new_api_key().unwrap();
        let presented = parse_api_key(&new.key).unwrap();
        assert_eq!(presented.id, new.id);
        assert!(hasher.verify_api_key(presented.secret, &new.secret_hash));
        assert!(!hasher.verify_api_key("wrong", &new.secret_hash));
        // A case secret hash never verifies as an API key.
        let case = hasher.new_case_secret().unwrap();
        assert!(hasher.verify_case_secret(&case.secret, &case.secret_hash));
        assert!(!hasher.verify_api_key(&case.secret, &case.secret_hash));
        // Another server key does not verify.
        let other = SecretHasher::new(ServerKey::from_bytes(vec![8; 32]));
        assert!(!other.verify_api_key(presented.secret, &new.secret_hash));
    }

    #[test]
    fn malformed_keys_are_refused() {
        for bad in ["", "dk_", "dk__x", "xx_ab_cd", "dk_zz_secret", "dk_ab"] {
            assert!(parse_api_key(bad).is_none(), "{bad}");
        }
        assert_eq!(parse_api_key("dk_ab12_se_cr-et").unwrap(), PresentedKey { id: "ab12", secret: "se_cr-et" });
    }

    #[test]
    fn scope_and_role_checks() {
        let platform = Caller {
            key_id: "1".into(),
            name: "p".into(),
            role: Role::Platform,
            lists: vec!["ncii".into()],
            hosts: vec![],
            contact_access: false,
        };
        assert!(platform.require_list("ncii").is_ok());
        assert!(platform.require_list("csam").is_err());
        assert!(platform.require_role(&[Role::Admin]).is_err());
    }
}
