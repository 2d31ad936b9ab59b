//! The in-memory match index of every list, as the match API asks it. Kept current by [`crate::sync`]; shared as
//! [`SharedIndex`] (`state.index.read().search_pdq(..)`).
//!
//! Only live entries (Pending, Verified) are in it. PDQ search goes through `disrupt_hasher::index::PdqIndex`
//! (multi-index hashing: exact, every entry within the radius), digests through its exact maps. An image's views
//! (inner squares, [`crate::views`]) sit in an index of their own, searched only by an uploaded image's windows
//! ([`MatchIndex::seek`]): a plain PDQ query is compared with listed images' own hashes, as PDQ always was.

use std::{collections::HashMap, sync::Arc};

use disrupt_hasher::index::{BlockIndex, ExactIndex, FrameViewIndex, ListedSquare, PdqIndex, VideoPair};
use disrupt_hasher::pdq::{Dihedral, PdqHash};
use disrupt_hasher::robust::{CandidateKind, Region, Thresholds, View};
use disrupt_hasher::video::FrameWindow;
use disrupt_openapi::model::VideoFrame;
use parking_lot::RwLock;

use crate::entry_ref::{entry_of, view_number};
use crate::store::{EntryId, HashKind};

/// The index shared by the sync task (writer) and the handlers (readers).
pub type SharedIndex = Arc<RwLock<MatchIndex>>;

/// A PDQ hash as 32 bytes, big-endian (byte 0 = the first two hex digits).
pub type PdqBytes = [u8; 32];

/// A PDQ search hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PdqHit {
    /// The entry.
    pub id: EntryId,
    /// Hamming distance to the closest query.
    pub distance: u32,
    /// Which query (index into the queries given; 0..8 for dihedral variants) came closest.
    pub variant: usize,
}

/// One list's hashes: PDQ in the hasher's multi-index-hashing index (exact range search), digests in exact maps.
#[derive(Debug, Default)]
struct ListIndex {
    pdq: PdqIndex,
    md5: ExactIndex<16>,
    sha256: ExactIndex<32>,
    /// Each video's reliable distinct frames, parsed once here rather than at every query.
    video: HashMap<EntryId, Box<[PdqBytes]>>,
    /// Listed videos' frame squares (the frames' `views`), searched only by an uploaded video's frame windows
    /// ([`MatchIndex::video_pairs`]).
    video_squares: FrameViewIndex,
    /// Listed images' views (inner squares), under `entry_ref::view_number(image, n)`, n from 1. Windows only
    /// seek them (a whole 24-bit block shared), so they need none of the exact search's chunk tables.
    views: BlockIndex,
    /// Each image's views' quality and region, in view order (their hashes are in `views`).
    places: HashMap<EntryId, Box<[ViewPlace]>>,
}

/// What matching needs of a view besides its hash, in 10 bytes rather than a whole [`View`].
#[derive(Clone, Copy, Debug)]
struct ViewPlace {
    quality: u8,
    region: [u16; 4],
    turn: i8,
}

/// The image's own hash and its views (hash, place) of stored PDQ text, or `None` when it does not parse.
fn parse_image(text: &str) -> Option<(PdqHash, Vec<(PdqHash, ViewPlace)>)> {
    let (hex, packed) = crate::views::decode_packed(text)?;
    let own = PdqHash::from_bytes(parse_hex::<32>(hex)?);
    let views = packed
        .into_iter()
        .map(|v| (PdqHash::from_bytes(v.hash), ViewPlace { quality: v.quality, region: v.region, turn: v.turn }))
        .collect();
    Some((own, views))
}

/// A video's frame squares (the frames' `views`) as the index takes them: `(hash, quality, region)`.
fn frame_squares(frames: &[VideoFrame]) -> Vec<ListedSquare> {
    frames
        .iter()
        .flat_map(|f| &f.views)
        .filter_map(|v| {
            let r = v.region;
            Some((PdqHash::from_bytes(parse_hex::<32>(v.hash.as_str())?), v.quality, [r.x, r.y, r.width, r.height]))
        })
        .collect()
}

