//! Vocabulary shared by several endpoints: hash values, categories and states.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::hash::{Md5Hex, PdqHex, Sha256Hex};

/// The most hashes one request may carry (case creation, match batches).
pub const MAX_HASHES_PER_REQUEST: usize = 1000;
/// The most frames one video frame list may carry: a 1 fps hash (vPDQ's rate) of a two-hour video. A server may
/// set a lower cap for the videos it stores (`case_limits.frames_per_video`), never a higher one, so that one
/// record of the feed stays near a megabyte.
pub const MAX_FRAMES_PER_VIDEO: usize = 7_200;
/// The default cap on the frames of all the videos of one case together: five two-hour videos.
pub const DEFAULT_FRAMES_PER_CASE: usize = 36_000;

/// Which kind of hash a value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HashKind {
    /// PDQ perceptual hash of an image.
    Pdq,
    /// vPDQ: a list of per-frame PDQ hashes of a video.
    Video,
    /// MD5 of the file bytes.
    Md5,
    /// SHA-256 of the file bytes.
    Sha256,
}

string_names!(HashKind { Pdq => "pdq", Video => "video", Md5 => "md5", Sha256 => "sha256" });

/// One frame of a video's vPDQ hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VideoFrame {
    /// Frame number in the video.
    pub frame: u64,
    /// Time of the frame in seconds from the start.
    pub timestamp: f64,
    /// PDQ hash of the frame.
    pub pdq: PdqHex,
    /// PDQ quality of the frame, 0 to 100.
    pub quality: u8,
    /// Hashes of squares centred in the frame (at most 4; `disrupt` keeps two, of 80 % and 52 % of the frame's
    /// shorter side), computed with the frame by `disrupt hash`, `disrupt submit`, the victims' page and
    /// `POST /v1/cases/upload`, for the reliable frames whose hash differs from every earlier frame's: a cropped
    /// re-encode of the video still contains them, and `POST /v1/match/upload` finds them inside its frames.
    /// Consumers of plain vPDQ ignore them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 4)]
    pub views: Vec<PdqView>,
}

/// The most views one video frame may carry.
pub const MAX_VIEWS_PER_FRAME: usize = 4;

/// The most views one image may carry besides its own PDQ hash.
pub const MAX_VIEWS_PER_IMAGE: usize = 48;
/// Regions are given in units of 1/10,000 of the image's width and height.
pub const REGION_UNITS: u16 = 10_000;

/// The largest turn a view may carry, in degrees either way.
pub const MAX_VIEW_TURN: i8 = 15;

fn is_zero(turn: &i8) -> bool {
    *turn == 0
}

/// Where a view's region lies in its image, in units of 1/10,000 of the image's width (`x`, `width`) and height
/// (`y`, `height`); with `turn`, in the image turned by that many degrees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ViewRegion {
    /// Left edge, 0 to 10,000.
    #[schema(maximum = 10000)]
    pub x: u16,
    /// Top edge, 0 to 10,000.
    #[schema(maximum = 10000)]
    pub y: u16,
    /// Width, 1 to 10,000; `x + width` is at most 10,000.
    #[schema(minimum = 1, maximum = 10000)]
    pub width: u16,
    /// Height, 1 to 10,000; `y + height` is at most 10,000.
    #[schema(minimum = 1, maximum = 10000)]
    pub height: u16,
    /// Degrees (-15 to 15, clockwise on screen) by which the image is turned about its centre, on a canvas of its
    /// own size, before the region is cut from it: a turned view is a square as a copy turned by about that much
    /// shows it. Absent (0) for a region of the image as it is. In a match's `query_region`, the turn of the
    /// listed picture in the query.
    #[serde(default, skip_serializing_if = "is_zero")]
    #[schema(minimum = -15, maximum = 15)]
    pub turn: i8,
}

/// The PDQ hash of a square region inside a listed image. A crop of the image still contains some of its
/// views whole, and the query side finds them inside its copy: this is how cropped, rotated or inset copies of
/// an image are matched. A view spans at least half of the image's shorter side (the privacy floor: nothing in
/// the list describes a smaller part of an image).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PdqView {
    /// PDQ hash of the region.
    pub hash: PdqHex,
    /// PDQ quality of the region, 0 to 100.
    pub quality: u8,
    /// Where the region lies.
    pub region: ViewRegion,
}

impl PdqView {
    /// A view of a hash's 32 bytes, its quality and its region as `[x, y, width, height]` in 1/10,000 of the
    /// image's sides (what the hasher's `View` and `Region::to_units` give).
    pub fn new(hash: &[u8; 32], quality: u8, [x, y, width, height]: [u16; 4]) -> Self {
        PdqView { hash: PdqHex::from_bytes(hash), quality, region: ViewRegion { x, y, width, height, turn: 0 } }
    }

