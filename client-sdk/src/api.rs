//! The typed HTTP client of the disrupt API: one async method per endpoint, named like the server's handler.
//!
//! Errors the server answers with keep their stable code ([`ClientError::Api`]), so callers can branch on
//! `cursor_expired` (resync from the snapshot), `rate_limited`, `unauthorized` and so on.

use disrupt_openapi::ErrorBody;
use disrupt_openapi::admin::{
    ApiKeyInfo, ApiKeyList, CreateApiKeyRequest, CreateListRequest, CreatedApiKey, ListNames,
};
use disrupt_openapi::cases::{CaseStatus, CreateCaseRequest, CreatedCase, WithdrawnCase};
use disrupt_openapi::feed::{FeedPage, Snapshot};
use disrupt_openapi::feedback::{FeedbackRecorded, FeedbackRequest};
use disrupt_openapi::matching::{MatchRequest, MatchResponse, UploadMatchResponse};
use disrupt_openapi::stopncii::{FetchHashesResponse, SubmitFeedbackRequest, SubmitFeedbackResponse};
use reqwest::{Method, RequestBuilder, Response};
use serde::de::DeserializeOwned;

/// Header carrying a case secret.
pub const CASE_SECRET_HEADER: &str = "X-Case-Secret";

/// What a call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an error body.
    #[error("{status} {code}: {message}")]
    Api {
        /// HTTP status.
        status: u16,
        /// Stable error code (`cursor_expired`, `forbidden`, ...).
        code: String,
        /// Human-readable message.
        message: String,
        /// Finer stable code, e.g. the hasher's cause of `invalid_media`.
        reason: Option<String>,
    },
    /// The request could not be sent or the answer not read.
    #[error("http: {0}")]
    Http(#[from] reqwest::Error),
    /// The server answered something that is not the expected JSON.
    #[error("unexpected answer ({status}): {message}")]
    Unexpected {
        /// HTTP status.
        status: u16,
        /// What went wrong.
        message: String,
    },
}

impl ClientError {
    /// The server's error code, when the server answered with one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ClientError::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The server's finer error reason, when it gave one.
    pub fn reason(&self) -> Option<&str> {
        match self {
            ClientError::Api { reason, .. } => reason.as_deref(),
            _ => None,
        }
    }
}

/// A file to upload.
#[derive(Debug, Clone)]
pub struct UploadFile {
    /// File name shown to the server (not stored).
    pub name: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// A client of one disrupt server.
#[derive(Debug, Clone)]
pub struct Client {
    base: String,
    http: reqwest::Client,
    key: Option<String>,
}

impl Client {
    /// A client of the server at `base_url` (e.g. `http://127.0.0.1:8080`), without credentials.
    pub fn new(base_url: impl Into<String>) -> Self {
        Self { base: base_url.into().trim_end_matches('/').to_owned(), http: reqwest::Client::new(), key: None }
    }

    /// The same client sending `key` as `Authorization: Bearer`.
    pub fn with_api_key(&self, key: impl Into<String>) -> Self {
        Self { key: Some(key.into()), ..self.clone() }
    }

    /// The server's base URL.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let builder = self.http.request(method, format!("{}{}", self.base, path));
        match &self.key {
            Some(key) => builder.bearer_auth(key),
            None => builder,
        }
    }

    async fn send<T: DeserializeOwned>(builder: RequestBuilder) -> Result<T, ClientError> {
        let response = builder.send().await?;
        Self::read(response).await
    }

    async fn read<T: DeserializeOwned>(response: Response) -> Result<T, ClientError> {
        let status = response.status();
        let bytes = response.bytes().await?;
        if status.is_success() {
            serde_json::from_slice(&bytes)
                .map_err(|e| ClientError::Unexpected { status: status.as_u16(), message: e.to_string() })
        } else {
            match serde_json::from_slice::<ErrorBody>(&bytes) {
                Ok(body) => Err(ClientError::Api {
                    status: status.as_u16(),
                    code: body.code,
                    message: body.message,
                    reason: body.reason,
                }),
                Err(_) => Err(ClientError::Unexpected {
                    status: status.as_u16(),
                    message: String::from_utf8_lossy(&bytes).chars().take(200).collect(),
                }),
            }
        }
    }

    /// `GET /healthz`.
    pub async fn healthz(&self) -> Result<serde_json::Value, ClientError> {
        Self::send(self.request(Method::GET, "/healthz")).await
    }

    /// `POST /v1/cases`: submit hashes computed on this device.
    pub async fn create_case(&self, body: &CreateCaseRequest) -> Result<CreatedCase, ClientError> {
        Self::send(self.request(Method::POST, "/v1/cases").json(body)).await
    }

    /// `POST /v1/cases/upload`: let the server hash the files in memory.
    pub async fn upload_case(
        &self,
        category: disrupt_openapi::model::Category,
        files: Vec<UploadFile>,
    ) -> Result<CreatedCase, ClientError> {
        let category =
            serde_json::to_value(category).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        let mut form = reqwest::multipart::Form::new().text("category", category);
        for file in files {
            form = form.part("file", reqwest::multipart::Part::bytes(file.bytes).file_name(file.name));
        }
        Self::send(self.request(Method::POST, "/v1/cases/upload").multipart(form)).await
    }