/// A video's frames as vPDQ compares them: frames under PDQ quality 50 dropped (black or flat frames would match
/// any other video's), each distinct hash once, sorted.
pub fn reliable_frames(frames: &[VideoFrame]) -> Vec<PdqBytes> {
    let mut hashes: Vec<PdqBytes> = frames
        .iter()
        .filter(|f| f.quality >= disrupt_hasher::pdq::QUALITY_THRESHOLD)
        .filter_map(|f| parse_hex::<32>(f.pdq.as_str()))
        .collect();
    hashes.sort_unstable();
    hashes.dedup();
    hashes
}

fn parse_hex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    hex::decode_to_slice(text, &mut out).ok()?;
    Some(out)
}

impl ListIndex {
    fn len(&self) -> usize {
        self.pdq.len() + self.md5.len() + self.sha256.len() + self.video.len()
    }

    /// Removes the entry from whichever index holds it. No id -> kind map is kept: at 10 M entries it would cost
    /// hundreds of MiB, and asking the four indexes costs four lookups.
    fn remove(&mut self, id: EntryId) -> bool {
        if let Some(places) = self.places.remove(&id) {
            for n in 1..=places.len() {
                self.views.remove(view_number(id, n));
            }
        }
        self.video_squares.remove(id);
        self.pdq.remove(id) || self.md5.remove(id) || self.sha256.remove(id) || self.video.remove(&id).is_some()
    }

    /// Inserts (replacing an older version of the entry). Returns false when the hash text does not parse.
    fn insert(&mut self, id: EntryId, kind: HashKind, hash: &str) -> bool {
        self.remove(id);
        match kind {
            HashKind::Pdq => {
                let Some((own, views)) = parse_image(hash) else {
                    return false;
                };
                self.pdq.insert(id, own);
                if !views.is_empty() {
                    for (n, (hash, _)) in views.iter().enumerate() {
                        self.views.insert(view_number(id, n + 1), *hash);
                    }
                    self.places.insert(id, views.into_iter().map(|(_, place)| place).collect());
                }
            }
            HashKind::Md5 => {
                let Some(d) = parse_hex::<16>(hash) else {
                    return false;
                };
                self.md5.insert(id, d);
            }
            HashKind::Sha256 => {
                let Some(d) = parse_hex::<32>(hash) else {
                    return false;
                };
                self.sha256.insert(id, d);
            }
            HashKind::Video => {
                let Ok(frames) = serde_json::from_str::<Vec<VideoFrame>>(hash) else {
                    return false;
                };
                self.video.insert(id, reliable_frames(&frames).into_boxed_slice());
                self.video_squares.insert(id, frame_squares(&frames));
            }
        }
        true
    }

    /// Every PDQ entry within `radius` of any query, once, with its closest query.
    fn search_pdq(&self, queries: &[PdqBytes], radius: u32) -> Vec<PdqHit> {
        let queries: Vec<PdqHash> = queries.iter().map(|q| PdqHash::from_bytes(*q)).collect();
        let mut best: HashMap<EntryId, PdqHit> = HashMap::new();
        if let Ok(eight) = <&[PdqHash; 8]>::try_from(queries.as_slice()) {
            for m in self.pdq.search_dihedral(eight, radius) {
                let variant = Dihedral::ALL.iter().position(|d| *d == m.variant).unwrap_or(0);
                best.insert(m.id, PdqHit { id: m.id, distance: m.distance, variant });
            }
        } else {
            for (variant, query) in queries.iter().enumerate() {
                for m in self.pdq.search(query, radius) {
                    let hit = PdqHit { id: m.id, distance: m.distance, variant };
                    best.entry(m.id)
                        .and_modify(|b| {
                            if hit.distance < b.distance {
                                *b = hit;
                            }
                        })
                        .or_insert(hit);
                }
            }
        }
        let mut hits: Vec<PdqHit> = best.into_values().collect();
        hits.sort_by_key(|h| (h.distance, h.id));
        hits
    }
}

/// Builds one list's index in bulk, for loading a list at start: PDQ hashes are gathered and the multi-index
/// tables built once at [`ListLoader::finish`] (inserting one at a time rebuilds them again and again). Build it
/// outside the index's lock, then [`MatchIndex::install_list`].
#[derive(Debug, Default)]
pub struct ListLoader {
    pdq: Vec<(EntryId, PdqHash)>,
    views: Vec<(EntryId, PdqHash)>,
    video_squares: Vec<(EntryId, Vec<ListedSquare>)>,
    rest: ListIndex,
}