    /// The same view of the image turned by `turn` degrees ([`ViewRegion::turn`]).
    pub fn turned(mut self, turn: i8) -> Self {
        self.region.turn = turn;
        self
    }

    /// Checks the region's bounds and the privacy floor: a square region spans at least half of the image's
    /// shorter axis, so its larger fraction is at least one half.
    pub fn validate(&self) -> Result<(), String> {
        let r = self.region;
        if self.quality > 100 {
            return Err(format!("view quality {} is above 100", self.quality));
        }
        if r.width == 0 || r.height == 0 || r.x + r.width > REGION_UNITS || r.y + r.height > REGION_UNITS {
            return Err(
                "a view's region lies inside its image: 0 < width, height and x + width, y + height <= 10000".into()
            );
        }
        if r.width.max(r.height) < REGION_UNITS / 2 {
            return Err("a view spans at least half of its image's shorter side (width or height >= 5000)".into());
        }
        if r.turn.unsigned_abs() > MAX_VIEW_TURN.unsigned_abs() {
            return Err(format!("a view's turn is at most {MAX_VIEW_TURN} degrees either way"));
        }
        Ok(())
    }
}

/// A hash of one of the supported kinds, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum HashValue {
    /// A PDQ hash with its quality (0 to 100) when known.
    Pdq {
        /// The hash.
        hash: PdqHex,
        /// PDQ quality, 0 to 100; below 50 the hash is unreliable.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        quality: Option<u8>,
        /// Hashes of square regions of the image (at most 48), computed with the image's own hash by the victims'
        /// page, `disrupt hash` and `POST /v1/cases/upload`, so that crops and other altered copies match. In the
        /// feed, the snapshot and the match answers each view is a plain PDQ entry of its own.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        #[schema(max_items = 48)]
        views: Vec<PdqView>,
    },
    /// A video's per-frame PDQ hashes.
    Video {
        /// The frames, in order; 1 to 7,200 (a 1 fps hash of two hours).
        #[schema(min_items = 1, max_items = 7200)]
        frames: Vec<VideoFrame>,
    },
    /// An MD5 of the file.
    Md5 {
        /// The digest.
        hash: Md5Hex,
    },
    /// A SHA-256 of the file.
    Sha256 {
        /// The digest.
        hash: Sha256Hex,
    },
}

impl HashValue {
    /// The kind of this value.
    pub fn kind(&self) -> HashKind {
        match self {
            HashValue::Pdq { .. } => HashKind::Pdq,
            HashValue::Video { .. } => HashKind::Video,
            HashValue::Md5 { .. } => HashKind::Md5,
            HashValue::Sha256 { .. } => HashKind::Sha256,
        }
    }

    /// Checks what serde cannot: quality ranges and frame counts. The message says what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            HashValue::Pdq { quality: Some(q), .. } if *q > 100 => Err(format!("PDQ quality {q} is above 100")),
            HashValue::Pdq { views, .. } if views.len() > MAX_VIEWS_PER_IMAGE => {
                Err(format!("an image has at most {MAX_VIEWS_PER_IMAGE} views"))
            }
            HashValue::Pdq { views, .. } => views.iter().try_for_each(PdqView::validate),
            HashValue::Video { frames } if frames.is_empty() => Err("a video hash needs at least one frame".into()),
            HashValue::Video { frames } if frames.len() > MAX_FRAMES_PER_VIDEO => {
                Err(format!("a video hash has at most {MAX_FRAMES_PER_VIDEO} frames"))
            }
            HashValue::Video { frames } => frames.iter().try_for_each(|f| {
                if f.quality > 100 {
                    return Err(format!("frame {} has quality above 100", f.frame));
                }
                if f.views.len() > MAX_VIEWS_PER_FRAME {
                    return Err(format!("a video frame has at most {MAX_VIEWS_PER_FRAME} views"));
                }
                f.views.iter().try_for_each(PdqView::validate).map_err(|e| format!("frame {}: {e}", f.frame))
            }),
            _ => Ok(()),
        }
    }
}

/// What kind of abuse a case reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Intimate images of an adult shared without consent.
    AdultNcii,
    /// The person shown is a minor.
    Minor,
    /// Someone threatens to share the images (sextortion).
    SextortionThreat,
    /// Synthetic or manipulated intimate imagery.
    Deepfake,
    /// Anything else.
    Other,
}

string_names!(Category {
    AdultNcii => "adult_ncii",
    Minor => "minor",
    SextortionThreat => "sextortion_threat",
    Deepfake => "deepfake",
    Other => "other",
});

