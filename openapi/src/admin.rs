//! Administration: API keys and lists.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::model::Role;

/// `POST /v1/admin/keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKeyRequest {
    /// Who holds the key (a platform's name); shown as feedback source.
    pub name: String,
    /// What the key may do.
    pub role: Role,
    /// Lists the key may read (platforms, analysts). Admins may use every list.
    #[serde(default)]
    pub lists: Vec<String>,
    /// Hosts a platform serves (`example.com` also covers its subdomains): takedown notices for URLs on them
    /// are readable with this key.
    #[serde(default)]
    pub hosts: Vec<String>,
    /// The key may open victims' contacts (`GET /v1/review/cases/{id}/contact`, every opening audited). Analyst
    /// and admin keys only; no key has it unless created with it.
    #[serde(default)]
    pub contact_access: bool,
}

/// A key as listed: never the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyInfo {
    /// Public id of the key (the part between `dk_` and the secret).
    pub id: String,
    /// Holder's name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Lists it may use.
    pub lists: Vec<String>,
    /// Hosts whose takedown notices it may read (platforms).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    /// It may open victims' contacts.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub contact_access: bool,
    /// Creation time, unix milliseconds.
    pub created_at: u64,
    /// Revocation time, unix milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<u64>,
}

/// A key just created: `key` is shown only now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatedApiKey {
    /// The full key, `dk_<id>_<secret>`. Send it as `Authorization: Bearer <key>`.
    pub key: String,
    /// Its description.
    pub info: ApiKeyInfo,
}

/// Every key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyList {
    /// The keys, revoked ones included.
    pub keys: Vec<ApiKeyInfo>,
}

/// `GET /v1/me`: the key making the request, as far as its holder may know it (never the secret). The analysts'
/// console asks it once at sign-in to show only what the key may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CurrentKey {
    /// Public id of the key.
    pub id: String,
    /// Holder's name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Lists it may use: its own, or every list for an admin.
    pub lists: Vec<String>,
    /// Hosts whose takedown notices it may read (platforms).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    /// It may open victims' contacts (each opening audited).
    #[serde(default)]
    pub contact_access: bool,
}

/// `POST /v1/admin/lists`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateListRequest {
    /// Name, `[a-z0-9_-]{1,32}`.
    pub name: String,
}

/// The lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListNames {
    /// Names of every list.
    pub lists: Vec<String>,
}

/// Whether a list name is valid: `[a-z0-9_-]{1,32}`.
pub fn is_valid_list_name(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}
