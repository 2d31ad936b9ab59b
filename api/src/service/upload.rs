//! Uploaded media: read into memory that is zeroed when dropped, hashed off the actix workers, and gone.
//!
//! Nothing is written to disk: the multipart stream is consumed field by field into [`MediaBuffer`]s (no
//! temporary files, unlike `actix-multipart`'s `TempFile`), and each network chunk is wiped once copied when
//! this code holds its only reference. Only the hashes leave this module.

use std::sync::Arc;
use std::time::Instant;

use disrupt_hasher::robust::Candidates;

use super::matching::{self, Query, VideoWindows};
use actix_multipart::Multipart;
use disrupt_openapi::cases::{CreatedCase, HashedFile, HashedMedia};
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

/// What one file is hashed for: the list (a victim's upload: an image's views are kept with its hash) or a match
/// (a platform's upload: an image's candidates are searched).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Purpose {
    List,
    Match,
}

/// What is kept of one file: PDQ with its quality (and, for the list, its views) for an image, per-frame PDQ for
/// a video, the file's MD5 and SHA-256, and, for a match, an image's candidates (its dihedral variants, the
/// pictures framed in it, its windows).
#[derive(Debug, Default)]
struct FileHashes {
    values: Vec<HashValue>,
    candidates: Option<Arc<Candidates>>,
    /// For a match, a video's frame windows, one set per frame list (its own frames, then its frames inside its
    /// bars), each searched with its list.
    video_windows: Vec<VideoWindows>,
}

impl FileHashes {
    /// The match queries of this file's values: an image's PDQ as its candidates, a video's frame lists with their
    /// frames' windows, everything else as it is.
    fn queries(&self) -> impl Iterator<Item = Query<'_>> {
        let mut videos = 0;
        self.values.iter().map(move |value| match (value, &self.candidates) {
            (HashValue::Pdq { .. }, Some(candidates)) => Query::Image(candidates.clone()),
            (HashValue::Video { .. }, _) => {
                videos += 1;
                match self.video_windows.get(videos - 1) {
                    Some(windows) if !windows.is_empty() => Query::Video(value, windows.clone()),
                    _ => Query::Value(value),
                }
            }
            _ => Query::Value(value),
        })
    }
}

/// Hashes one file. Decoding limits (bytes, pixels, video length and resolution) are the hasher's defaults; a
/// video's wall time is the hasher's, or what is left until `deadline` when that is less.
fn hash_file(bytes: &[u8], purpose: Purpose, deadline: Instant) -> Result<FileHashes, ApiError> {
    use disrupt_hasher::media::{MediaHashes, MediaOptions, hash_media};
    #[cfg_attr(not(feature = "video"), allow(unused_mut))]
    let mut options = match purpose {
        Purpose::List => MediaOptions { views: true, ..MediaOptions::default() },
        // A video inside bars brings a second frame list, its frames inside the bars (a second video value).
        Purpose::Match => MediaOptions::query(),
    };
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        let code = disrupt_hasher::Error::Timeout { limit_ms: 0 }.code();
        return Err(ApiError::InvalidMedia { code, message: "the upload's time ran out before this file".into() });
    }
    #[cfg(feature = "video")]
    {
        options.video.max_wall_time = options.video.max_wall_time.min(left);
    }
    let mut hashes = hash_media(bytes, &options)
        .map_err(|err| ApiError::InvalidMedia { code: err.code(), message: err.to_string() })?;
    // Without our `video` feature the hasher may still hash videos (another crate enabled its feature).
    #[cfg(not(feature = "video"))]
    if !matches!(hashes, MediaHashes::Image { .. }) {
        return Err(ApiError::InvalidMedia {
            code: "unsupported_format",
            message: "this server is built without video support".into(),
        });
    }
    let values = disrupt_hasher::wire::hash_values(&hashes).map_err(|e| ApiError::internal(anyhow::anyhow!(e)))?;
    let (candidates, video_windows) = match &mut hashes {
        MediaHashes::Image { image, .. } => (image.candidates.take().map(Arc::from), Vec::new()),
        // The arm is unreachable when the hasher is built without video.
        #[allow(unreachable_patterns)]
        _ => (None, take_video_windows(&mut hashes)),
    };
    Ok(FileHashes { values, candidates, video_windows })
}

