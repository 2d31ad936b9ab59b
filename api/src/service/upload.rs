//! Uploaded media: read into memory that is zeroed when dropped, hashed off the actix workers, and gone.
//!
//! Nothing is written to disk: the multipart stream is consumed field by field into [`MediaBuffer`]s (no
//! temporary files, unlike `actix-multipart`'s `TempFile`), and each network chunk is wiped once copied when
//! this code holds its only reference. Only the hashes leave this module.

use super::matching::Query;
use actix_multipart::Multipart;
use disrupt_openapi::cases::CreatedCase;
use disrupt_openapi::matching::UploadMatchResponse;
use disrupt_openapi::model::{Category, HashValue};
use futures_util::StreamExt as _;
use zeroize::{Zeroize as _, Zeroizing};

use super::Service;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::rate_limit::SubmissionQuota;

/// Largest file accepted.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;
/// Largest sum of files in one upload.
pub const MAX_UPLOAD_BYTES: usize = 128 * 1024 * 1024;
/// Most files in one upload.
pub const MAX_FILES: usize = 20;

/// Bytes of one uploaded file. Growing never leaves an unzeroed copy behind: the old allocation is wiped
/// before it is freed.
#[derive(Default)]
pub struct MediaBuffer(Zeroizing<Vec<u8>>);

impl std::fmt::Debug for MediaBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MediaBuffer({} bytes)", self.0.len())
    }
}

impl MediaBuffer {
    /// Appends `chunk`.
    pub fn extend(&mut self, chunk: &[u8]) {
        let needed = self.0.len() + chunk.len();
        if needed > self.0.capacity() {
            let mut grown = Zeroizing::new(Vec::with_capacity(needed.max(2 * self.0.capacity())));
            grown.extend_from_slice(&self.0);
            // The old allocation is zeroed when `self.0` is replaced and dropped.
            self.0 = grown;
        }
        self.0.extend_from_slice(chunk);
    }

    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no byte was received.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A parsed upload: the category (victims' uploads) and the files.
#[derive(Debug)]
pub struct Upload {
    /// What the images show, when the form had a `category` field.
    pub category: Option<Category>,
    /// The files' bytes.
    pub files: Vec<MediaBuffer>,
}

/// Reads the multipart body: one or more `file` fields and, when `with_category`, a `category` text field.
pub async fn read_upload(mut multipart: Multipart, with_category: bool) -> Result<Upload, ApiError> {
    let mut category = None;
    let mut files = Vec::new();
    let mut total = 0usize;
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(|e| ApiError::InvalidRequest(format!("malformed multipart body: {e}")))?;
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "category" if with_category => {
                let mut text = Vec::new();
                while let Some(chunk) = field.next().await {
                    let chunk = chunk.map_err(|e| ApiError::InvalidRequest(e.to_string()))?;
                    if text.len() + chunk.len() > 64 {
                        return Err(ApiError::InvalidRequest("category is too long".into()));
                    }
                    text.extend_from_slice(&chunk);
                }
                let text =
                    String::from_utf8(text).map_err(|_| ApiError::InvalidRequest("category is not UTF-8".into()))?;
                category = Some(
                    serde_json::from_value::<Category>(serde_json::Value::String(text))
                        .map_err(|_| ApiError::InvalidRequest("unknown category".into()))?,
                );
            }
            "file" => {
                if files.len() == MAX_FILES {
                    return Err(ApiError::PayloadTooLarge(format!("at most {MAX_FILES} files per upload")));
                }
                let mut buffer = MediaBuffer::default();
                while let Some(chunk) = field.next().await {
                    let chunk = chunk.map_err(|e| ApiError::InvalidRequest(e.to_string()))?;
                    total += chunk.len();
                    if buffer.len() + chunk.len() > MAX_FILE_BYTES || total > MAX_UPLOAD_BYTES {
                        wipe(chunk);
                        return Err(ApiError::PayloadTooLarge(format!(
                            "files are at most {MAX_FILE_BYTES} bytes, uploads {MAX_UPLOAD_BYTES}"
                        )));
                    }
                    buffer.extend(&chunk);
                    wipe(chunk);
                }
                if buffer.is_empty() {
                    return Err(ApiError::InvalidMedia {
                        code: "empty_file",
                        message: "an uploaded file is empty".into(),
                    });
                }
                files.push(buffer);
            }
            other => {
                return Err(ApiError::InvalidRequest(format!(
                    "unknown multipart field {other:?}; expected {}",
                    if with_category { "category and file" } else { "file" }
                )));
            }
        }
    }
    if with_category && category.is_none() {
        return Err(ApiError::InvalidRequest("the category field is missing".into()));
    }
    if files.is_empty() {
        return Err(ApiError::InvalidRequest("no file field".into()));
    }
    Ok(Upload { category, files })
}

/// Zeroes a network chunk when this is its only reference (otherwise the network layer still owns it).
fn wipe(chunk: bytes::Bytes) {
    if let Ok(mut owned) = chunk.try_into_mut() {
        owned.as_mut().zeroize();
    }
}