    /// `POST /v1/match/upload`: the server hashes the files in memory, forgets them and matches the hashes.
    pub async fn match_upload(&self, files: Vec<UploadFile>) -> Result<UploadMatchResponse, ClientError> {
        let mut form = reqwest::multipart::Form::new();
        for file in files {
            form = form.part("file", reqwest::multipart::Part::bytes(file.bytes).file_name(file.name));
        }
        Self::send(self.request(Method::POST, "/v1/match/upload").multipart(form)).await
    }

    /// `GET /v1/cases/{id}` with the case secret.
    pub async fn get_case(&self, case_id: &str, secret: &str) -> Result<CaseStatus, ClientError> {
        Self::send(self.request(Method::GET, &format!("/v1/cases/{case_id}")).header(CASE_SECRET_HEADER, secret)).await
    }

    /// `DELETE /v1/cases/{id}` with the case secret: withdraw.
    pub async fn withdraw_case(&self, case_id: &str, secret: &str) -> Result<WithdrawnCase, ClientError> {
        Self::send(self.request(Method::DELETE, &format!("/v1/cases/{case_id}")).header(CASE_SECRET_HEADER, secret))
            .await
    }

    /// `GET /v1/hashes`: one page of the delta feed.
    pub async fn get_hashes(
        &self,
        list: Option<&str>,
        cursor: Option<&str>,
        limit: Option<usize>,
    ) -> Result<FeedPage, ClientError> {
        let mut query: Vec<(&str, String)> = Vec::new();
        if let Some(list) = list {
            query.push(("list", list.to_owned()));
        }
        if let Some(cursor) = cursor {
            query.push(("cursor", cursor.to_owned()));
        }
        if let Some(limit) = limit {
            query.push(("limit", limit.to_string()));
        }
        Self::send(self.request(Method::GET, "/v1/hashes").query(&query)).await
    }

    /// `GET /v1/hashes/snapshot`: every active entry and the cursor to follow the feed from.
    pub async fn get_snapshot(&self, list: Option<&str>) -> Result<Snapshot, ClientError> {
        let query: Vec<(&str, &str)> = list.map(|l| ("list", l)).into_iter().collect();
        Self::send(self.request(Method::GET, "/v1/hashes/snapshot").query(&query)).await
    }

    /// `POST /v1/match`.
    pub async fn match_hashes(&self, body: &MatchRequest) -> Result<MatchResponse, ClientError> {
        Self::send(self.request(Method::POST, "/v1/match").json(body)).await
    }

    /// `POST /v1/feedback`.
    pub async fn submit_feedback(&self, body: &FeedbackRequest) -> Result<FeedbackRecorded, ClientError> {
        Self::send(self.request(Method::POST, "/v1/feedback").json(body)).await
    }

    /// `GET /v1/FetchHashes` (StopNCII-compatible).
    pub async fn fetch_hashes(
        &self,
        start_timestamp: Option<i64>,
        page_size: Option<usize>,
        next_page_token: Option<&str>,
    ) -> Result<FetchHashesResponse, ClientError> {
        let mut query: Vec<(&str, String)> = Vec::new();
        if let Some(t) = start_timestamp {
            query.push(("startTimestamp", t.to_string()));
        }
        if let Some(n) = page_size {
            query.push(("pageSize", n.to_string()));
        }
        if let Some(token) = next_page_token {
            query.push(("nextPageToken", token.to_owned()));
        }
        Self::send(self.request(Method::GET, "/v1/FetchHashes").query(&query)).await
    }

    /// `POST /v1/SubmitFeedback` (StopNCII-compatible).
    pub async fn submit_stopncii_feedback(
        &self,
        body: &SubmitFeedbackRequest,
    ) -> Result<SubmitFeedbackResponse, ClientError> {
        Self::send(self.request(Method::POST, "/v1/SubmitFeedback").json(body)).await
    }

    /// `POST /v1/admin/keys`.
    pub async fn create_api_key(&self, body: &CreateApiKeyRequest) -> Result<CreatedApiKey, ClientError> {
        Self::send(self.request(Method::POST, "/v1/admin/keys").json(body)).await
    }

    /// `GET /v1/admin/keys`.
    pub async fn list_api_keys(&self) -> Result<ApiKeyList, ClientError> {
        Self::send(self.request(Method::GET, "/v1/admin/keys")).await
    }

    /// `DELETE /v1/admin/keys/{id}`.
    pub async fn revoke_api_key(&self, key_id: &str) -> Result<ApiKeyInfo, ClientError> {
        Self::send(self.request(Method::DELETE, &format!("/v1/admin/keys/{key_id}"))).await
    }

    /// `POST /v1/admin/lists`.
    pub async fn create_list(&self, body: &CreateListRequest) -> Result<ListNames, ClientError> {
        Self::send(self.request(Method::POST, "/v1/admin/lists").json(body)).await
    }

    /// `GET /v1/admin/lists`.
    pub async fn list_lists(&self) -> Result<ListNames, ClientError> {
        Self::send(self.request(Method::GET, "/v1/admin/lists")).await
    }
}