/// A query video's frame windows, one set per frame list it sends (see [`FileHashes::video_windows`]).
fn take_video_windows(hashes: &mut disrupt_hasher::media::MediaHashes) -> Vec<VideoWindows> {
    match hashes {
        #[cfg(feature = "video")]
        disrupt_hasher::media::MediaHashes::Video { video, .. } => {
            let mut sets = vec![Arc::new(std::mem::take(&mut video.windows))];
            if let Some(trimmed) = &mut video.trimmed {
                sets.push(Arc::new(std::mem::take(&mut trimmed.windows)));
            }
            sets
        }
        _ => Vec::new(),
    }
}

/// Hashes the files off the actix workers (decoding is CPU work), within the upload's time, and drops them, which
/// zeroes them.
async fn hash_files(
    files: Vec<MediaBuffer>,
    purpose: Purpose,
    slot: UploadSlot,
    deadline: Instant,
) -> Result<(Vec<FileHashes>, UploadSlot), ApiError> {
    let (hashes, slot) = blocking_in_slot(slot, move || {
        let mut hashes = Vec::with_capacity(files.len());
        for file in &files {
            hashes.push(hash_file(file.as_slice(), purpose, deadline)?);
        }
        drop(files);
        Ok::<_, ApiError>(hashes)
    })
    .await?;
    Ok((hashes?, slot))
}

/// Drops candidates (a video's frame windows first, every other windowed frame at a time; then an image's
/// windows of the rotation undone, then of the framed picture, then of the image, then framed pictures; from the
/// last files first) until the whole request fits the search budget, counted as the match counts it
/// ([`matching::searches`]): a video's frames count too, and an upload the budget accepts without candidates
/// must never fail because of them. An image keeps its own hashes (its first candidate).
fn fit_candidates_to_budget(files: &mut [FileHashes], lists: usize) -> Result<(), ApiError> {
    let budget = disrupt_openapi::matching::MAX_MATCH_SEARCHES / lists.max(1);
    let mut cost = 0;
    for file in files.iter() {
        for query in file.queries() {
            cost += matching::searches(&query)?;
        }
    }
    for file in files.iter_mut().rev() {
        for windows in file.video_windows.iter_mut().rev() {
            while cost > budget && !windows.is_empty() {
                let Some(windows) = Arc::get_mut(windows) else {
                    break;
                };
                let before = matching::window_searches(windows);
                if windows.len() <= 1 {
                    windows.clear();
                } else {
                    // Thinned rather than cut short: the frames kept stay spread over the video.
                    disrupt_hasher::video::squares::keep_every_other(windows);
                }
                cost -= before - matching::window_searches(windows);
            }
        }
    }
    for file in files.iter_mut().rev() {
        let Some(candidates) = file.candidates.as_mut().and_then(Arc::get_mut) else {
            continue;
        };
        let mut own = matching::CandidateCost::of(candidates);
        while cost > budget && candidates.list.len() > 1 {
            let before = own.searches();
            if let Some(dropped) = candidates.list.pop() {
                own.add(&dropped, false);
            }
            cost -= before - own.searches();
        }
    }
    Ok(())
}

/// A permit of `concurrent_uploads`.
type UploadSlot = tokio::sync::OwnedSemaphorePermit;

/// Runs `work` on the blocking pool, holding `slot` until `work` returns, and gives the slot back with the result.
/// If the request ends first (its time limit, a client gone), this future is dropped but the thread runs on:
/// the slot goes with the thread, so a slot is free again only when its blocking work has really ended and
/// `concurrent_uploads` bounds the hashing threads, not only the requests waiting for them.
async fn blocking_in_slot<T: Send + 'static>(
    slot: UploadSlot,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<(T, UploadSlot), ApiError> {
    actix_web::web::block(move || (work(), slot)).await.map_err(ApiError::internal)
}

impl Service {
    /// A slot for one upload, held while it is read and until its files are hashed and dropped (see
    /// [`blocking_in_slot`]), and the upload's deadline; `Busy` when no slot is free. Refusing at once (rather
    /// than queueing) keeps a flood of uploads from holding memory while it waits.
    fn upload_slot(&self) -> Result<(UploadSlot, Instant), ApiError> {
        let slot = self.upload_slots.clone().try_acquire_owned().map_err(|_| ApiError::Busy)?;
        Ok((slot, Instant::now() + self.upload_time))
    }