/// What is kept of one file: PDQ with its quality for an image, per-frame PDQ for a video, the file's MD5 and
/// SHA-256, and, when asked, an image's eight dihedral PDQ variants (for matching rotated and mirrored copies).
#[derive(Debug, Default)]
struct FileHashes {
    values: Vec<HashValue>,
    dihedral: Option<[[u8; 32]; 8]>,
}

/// Hashes one file. Decoding limits (bytes, pixels, video length and resolution) are the hasher's defaults.
fn hash_file(bytes: &[u8], dihedral: bool) -> Result<FileHashes, ApiError> {
    use disrupt_hasher::media::{MediaHashes, MediaOptions, hash_media};
    let options = MediaOptions { dihedral, ..MediaOptions::default() };
    let hashes = hash_media(bytes, &options)
        .map_err(|err| ApiError::InvalidMedia { code: err.code(), message: err.to_string() })?;
    let invalid = |e: disrupt_openapi::hash::InvalidHash| ApiError::internal(anyhow::anyhow!(e));
    let digests = hashes.digests();
    let mut kept = FileHashes::default();
    match &hashes {
        MediaHashes::Image { image, .. } => {
            kept.values.push(HashValue::Pdq {
                hash: image.pdq.hash.to_string().parse().map_err(invalid)?,
                quality: Some(image.pdq.quality),
            });
            kept.dihedral = image.dihedral.as_ref().map(|variants| variants.map(|v| *v.as_bytes()));
        }
        #[cfg(feature = "video")]
        MediaHashes::Video { video, .. } => kept.values.push(HashValue::Video {
            frames: video
                .frames
                .iter()
                .map(|f| {
                    Ok(disrupt_openapi::model::VideoFrame {
                        frame: f.frame,
                        timestamp: f.timestamp,
                        pdq: f.pdq.to_string().parse().map_err(invalid)?,
                        quality: f.quality,
                    })
                })
                .collect::<Result<_, ApiError>>()?,
        }),
        // Without our `video` feature the hasher may still hash videos (another crate enabled its feature).
        #[cfg(not(feature = "video"))]
        #[allow(unreachable_patterns)]
        _ => {
            return Err(ApiError::InvalidMedia {
                code: "unsupported_format",
                message: "this server is built without video support".into(),
            });
        }
    }
    kept.values.push(HashValue::Md5 { hash: digests.md5.parse().map_err(invalid)? });
    kept.values.push(HashValue::Sha256 { hash: digests.sha256.parse().map_err(invalid)? });
    Ok(kept)
}

/// Hashes the files off the actix workers (decoding is CPU work) and drops them, which zeroes them.
async fn hash_files(files: Vec<MediaBuffer>, dihedral: bool) -> Result<Vec<FileHashes>, ApiError> {
    actix_web::web::block(move || {
        let mut hashes = Vec::with_capacity(files.len());
        for file in &files {
            hashes.push(hash_file(file.as_slice(), dihedral)?);
        }
        drop(files);
        Ok::<_, ApiError>(hashes)
    })
    .await
    .map_err(ApiError::internal)?
}

impl Service {
    /// A slot for one upload, held until its files are hashed and dropped; `Busy` when none is free. Refusing
    /// at once (rather than queueing) keeps a flood of uploads from holding memory while it waits.
    fn upload_slot(&self) -> Result<tokio::sync::SemaphorePermit<'_>, ApiError> {
        self.upload_slots.try_acquire().map_err(|_| ApiError::Busy)
    }

    /// Victims' upload: hashes the files, forgets them, and creates the case.
    pub async fn upload_case(&self, multipart: Multipart, quota: &SubmissionQuota) -> Result<CreatedCase, ApiError> {
        let _slot = self.upload_slot()?;
        let upload = read_upload(multipart, true).await?;
        let category =
            upload.category.ok_or_else(|| ApiError::InvalidRequest("the category field is missing".into()))?;
        let hashes = hash_files(upload.files, false).await?;
        self.create_case_from_hashes(category, hashes.into_iter().flat_map(|h| h.values).collect(), quota).await
    }

    /// Platforms' upload: hashes the files, forgets them, and matches the hashes.
    pub async fn match_upload(
        &self,
        caller: &Caller,
        multipart: Multipart,
        deadline: crate::time_limit::Deadline,
    ) -> Result<UploadMatchResponse, ApiError> {
        let _slot = self.upload_slot()?;
        let upload = read_upload(multipart, false).await?;
        let files = hash_files(upload.files, true).await?;
        let lists = self.default_lists(caller).await?;
        // An image's PDQ is searched with its eight dihedral variants; everything else as it is.
        let mut queries = Vec::new();
        for file in &files {
            for value in &file.values {
                queries.push(match (value, &file.dihedral) {
                    (HashValue::Pdq { .. }, Some(variants)) => Query::Dihedral(variants),
                    _ => Query::Value(value),
                });
            }
        }
        let results = self.match_queries(caller, &lists, &queries, deadline).await?;
        let hashes = files.into_iter().flat_map(|f| f.values).collect();
        Ok(UploadMatchResponse { hashes, results })
    }
}
