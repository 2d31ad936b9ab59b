//! The typed HTTP client of the disrupt API: one async method per endpoint, named like the server's handler.
//!
//! Errors the server answers with keep their stable code ([`ClientError::Api`]), so callers can branch on
//! `cursor_expired` (resync from the snapshot), `rate_limited`, `unauthorized` and so on.

use disrupt_openapi::ErrorBody;
use disrupt_openapi::admin::{
    ApiKeyInfo, ApiKeyList, CreateApiKeyRequest, CreateListRequest, CreatedApiKey, CurrentKey, ListNames,
};
use disrupt_openapi::audit::{AuditPage, AuditQuery, AuditVerification};
use disrupt_openapi::cases::{
    CaseStatus, CreateCaseRequest, CreatedCase, HashedMedia, Receipt, ReceiptKey, WithdrawnCase,
};
use disrupt_openapi::feed::{FeedPage, FeedQuery, Snapshot, SnapshotQuery};
use disrupt_openapi::feedback::{FeedbackRecorded, FeedbackRequest};
use disrupt_openapi::forwards::{Forward, ForwardList, ForwardQuery, ForwardRequest};
use disrupt_openapi::matching::{MatchRequest, MatchResponse, UploadMatchResponse};
use disrupt_openapi::notices::{
    HostContact, HostContactList, HostContactRequest, Notice, NoticeDecisionRequest, NoticeList, NoticeOutcomeRequest,
    NoticeQuery, NoticeState,
};
use disrupt_openapi::review::{
    AnalystCase, CaseContact, CaseRejection, DecisionOutcome, EntryDecisionRequest, RejectCaseRequest,
    RejectEntriesRequest, ReviewQueue, ReviewQueueQuery, ReviewUrlsRequest, ReviewUrlsResponse,
};
use disrupt_openapi::stats::{ReportQuery, Statistics};
use disrupt_openapi::stopncii::{FetchHashesQuery, FetchHashesResponse, SubmitFeedbackRequest, SubmitFeedbackResponse};
use reqwest::{Method, RequestBuilder, Response};
use serde::de::DeserializeOwned;

/// Header carrying a case secret.
pub const CASE_SECRET_HEADER: &str = "X-Case-Secret";

/// Notices asked for per page when following `GET /v1/notices` (its largest page).
const NOTICE_PAGE: usize = 500;

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

/// How long an idle connection is kept for the next request: under the server's keep-alive (actix's 5 s). Past
/// it the server has closed the connection, and a client whose runtime did not run meanwhile (the CLI's runs only
/// inside a request, and it hashes between them) has not noticed: it would write its next upload into the closed
/// socket and fail with a broken pipe.
const POOL_IDLE: std::time::Duration = std::time::Duration::from_secs(4);

impl Client {
    /// A client of the server at `base_url` (e.g. `http://127.0.0.1:8080`), without credentials.
    ///
    /// It follows no redirect: reqwest drops `Authorization` on a redirect to another host, but would carry
    /// `X-Case-Secret` (and a key sent as a StopNCII header) wherever a redirect points, and the API itself never
    /// redirects. A 3xx answer is an error naming where it pointed, so the caller can use that address knowingly.
    pub fn new(base_url: impl Into<String>) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(POOL_IDLE)
            .build()
            // As `reqwest::Client::new` does: only a TLS backend that cannot start fails here.
            .expect("the HTTP client's TLS backend starts");
        Self { base: base_url.into().trim_end_matches('/').to_owned(), http, key: None }
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

    /// A text answer (exports, CSV); errors are read as in [`Self::read`].
    async fn text(response: Response) -> Result<String, ClientError> {
        if response.status().is_success() {
            return Ok(response.text().await?);
        }
        Err(Self::read::<serde_json::Value>(response)
            .await
            .err()
            .unwrap_or(ClientError::Unexpected { status: 0, message: "an error status with a success body".into() }))
    }