    /// Victims' upload: hashes the files, forgets them, and creates the case.
    pub async fn upload_case(&self, multipart: Multipart, quota: &SubmissionQuota) -> Result<CreatedCase, ApiError> {
        let (slot, deadline) = self.upload_slot()?;
        let upload = read_upload(multipart, true).await?;
        let category =
            upload.category.ok_or_else(|| ApiError::InvalidRequest("the category field is missing".into()))?;
        let (hashes, _slot) = hash_files(upload.files, Purpose::List, slot, deadline).await?;
        self.create_case_from_hashes(category, hashes.into_iter().flat_map(|h| h.values).collect(), quota).await
    }

    /// Victims' files their browser could not decode: hashes them as for a case (an image's views included),
    /// forgets them, and answers the hashes, file by file. Nothing is stored; the page sends the hashes with its
    /// case.
    pub async fn hash_media(&self, multipart: Multipart) -> Result<HashedMedia, ApiError> {
        let (slot, deadline) = self.upload_slot()?;
        let upload = read_upload(multipart, false).await?;
        let (hashes, _slot) = hash_files(upload.files, Purpose::List, slot, deadline).await?;
        Ok(HashedMedia { files: hashes.into_iter().map(|h| HashedFile { hashes: h.values }).collect() })
    }

    /// Platforms' upload: hashes the files, forgets them, and matches the hashes.
    pub async fn match_upload(
        &self,
        caller: &Caller,
        multipart: Multipart,
        deadline: crate::time_limit::Deadline,
    ) -> Result<UploadMatchResponse, ApiError> {
        let (slot, hash_by) = self.upload_slot()?;
        let upload = read_upload(multipart, false).await?;
        let lists = self.default_lists(caller).await?;
        let (mut files, _slot) = hash_files(upload.files, Purpose::Match, slot, hash_by).await?;
        fit_candidates_to_budget(&mut files, lists.len())?;
        let queries: Vec<Query<'_>> = files.iter().flat_map(|file| file.queries()).collect();
        let results = self.match_queries(caller, &lists, &queries, deadline).await?;
        let hashes = files.into_iter().flat_map(|f| f.values).collect();
        Ok(UploadMatchResponse { hashes, results })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;
    use disrupt_openapi::matching::MAX_MATCH_SEARCHES;

    /// A request whose time limit passes while its files are hashed is dropped, but its hashing thread runs on:
    /// the slot stays taken until that thread is done, so `concurrent_uploads` bounds the threads.
    #[tokio::test]
    async fn a_slot_is_free_again_only_when_its_blocking_work_has_ended() {
        let slots = Arc::new(tokio::sync::Semaphore::new(1));
        let (finish, finished) = std::sync::mpsc::channel::<()>();
        let request = blocking_in_slot(slots.clone().try_acquire_owned().unwrap(), move || finished.recv());
        assert!(tokio::time::timeout(Duration::from_millis(50), request).await.is_err(), "the work blocks");
        assert_eq!(slots.available_permits(), 0, "the slot came back while its thread still hashes");
        finish.send(()).unwrap();
        let start = Instant::now();
        while slots.available_permits() == 0 {
            assert!(start.elapsed() < Duration::from_secs(10), "the slot never came back");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// An image's hashes with `inner` framed pictures and `windows` windows among its candidates.
    fn image(inner: usize, windows: usize) -> FileHashes {
        use disrupt_hasher::pdq::{Dihedral, PdqHash};
        use disrupt_hasher::robust::{Candidate, CandidateKind, Rect};
        let candidate = |kind: CandidateKind, variants: usize| Candidate {
            kind,
            frame: 0,
            rect: Rect::new(0.0, 0.0, 10.0, 10.0),
            quality: None,
            hashes: Dihedral::ALL[..variants].iter().map(|d| (*d, PdqHash::from_bytes([1; 32]))).collect(),
        };
        let list = std::iter::once(candidate(CandidateKind::Whole, 8))
            .chain((0..inner).map(|_| candidate(CandidateKind::Inner, 8)))
            .chain((0..windows).map(|_| candidate(CandidateKind::Window, 2)))
            .collect();
        FileHashes {
            values: vec![
                HashValue::Pdq { hash: "00".repeat(32).parse().unwrap(), quality: Some(90), views: Vec::new() },
                HashValue::Md5 { hash: "00".repeat(16).parse().unwrap() },
                HashValue::Sha256 { hash: "00".repeat(32).parse().unwrap() },
            ],
            candidates: Some(Arc::new(Candidates::from_list(list))),
            ..FileHashes::default()
        }
    }

    fn video(frames: usize) -> FileHashes {
        // Distinct, reliable frames: the match counts each distinct frame of quality 50 or more once.
        let frame = |i: usize| disrupt_openapi::model::VideoFrame {
            frame: i as u64,
            timestamp: i as f64,
            pdq: format!("{i:064x}").parse().unwrap(),
            quality: 90,
            views: Vec::new(),
        };
        FileHashes {
            values: vec![HashValue::Video { frames: (0..frames).map(frame).collect() }],
            ..FileHashes::default()
        }
    }

    fn cost(files: &[FileHashes]) -> usize {
        files.iter().flat_map(|f| f.queries()).map(|q| matching::searches(&q).unwrap()).sum()
    }

    fn kept(files: &[FileHashes]) -> Vec<usize> {
        files.iter().map(|f| f.candidates.as_ref().map_or(0, |c| c.list.len())).collect()
    }

    #[test]
    fn candidates_fill_the_search_budget_but_never_exceed_it() {
        // One image: 8 + 16 x 8 + 6,400 x 2 / 64 = 336 searches, well within the budget, kept whole.
        let mut files = vec![image(16, 6_400)];
        assert_eq!(cost(&files), 336 + 2);
        fit_candidates_to_budget(&mut files, 1).unwrap();
        assert_eq!(kept(&files), [1 + 16 + 6_400]);
        // A long video beside two images takes the budget first: the last image's windows, then its framed
        // pictures go, then the first image's windows; the video is still searched, each image keeps its own hash.
        let mut files = vec![image(16, 6_400), image(16, 6_400), video(7_900)];
        fit_candidates_to_budget(&mut files, 1).unwrap();
        assert!(cost(&files) <= MAX_MATCH_SEARCHES, "{}", cost(&files));
        // 7,900 frames + 2 x (8 variants + 2 digests) leave 80 searches: the second image keeps only its own
        // hash, the first its own and 10 framed pictures.
        assert_eq!(kept(&files), [1 + 10, 1, 0]);
        // With eight lists each image and list has 1,000 searches: candidates are kept whole.
        let mut files = vec![image(16, 6_400), image(16, 6_400)];
        fit_candidates_to_budget(&mut files, 8).unwrap();
        assert_eq!(kept(&files), [1 + 16 + 6_400, 1 + 16 + 6_400]);
        let mut over = vec![video(8_001)];
        fit_candidates_to_budget(&mut over, 1).unwrap();
        assert!(over[0].candidates.is_none(), "nothing to drop: the budget check refuses the request as before");
    }

    /// `frames` frames with `windows` frame windows each, the first `windowed` frames scanned.
    fn video_with_windows(frames: usize, windowed: usize, windows: usize) -> FileHashes {
        use disrupt_hasher::pdq::PdqHash;
        use disrupt_hasher::video::{FrameWindow, FrameWindows};
        let window = FrameWindow { hash: PdqHash::from_bytes([3; 32]), rect: [0.1, 0.1, 0.5, 0.8] };
        let scanned = (0..windowed as u64).map(|frame| FrameWindows { frame, windows: vec![window; windows] });
        FileHashes { video_windows: vec![Arc::new(scanned.collect())], ..video(frames) }
    }

    #[test]
    fn a_videos_frame_windows_are_thinned_to_the_budget_and_its_frames_always_searched() {
        // 100 frames + 120 x 6,400 / 64 = 12,000 window searches: over the budget.
        let mut files = vec![video_with_windows(100, 120, 6_400)];
        assert_eq!(cost(&files), 100 + 12_000);
        fit_candidates_to_budget(&mut files, 1).unwrap();
        assert_eq!(files[0].video_windows[0].len(), 60, "every other windowed frame goes, once");
        assert_eq!(files[0].video_windows[0][1].frame, 2, "the frames kept stay spread out");
        assert!(cost(&files) <= MAX_MATCH_SEARCHES);
        // A video whose own frames take the whole budget keeps no windows, and is still searched.
        let mut files = vec![video_with_windows(7_990, 120, 6_400)];
        fit_candidates_to_budget(&mut files, 1).unwrap();
        assert!(files[0].video_windows[0].is_empty());
        assert_eq!(cost(&files), 7_990);
        assert!(matches!(files[0].queries().next(), Some(Query::Value(..))), "searched as its frames alone");
        let files = [video_with_windows(10, 2, 64)];
        assert!(matches!(files[0].queries().next(), Some(Query::Video(..))));
    }
}