/// Review state of one hash entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntryState {
    /// Submitted, not reviewed yet; platforms may act on it.
    Pending,
    /// An analyst verified it.
    Verified,
    /// An analyst rejected it; platforms should drop it.
    Rejected,
    /// The victim withdrew it; platforms must drop it.
    Withdrawn,
    /// Held back for review; platforms should not act on it.
    Quarantined,
}

string_names!(EntryState {
    Pending => "pending",
    Verified => "verified",
    Rejected => "rejected",
    Withdrawn => "withdrawn",
    Quarantined => "quarantined",
});

impl EntryState {
    /// Live entries are in the match index and in snapshots; the others appear in the feed only as tombstones.
    pub fn is_live(self) -> bool {
        matches!(self, EntryState::Pending | EntryState::Verified)
    }
}

/// State of a victim's case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    /// The hashes are on the list.
    Active,
    /// The victim withdrew the case; its hashes left the list.
    Withdrawn,
}

string_names!(CaseState { Active => "active", Withdrawn => "withdrawn" });

/// What a platform did about a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackValue {
    /// The content was removed or blocked.
    Blocked,
    /// Reviewed and found not violating.
    NotViolating,
    /// A match awaits review.
    PendingReview,
}

string_names!(FeedbackValue { Blocked => "blocked", NotViolating => "not_violating", PendingReview => "pending_review" });

/// What an API key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A platform: reads the lists it is scoped to, matches, gives feedback.
    Platform,
    /// An analyst or hotline: reviews entries of its lists.
    Analyst,
    /// Manages keys and lists.
    Admin,
}

string_names!(Role { Platform => "platform", Analyst => "analyst", Admin => "admin" });

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn hash_values_are_tagged_by_kind_and_unknown_fields_refused() {
        let v: HashValue = serde_json::from_str(&format!(r#"{{"kind":"md5","hash":"{}"}}"#, "A".repeat(32))).unwrap();
        assert_eq!(v.kind(), HashKind::Md5);
        let bad = format!(r#"{{"kind":"md5","hash":"{}","x":1}}"#, "a".repeat(32));
        assert!(serde_json::from_str::<HashValue>(&bad).is_err());
        let wrong_len = r#"{"kind":"pdq","hash":"abcd"}"#;
        assert!(serde_json::from_str::<HashValue>(wrong_len).is_err());
    }

    #[test]
    fn a_views_turn_is_optional_on_the_wire_and_bounded() {
        let upright = PdqView::new(&[7; 32], 80, [2750, 1000, 4500, 8000]);
        let json = serde_json::to_value(&upright).unwrap();
        assert!(json["region"].get("turn").is_none(), "an upright view's region has no turn: {json}");
        assert_eq!(serde_json::from_value::<PdqView>(json).unwrap(), upright, "and reads back without one");
        let turned = upright.clone().turned(-5);
        let json = serde_json::to_value(&turned).unwrap();
        assert_eq!(json["region"]["turn"], -5);
        assert_eq!(serde_json::from_value::<PdqView>(json).unwrap(), turned);
        assert!(turned.validate().is_ok() && upright.clone().turned(MAX_VIEW_TURN).validate().is_ok());
        assert!(upright.clone().turned(16).validate().is_err() && upright.turned(-16).validate().is_err());
    }

    /// Every variant's `as_str` is what serde writes, and parses back to the variant.
    pub(crate) fn names_agree<T>(all: &[T])
    where
        T: Copy + PartialEq + std::fmt::Debug + Serialize + std::fmt::Display + std::str::FromStr,
    {
        for v in all {
            assert_eq!(serde_json::to_string(v).unwrap(), format!("\"{v}\""));
            assert_eq!(v.to_string().parse::<T>().ok(), Some(*v));
        }
        assert!("nope".parse::<T>().is_err());
    }

    #[test]
    fn names_agree_with_serde() {
        names_agree(HashKind::ALL);
        names_agree(Category::ALL);
        names_agree(EntryState::ALL);
        names_agree(CaseState::ALL);
        names_agree(FeedbackValue::ALL);
        names_agree(Role::ALL);
        names_agree(crate::review::HoldReason::ALL);
        names_agree(crate::audit::ActorRole::ALL);
        names_agree(crate::audit::AuditAction::ALL);
        names_agree(crate::cases::Declarant::ALL);
        names_agree(crate::cases::UrlStatus::ALL);
        names_agree(crate::forwards::Authority::ALL);
        assert_eq!("x".parse::<HashKind>().unwrap_err().to_string(), "unknown HashKind \"x\"");
    }

    #[test]
    fn only_pending_and_verified_are_live() {
        let live: Vec<_> = EntryState::ALL.iter().filter(|s| s.is_live()).collect();
        assert_eq!(live, [&EntryState::Pending, &EntryState::Verified]);
    }
}