impl ListLoader {
    /// Adds a live hash. Returns false when its text does not parse (it is left out).
    pub fn add(&mut self, id: EntryId, kind: HashKind, hash: &str) -> bool {
        match kind {
            HashKind::Pdq => match parse_image(hash) {
                Some((own, views)) => {
                    self.pdq.push((id, own));
                    if !views.is_empty() {
                        self.views.extend(views.iter().enumerate().map(|(n, (h, _))| (view_number(id, n + 1), *h)));
                        self.rest.places.insert(id, views.into_iter().map(|(_, place)| place).collect());
                    }
                    true
                }
                None => false,
            },
            HashKind::Video => match serde_json::from_str::<Vec<VideoFrame>>(hash) {
                Ok(frames) => {
                    self.rest.video.insert(id, reliable_frames(&frames).into_boxed_slice());
                    self.video_squares.push((id, frame_squares(&frames)));
                    true
                }
                Err(_) => false,
            },
            _ => self.rest.insert(id, kind, hash),
        }
    }

    /// Hashes added so far.
    pub fn len(&self) -> usize {
        self.pdq.len() + self.rest.len()
    }

    /// True when nothing was added.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The list's index, built.
    pub fn finish(mut self) -> LoadedList {
        // A scan of a Redis hash may return an entry twice; the index must hold each id once.
        self.pdq.sort_unstable_by_key(|(id, _)| *id);
        self.pdq.dedup_by_key(|(id, _)| *id);
        self.views.sort_unstable_by_key(|(id, _)| *id);
        self.views.dedup_by_key(|(id, _)| *id);
        let mut index = self.rest;
        index.pdq = self.pdq.into_iter().collect();
        index.views = self.views.into_iter().collect();
        index.video_squares = FrameViewIndex::from_videos(self.video_squares);
        LoadedList(index)
    }
}

/// A list's index built by [`ListLoader`], ready to install.
#[derive(Debug)]
pub struct LoadedList(ListIndex);

/// Every list's live hashes.
#[derive(Debug, Default)]
pub struct MatchIndex {
    lists: HashMap<String, ListIndex>,
}