    async fn read<T: DeserializeOwned>(response: Response) -> Result<T, ClientError> {
        let status = response.status();
        if status.is_redirection() {
            let location = response.headers().get(reqwest::header::LOCATION).and_then(|l| l.to_str().ok());
            return Err(ClientError::Unexpected {
                status: status.as_u16(),
                message: format!(
                    "a redirect to {}, not followed so that credentials stay with the server named; use the final \
                     address as the server",
                    location.unwrap_or("nowhere")
                ),
            });
        }
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

    /// `POST /v1/media/hash`: the server hashes the files in memory, forgets them, and answers each one's hashes
    /// (no case is created; send them with [`Self::create_case`]).
    pub async fn hash_media(&self, files: Vec<UploadFile>) -> Result<HashedMedia, ClientError> {
        let mut form = reqwest::multipart::Form::new();
        for file in files {
            form = form.part("file", reqwest::multipart::Part::bytes(file.bytes).file_name(file.name));
        }
        Self::send(self.request(Method::POST, "/v1/media/hash").multipart(form)).await
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

    /// `GET /v1/cases/{id}/receipt` with the case secret: the signed receipt.
    pub async fn get_receipt(&self, case_id: &str, secret: &str) -> Result<Receipt, ClientError> {
        let url = format!("/v1/cases/{case_id}/receipt");
        Self::send(self.request(Method::GET, &url).header(CASE_SECRET_HEADER, secret)).await
    }

    /// `GET /v1/receipts/key`: the key that verifies receipts.
    pub async fn receipt_key(&self) -> Result<ReceiptKey, ClientError> {
        Self::send(self.request(Method::GET, "/v1/receipts/key")).await
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
        let query = FeedQuery { list: list.map(str::to_owned), cursor: cursor.map(str::to_owned), limit };
        Self::send(self.request(Method::GET, "/v1/hashes").query(&query)).await
    }

    /// `GET /v1/hashes/snapshot`: every active entry and the cursor to follow the feed from.
    pub async fn get_snapshot(&self, list: Option<&str>) -> Result<Snapshot, ClientError> {
        let query = SnapshotQuery { list: list.map(str::to_owned) };
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
        let query =
            FetchHashesQuery { start_timestamp, page_size, next_page_token: next_page_token.map(str::to_owned) };
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

    /// `GET /v1/me`: this client's own key (role, lists, hosts, contact access).
    pub async fn current_key(&self) -> Result<CurrentKey, ClientError> {
        Self::send(self.request(Method::GET, "/v1/me")).await
    }

    /// `GET /v1/review/queue` (analysts): `state` is `pending` (default) or `quarantined`.
    pub async fn review_queue(
        &self,
        list: Option<&str>,
        state: Option<disrupt_openapi::model::EntryState>,
        limit: Option<usize>,
    ) -> Result<ReviewQueue, ClientError> {
        let query = ReviewQueueQuery { list: list.map(str::to_owned), limit, state };
        Self::send(self.request(Method::GET, "/v1/review/queue").query(&query)).await
    }

    /// `POST /v1/review/entries/verify`.
    pub async fn verify_entries(&self, body: &EntryDecisionRequest) -> Result<DecisionOutcome, ClientError> {
        Self::send(self.request(Method::POST, "/v1/review/entries/verify").json(body)).await
    }

    /// `POST /v1/review/entries/reject`.
    pub async fn reject_entries(&self, body: &RejectEntriesRequest) -> Result<DecisionOutcome, ClientError> {
        Self::send(self.request(Method::POST, "/v1/review/entries/reject").json(body)).await
    }

    /// `POST /v1/review/entries/quarantine`.
    pub async fn quarantine_entries(&self, body: &EntryDecisionRequest) -> Result<DecisionOutcome, ClientError> {
        Self::send(self.request(Method::POST, "/v1/review/entries/quarantine").json(body)).await
    }

    /// `GET /v1/review/cases/{id}`.
    pub async fn analyst_case(&self, case_id: &str) -> Result<AnalystCase, ClientError> {
        Self::send(self.request(Method::GET, &format!("/v1/review/cases/{case_id}"))).await
    }

    /// `GET /v1/review/cases/{id}/contact`: the victim's contact (keys with `contact_access`; audited).
    pub async fn open_contact(&self, case_id: &str) -> Result<CaseContact, ClientError> {
        Self::send(self.request(Method::GET, &format!("/v1/review/cases/{case_id}/contact"))).await
    }

    /// `POST /v1/review/cases/{id}/reject`.
    pub async fn reject_case(&self, case_id: &str, body: &RejectCaseRequest) -> Result<CaseRejection, ClientError> {
        Self::send(self.request(Method::POST, &format!("/v1/review/cases/{case_id}/reject")).json(body)).await
    }

    /// `POST /v1/review/cases/{id}/urls`.
    pub async fn review_urls(
        &self,
        case_id: &str,
        body: &ReviewUrlsRequest,
    ) -> Result<ReviewUrlsResponse, ClientError> {
        Self::send(self.request(Method::POST, &format!("/v1/review/cases/{case_id}/urls")).json(body)).await
    }

    /// `POST /v1/review/cases/{id}/forwards`: records a forward to the authorities.
    pub async fn record_forward(&self, case_id: &str, body: &ForwardRequest) -> Result<Forward, ClientError> {
        Self::send(self.request(Method::POST, &format!("/v1/review/cases/{case_id}/forwards")).json(body)).await
    }

    /// `GET /v1/review/cases/{id}/forwards`.
    pub async fn case_forwards(&self, case_id: &str) -> Result<ForwardList, ClientError> {
        Self::send(self.request(Method::GET, &format!("/v1/review/cases/{case_id}/forwards"))).await
    }

    /// `GET /v1/forwards`: one answer of the export.
    pub async fn export_forwards(&self, query: &ForwardQuery) -> Result<ForwardList, ClientError> {
        Self::send(self.request(Method::GET, "/v1/forwards").query(query)).await
    }

    /// `GET /v1/forwards/csv`: one answer of the export as CSV, and the `from` of the next when more remain.
    pub async fn export_forwards_csv(&self, query: &ForwardQuery) -> Result<(String, Option<u64>), ClientError> {
        let response = self.request(Method::GET, "/v1/forwards/csv").query(query).send().await?;
        let next = response.headers().get("x-next-from").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
        Ok((Self::text(response).await?, next))
    }

    /// `GET /v1/notices`: one page, from `cursor` (the newest notices when `None`).
    pub async fn list_notices_page(
        &self,
        state: Option<NoticeState>,
        cursor: Option<&str>,
        limit: Option<usize>,
    ) -> Result<NoticeList, ClientError> {
        let query = NoticeQuery { state, cursor: cursor.map(str::to_owned), limit };
        Self::send(self.request(Method::GET, "/v1/notices").query(&query)).await
    }

    /// Every notice the key may read, newest first, following the pages of `GET /v1/notices` (of `page_size`, by
    /// default the largest); stops once it has `max` (then `has_more` and `next_cursor` say where the rest
    /// starts).
    pub async fn list_notices_up_to(
        &self,
        state: Option<NoticeState>,
        max: Option<usize>,
        page_size: Option<usize>,
    ) -> Result<NoticeList, ClientError> {
        let page_size = page_size.unwrap_or(NOTICE_PAGE);
        let mut all = NoticeList { notices: Vec::new(), next_cursor: None, has_more: false };
        loop {
            let wanted = max.map(|m| m.saturating_sub(all.notices.len()));
            if wanted == Some(0) {
                return Ok(all);
            }
            let limit = wanted.map_or(page_size, |w| w.min(page_size));
            let page = self.list_notices_page(state, all.next_cursor.as_deref(), Some(limit)).await?;
            all.notices.extend(page.notices);
            all.next_cursor = page.next_cursor;
            all.has_more = page.has_more && all.next_cursor.is_some();
            if !all.has_more || max.is_some_and(|m| all.notices.len() >= m) {
                return Ok(all);
            }
        }
    }

    /// Every notice the key may read, newest first (every page of `GET /v1/notices`).
    pub async fn list_notices(&self, state: Option<NoticeState>) -> Result<NoticeList, ClientError> {
        self.list_notices_up_to(state, None, None).await
    }

    /// `GET /v1/notices/{id}`.
    pub async fn get_notice(&self, id: &str) -> Result<Notice, ClientError> {
        Self::send(self.request(Method::GET, &format!("/v1/notices/{id}"))).await
    }

    /// `POST /v1/notices/{id}/send` (analysts).
    pub async fn send_notice(&self, id: &str) -> Result<Notice, ClientError> {
        Self::send(self.request(Method::POST, &format!("/v1/notices/{id}/send"))).await
    }

    /// `POST /v1/notices/{id}/acknowledge` (platforms).
    pub async fn acknowledge_notice(&self, id: &str) -> Result<Notice, ClientError> {
        Self::send(self.request(Method::POST, &format!("/v1/notices/{id}/acknowledge"))).await
    }

    /// `POST /v1/notices/{id}/decision` (platforms).
    pub async fn decide_notice(&self, id: &str, body: &NoticeDecisionRequest) -> Result<Notice, ClientError> {
        Self::send(self.request(Method::POST, &format!("/v1/notices/{id}/decision")).json(body)).await
    }

    /// `POST /v1/notices/{id}/outcome` (analysts): an outcome received outside the API.
    pub async fn record_notice_outcome(&self, id: &str, body: &NoticeOutcomeRequest) -> Result<Notice, ClientError> {
        Self::send(self.request(Method::POST, &format!("/v1/notices/{id}/outcome")).json(body)).await
    }

    /// `GET /v1/hosts` (analysts).
    pub async fn list_hosts(&self) -> Result<HostContactList, ClientError> {
        Self::send(self.request(Method::GET, "/v1/hosts")).await
    }

    /// `GET /v1/hosts/{host}` (analysts).
    pub async fn get_host(&self, host: &str) -> Result<HostContact, ClientError> {
        Self::send(self.request(Method::GET, &format!("/v1/hosts/{host}"))).await
    }

    /// `PUT /v1/hosts/{host}` (analysts).
    pub async fn set_host(&self, host: &str, body: &HostContactRequest) -> Result<HostContact, ClientError> {
        Self::send(self.request(Method::PUT, &format!("/v1/hosts/{host}")).json(body)).await
    }

    /// `DELETE /v1/hosts/{host}` (admins).
    pub async fn delete_host(&self, host: &str) -> Result<(), ClientError> {
        let response = self.request(Method::DELETE, &format!("/v1/hosts/{host}")).send().await?;
        Self::text(response).await.map(drop)
    }

    /// `GET /v1/admin/audit`.
    pub async fn read_audit(&self, from: Option<u64>, limit: Option<usize>) -> Result<AuditPage, ClientError> {
        let query = AuditQuery { from, limit };
        Self::send(self.request(Method::GET, "/v1/admin/audit").query(&query)).await
    }

    /// `GET /v1/admin/audit/verify`.
    pub async fn verify_audit(&self) -> Result<AuditVerification, ClientError> {
        Self::send(self.request(Method::GET, "/v1/admin/audit/verify")).await
    }

    /// `GET /v1/admin/audit/export`: the JSON lines.
    pub async fn export_audit(&self) -> Result<String, ClientError> {
        let response = self.request(Method::GET, "/v1/admin/audit/export").send().await?;
        Self::text(response).await
    }

    /// `GET /v1/stats`.
    pub async fn statistics(&self) -> Result<Statistics, ClientError> {
        Self::send(self.request(Method::GET, "/v1/stats")).await
    }

    /// `GET /v1/stats/csv`: the same figures as CSV.
    pub async fn statistics_csv(&self) -> Result<String, ClientError> {
        let response = self.request(Method::GET, "/v1/stats/csv").send().await?;
        Self::text(response).await
    }

    /// `GET /v1/admin/reports/trusted-flagger?year=`: the CSV.
    pub async fn trusted_flagger_report(&self, year: i32) -> Result<String, ClientError> {
        let response =
            self.request(Method::GET, "/v1/admin/reports/trusted-flagger").query(&ReportQuery { year }).send().await?;
        Self::text(response).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The query string a request with this query carries.
    fn query_of(query: &impl serde::Serialize) -> Option<String> {
        let request = reqwest::Client::new().get("http://127.0.0.1/").query(query).build().expect("request");
        request.url().query().map(str::to_owned)
    }

    #[test]
    fn queries_carry_the_wire_names_and_leave_out_what_is_unset() {
        let feed = FeedQuery { list: Some("ncii".into()), cursor: None, limit: Some(5) };
        assert_eq!(query_of(&feed).as_deref(), Some("list=ncii&limit=5"));
        assert_eq!(query_of(&SnapshotQuery { list: None }), None);
        let fetch =
            FetchHashesQuery { start_timestamp: Some(10), page_size: None, next_page_token: Some("a+b".into()) };
        assert_eq!(query_of(&fetch).as_deref(), Some("startTimestamp=10&nextPageToken=a%2Bb"));
        let queue =
            ReviewQueueQuery { list: None, limit: None, state: Some(disrupt_openapi::model::EntryState::Quarantined) };
        assert_eq!(query_of(&queue).as_deref(), Some("state=quarantined"));
        let notices = NoticeQuery { state: Some(NoticeState::Sent), cursor: Some("c".into()), limit: None };
        assert_eq!(query_of(&notices).as_deref(), Some("state=sent&cursor=c"));
        assert_eq!(query_of(&AuditQuery { from: Some(3), limit: Some(2) }).as_deref(), Some("from=3&limit=2"));
        assert_eq!(query_of(&ReportQuery { year: 2026 }).as_deref(), Some("year=2026"));
    }
}