impl MatchIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// A new empty index to share.
    pub fn shared() -> SharedIndex {
        Arc::new(RwLock::new(Self::new()))
    }

    /// Entries in all lists.
    pub fn len(&self) -> usize {
        self.lists.values().map(ListIndex::len).sum()
    }

    /// True when no list has an entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Entries in one list.
    pub fn list_len(&self, list: &str) -> usize {
        self.lists.get(list).map_or(0, ListIndex::len)
    }

    /// Applies an entry's current state: live entries are (re)inserted, others removed. Idempotent, so replaying
    /// feed records is harmless. Returns false when a live entry's hash text does not parse (it is left out).
    pub fn apply(&mut self, list: &str, id: EntryId, kind: HashKind, hash: &str, live: bool) -> bool {
        let index = self.lists.entry(list.to_owned()).or_default();
        if live {
            index.insert(id, kind, hash)
        } else {
            index.remove(id);
            true
        }
    }

    /// Drops an entry of `list` (a no-op when absent). Returns true, like a removal through [`MatchIndex::apply`].
    pub fn remove(&mut self, list: &str, id: EntryId) -> bool {
        if let Some(index) = self.lists.get_mut(list) {
            index.remove(id);
        }
        true
    }

    /// Replaces a list's entries with a freshly loaded index.
    pub fn install_list(&mut self, list: &str, loaded: LoadedList) {
        self.lists.insert(list.to_owned(), loaded.0);
    }

    /// PDQ entries of `list` within `radius` of any of `queries` (one hash, or the 8 dihedral variants of one
    /// image), each entry once with its closest query.
    pub fn search_pdq(&self, list: &str, queries: &[PdqBytes], radius: u32) -> Vec<PdqHit> {
        self.lists.get(list).map(|index| index.search_pdq(queries, radius)).unwrap_or_default()
    }

    /// The listed images of `list` that hashes of an uploaded image's candidates of one kind reach (see
    /// `disrupt_hasher::robust::seed_images`): a whole or framed picture's variants within [`Thresholds::whole`] of
    /// the listed images' own hashes; a batch of windows within [`Thresholds::paired`] of a view that shares one of
    /// their 24-bit blocks (`BlockIndex::reach`), a half's two hashes the same way within [`Thresholds::half`].
    /// Ascending, each image once.
    pub fn seek(&self, list: &str, kind: CandidateKind, hashes: &[PdqHash], t: &Thresholds) -> Vec<EntryId> {
        let Some(index) = self.lists.get(list) else {
            return Vec::new();
        };
        let mut found: Vec<EntryId> = match kind {
            CandidateKind::Whole | CandidateKind::Inner => {
                hashes.iter().flat_map(|hash| index.pdq.search(hash, t.whole)).map(|m| m.id).collect()
            }
            CandidateKind::Window => index.views.reach(hashes, t.paired).into_iter().map(entry_of).collect(),
            CandidateKind::Half => index.views.reach(hashes, t.half).into_iter().map(entry_of).collect(),
        };
        found.sort_unstable();
        found.dedup();
        found
    }

    /// Images of `list` whose own PDQ hash or one of whose views is exactly `hash`, ascending. The feed and
    /// StopNCII's FetchHashes give views as plain PDQ records, so a platform may name an image by any of them.
    pub fn images_with_pdq(&self, list: &str, hash: &PdqBytes) -> Vec<EntryId> {
        let Some(index) = self.lists.get(list) else {
            return Vec::new();
        };
        let hash = PdqHash::from_bytes(*hash);
        let mut found: Vec<EntryId> = index.pdq.search(&hash, 0).into_iter().map(|m| m.id).collect();
        found.extend(index.views.reach(&[hash], 0).into_iter().map(entry_of));
        found.sort_unstable();
        found.dedup();
        found
    }

    /// A listed image's hashes as `disrupt_hasher::robust::decide` reads them: its own (view 0), then its views.
    pub fn image_views(&self, list: &str, id: EntryId) -> Option<Vec<View>> {
        let index = self.lists.get(list)?;
        let own = index.pdq.get(id)?;
        let mut views = vec![View { hash: own, quality: 100, region: Region::WHOLE }];
        for (n, place) in index.places.get(&id).into_iter().flat_map(|p| p.iter()).enumerate() {
            let hash = index.views.get(view_number(id, n + 1))?;
            views.push(View { hash, quality: place.quality, region: Region::from_units(place.region, place.turn) });
        }
        Some(views)
    }

    /// Views held for `list`'s images (besides their own hashes).
    pub fn views_len(&self, list: &str) -> usize {
        self.lists.get(list).map_or(0, |i| i.views.len())
    }

    /// Entries of `list` with this MD5.
    pub fn lookup_md5(&self, list: &str, digest: &[u8; 16]) -> Vec<EntryId> {
        self.lists.get(list).map(|i| i.md5.get(digest).to_vec()).unwrap_or_default()
    }

    /// Entries of `list` with this SHA-256.
    pub fn lookup_sha256(&self, list: &str, digest: &[u8; 32]) -> Vec<EntryId> {
        self.lists.get(list).map(|i| i.sha256.get(digest).to_vec()).unwrap_or_default()
    }

    /// The close pairs of one frame of an uploaded video (numbered `frame`) with `list`'s videos' frame squares:
    /// each (window, square) within `radius`, for the squares a window reaches by the block rule.
    pub fn video_pairs(&self, list: &str, frame: usize, windows: &[FrameWindow], radius: u32) -> Vec<VideoPair> {
        self.lists.get(list).map(|i| i.video_squares.pairs(frame, windows, radius)).unwrap_or_default()
    }

    /// Frame squares held for `list`'s videos.
    pub fn video_squares_len(&self, list: &str) -> usize {
        self.lists.get(list).map_or(0, |i| i.video_squares.len())
    }

    /// The stored videos of `list` (entry id, reliable distinct frames), for video matching.
    pub fn videos(&self, list: &str) -> impl Iterator<Item = (EntryId, &[PdqBytes])> {
        self.lists.get(list).into_iter().flat_map(|i| i.video.iter().map(|(id, v)| (*id, &v[..])))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";

    fn flip_bits(hex_text: &str, n: usize) -> PdqBytes {
        let mut bytes = parse_hex::<32>(hex_text).expect("hex");
        for i in 0..n {
            bytes[i / 8] ^= 1 << (i % 8);
        }
        bytes
    }

    #[test]
    fn pdq_search_finds_within_radius_only() {
        let mut index = MatchIndex::new();
        assert!(index.apply("ncii", 1, HashKind::Pdq, A, true));
        let near = flip_bits(A, 10);
        let far = flip_bits(A, 40);
        let hits = index.search_pdq("ncii", &[far, near], 31);
        assert_eq!(hits, [PdqHit { id: 1, distance: 10, variant: 1 }]);
        assert!(index.search_pdq("ncii", &[far], 31).is_empty());
        assert!(index.search_pdq("csam", &[near], 31).is_empty());
    }

    #[test]
    fn tombstones_remove_and_replays_are_idempotent() {
        let mut index = MatchIndex::new();
        let md5 = "0123456789abcdef0123456789abcdef";
        for _ in 0..2 {
            index.apply("ncii", 1, HashKind::Pdq, A, true);
            index.apply("ncii", 2, HashKind::Md5, md5, true);
            index.apply("ncii", 3, HashKind::Pdq, A, true);
        }
        assert_eq!(index.len(), 3);
        let digest = parse_hex::<16>(md5).expect("hex");
        assert_eq!(index.lookup_md5("ncii", &digest), [2]);
        index.apply("ncii", 1, HashKind::Pdq, A, false);
        index.apply("ncii", 2, HashKind::Md5, md5, false);
        index.apply("ncii", 2, HashKind::Md5, md5, false);
        assert_eq!(index.len(), 1);
        assert!(index.lookup_md5("ncii", &digest).is_empty());
        let hits = index.search_pdq("ncii", &[flip_bits(A, 0)], 0);
        assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), [3]);
    }

    /// List `ncii` holding entry `id` of `kind` and stored `text`: one index given it by the change feed, one that
    /// loaded it in bulk at start.
    fn applied_and_loaded(id: EntryId, kind: HashKind, text: &str) -> [MatchIndex; 2] {
        let mut applied = MatchIndex::new();
        assert!(applied.apply("ncii", id, kind, text, true));
        let mut loader = ListLoader::default();
        assert!(loader.add(id, kind, text));
        let mut loaded = MatchIndex::new();
        loaded.install_list("ncii", loader.finish());
        [applied, loaded]
    }

    #[test]
    fn a_bulk_loaded_list_searches_like_one_built_entry_by_entry() {
        let md5 = "0123456789abcdef0123456789abcdef";
        let mut loader = ListLoader::default();
        assert!(loader.add(1, HashKind::Pdq, A));
        assert!(loader.add(2, HashKind::Md5, md5));
        assert!(!loader.add(3, HashKind::Pdq, "zz"));
        assert!(loader.add(1, HashKind::Pdq, A), "a scan may repeat an entry");
        assert_eq!(loader.len(), 3);
        let mut index = MatchIndex::new();
        index.apply("ncii", 9, HashKind::Pdq, A, true);
        index.install_list("ncii", loader.finish());
        assert_eq!(index.list_len("ncii"), 2, "installing replaces what the list had");
        let hits = index.search_pdq("ncii", &[flip_bits(A, 5)], 31);
        assert_eq!(hits, [PdqHit { id: 1, distance: 5, variant: 0 }]);
        assert_eq!(index.lookup_md5("ncii", &parse_hex::<16>(md5).expect("hex")), [2]);
        index.apply("ncii", 1, HashKind::Pdq, A, false);
        assert!(index.search_pdq("ncii", &[flip_bits(A, 5)], 31).is_empty(), "later removals still apply");
    }

    #[test]
    fn malformed_hashes_are_left_out() {
        let mut index = MatchIndex::new();
        assert!(!index.apply("ncii", 1, HashKind::Pdq, "zz", true));
        assert!(!index.apply("ncii", 2, HashKind::Sha256, "00", true));
        assert!(index.is_empty());
    }

    #[test]
    fn a_videos_frame_squares_are_found_by_frame_windows_only_and_leave_with_it() {
        use disrupt_openapi::model::PdqView;
        let frame = |n: u8, views: Vec<PdqView>| VideoFrame {
            frame: n.into(),
            timestamp: n.into(),
            pdq: hex::encode([n; 32]).parse().expect("hex"),
            quality: 90,
            views,
        };
        let square = PdqView::new(&[77; 32], 80, [2750, 1000, 4500, 8000]);
        let flat = PdqView::new(&[78; 32], 20, [3537, 2400, 2925, 5200]);
        let text = serde_json::to_string(&[frame(1, vec![square, flat]), frame(2, vec![])]).expect("json");
        let window = FrameWindow { hash: PdqHash::from_bytes([77; 32]), rect: [0.1, 0.0, 0.6, 0.9] };
        let check = |index: &MatchIndex| {
            assert_eq!(index.video_squares_len("ncii"), 1, "the unreliable square is left out");
            let pairs = index.video_pairs("ncii", 3, &[window], 31);
            assert_eq!(pairs.len(), 1);
            assert_eq!((pairs[0].video, pairs[0].pair.frame, pairs[0].pair.distance), (9, 3, 0));
            assert_eq!(pairs[0].pair.region, [2750, 1000, 4500, 8000]);
            assert!(index.search_pdq("ncii", &[[77; 32]], 0).is_empty(), "a plain query never meets a square");
        };
        let [mut index, mut loaded] = applied_and_loaded(9, HashKind::Video, &text);
        check(&index);
        check(&loaded);
        for index in [&mut index, &mut loaded] {
            index.apply("ncii", 9, HashKind::Video, &text, false);
            assert_eq!(index.video_squares_len("ncii"), 0, "the squares left with their video");
            assert!(index.video_pairs("ncii", 0, &[window], 31).is_empty());
        }
    }

    #[test]
    fn an_images_views_are_searched_by_windows_only_and_leave_with_it() {
        use disrupt_openapi::model::PdqView;
        let views: Vec<PdqView> =
            (1..=3u8).map(|n| PdqView::new(&[n * 50; 32], 80, [n.into(), 0, 5500, 7333])).collect();
        let text = crate::views::encode(A, &views);
        let t = Thresholds::default();
        let own = PdqHash::from_bytes(parse_hex::<32>(A).expect("hex"));
        let second = PdqHash::from_bytes([100; 32]);
        let check = |index: &MatchIndex| {
            assert_eq!(index.seek("ncii", CandidateKind::Whole, &[own], &t), [7]);
            assert_eq!(index.seek("ncii", CandidateKind::Window, &[second], &t), [7]);
            assert!(index.seek("ncii", CandidateKind::Window, &[own], &t).is_empty(), "windows search views only");
            assert!(index.seek("ncii", CandidateKind::Inner, &[second], &t).is_empty(), "framed pictures: own hashes");
            assert!(index.search_pdq("ncii", &[[100; 32]], 0).is_empty(), "a plain query never meets a view");
            assert_eq!(index.images_with_pdq("ncii", &[100; 32]), [7], "a view's exact value names its image");
            assert_eq!(index.images_with_pdq("ncii", own.as_bytes()), [7], "as its own hash does");
            assert!(index.images_with_pdq("ncii", &[101; 32]).is_empty(), "exact values only");
            let listed = index.image_views("ncii", 7).expect("listed");
            assert_eq!(listed.len(), 4);
            assert!(listed[0].region.is_whole());
            assert_eq!(
                (listed[2].hash, listed[2].quality, listed[2].region.to_units()),
                (second, 80, [2, 0, 5500, 7333])
            );
        };
        let [mut index, mut loaded] = applied_and_loaded(7, HashKind::Pdq, &text);
        check(&index);
        check(&loaded);
        for index in [&mut index, &mut loaded] {
            index.apply("ncii", 7, HashKind::Pdq, &text, false);
            assert_eq!(index.views_len("ncii"), 0, "the views left with their image");
            assert!(index.seek("ncii", CandidateKind::Window, &[second], &t).is_empty());
            assert!(index.image_views("ncii", 7).is_none());
            assert!(index.images_with_pdq("ncii", &[100; 32]).is_empty());
        }
        let damaged = format!("{A}.AAAA");
        assert!(!MatchIndex::new().apply("ncii", 8, HashKind::Pdq, &damaged, true), "damaged views leave it out");
    }
}
