//! vPDQ against Meta's reference output for the ThreatExchange sample videos, video matching on real
//! re-encodes and clips, and malformed input.
//!
//! `generated/vpdq/<name>.r1.txt` / `.r0.txt`: PyPI vpdq 0.2.5 on Debian 12's FFmpeg 5.1 (the libraries we link),
//! one hash a second / every frame. `vpdq/sample-hashes/<name>.txt`: upstream's every-frame output made with
//! another FFmpeg. Re-encodes and clips are made at test time with the `ffmpeg` command in a temp dir.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use disrupt_hasher::video::matching::{MatchThresholds, compare};
use disrupt_hasher::video::{
    CroppedThresholds, FrameHash, VideoHashes, VideoOptions, cropped, format, hash_video_bytes, hash_video_file,
};

use crate::testdata;

fn sample_videos() -> Vec<(String, PathBuf)> {
    let dir = testdata().join("tmk/sample-videos");
    let mut videos: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "mp4"))
        .map(|p| (p.file_stem().unwrap().to_string_lossy().into_owned(), p))
        .collect();
    videos.sort();
    assert_eq!(videos.len(), 7, "expected the 7 sample videos in {}", dir.display());
    videos
}

fn options(seconds_per_hash: f64) -> VideoOptions {
    VideoOptions { seconds_per_hash, ..VideoOptions::default() }
}

/// Our hashes of every sample video, from memory, at 1 s and at every frame; computed once for all tests.
struct Ours {
    one_second: Vec<FrameHash>,
    every_frame: Vec<FrameHash>,
}

fn ours() -> &'static HashMap<String, Ours> {
    static OURS: OnceLock<HashMap<String, Ours>> = OnceLock::new();
    OURS.get_or_init(|| {
        sample_videos()
            .into_iter()
            .map(|(name, path)| {
                let bytes = std::fs::read(&path).unwrap();
                let one_second = hash_video_bytes(&bytes, &options(1.0)).unwrap().frames;
                let every_frame = hash_video_bytes(&bytes, &options(0.0)).unwrap().frames;
                (name, Ours { one_second, every_frame })
            })
            .collect()
    })
}

fn reference(relative: &str) -> Vec<FrameHash> {
    let path = testdata().join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    format::parse_lines(&text).unwrap()
}

fn frame_numbers_and_times(frames: &[FrameHash]) -> Vec<(u64, String)> {
    frames.iter().map(|f| (f.frame, format!("{:.3}", f.timestamp))).collect()
}

#[test]
fn sampled_frames_and_timestamps_equal_the_oracle_at_one_and_zero_seconds() {
    for (name, ours) in ours() {
        let r1 = reference(&format!("generated/vpdq/{name}.r1.txt"));
        let r0 = reference(&format!("generated/vpdq/{name}.r0.txt"));
        assert_eq!(frame_numbers_and_times(&ours.one_second), frame_numbers_and_times(&r1), "{name} at 1 s");
        assert_eq!(frame_numbers_and_times(&ours.every_frame), frame_numbers_and_times(&r0), "{name} every frame");
    }
}

#[test]
fn every_frame_count_equals_upstream_sample_hashes() {
    for (name, ours) in ours() {
        let upstream = reference(&format!("vpdq/sample-hashes/{name}.txt"));
        let ours: Vec<u64> = ours.every_frame.iter().map(|f| f.frame).collect();
        let upstream: Vec<u64> = upstream.iter().map(|f| f.frame).collect();
        assert_eq!(ours, upstream, "{name}");
    }
}

/// Same libraries as the oracle, so most frames agree bit for bit; the rest (threaded decoding, swscale code
/// paths) must still be the same picture for PDQ.
fn assert_close_to(ours: &[FrameHash], reference: &[FrameHash], what: &str) {
    assert_eq!(ours.len(), reference.len(), "{what}: frame count");
    let mut exact = 0;
    for (o, r) in ours.iter().zip(reference) {
        if o.pdq == r.pdq && o.quality == r.quality {
            exact += 1;
        }
        if r.quality >= 50 {
            let distance = o.pdq.distance(&r.pdq);
            assert!(distance <= 31, "{what}: frame {} is {distance} bits from the oracle", r.frame);
        }
    }
    assert!(exact * 100 >= ours.len() * 95, "{what}: only {exact} of {} frames equal the oracle", ours.len());
}

#[test]
fn hashes_equal_the_debian_ffmpeg_oracle() {
    for (name, ours) in ours() {
        assert_close_to(&ours.one_second, &reference(&format!("generated/vpdq/{name}.r1.txt")), &format!("{name} r1"));
        assert_close_to(&ours.every_frame, &reference(&format!("generated/vpdq/{name}.r0.txt")), &format!("{name} r0"));
    }
}

#[test]
fn hashes_match_upstream_within_31_bits() {
    for (name, ours) in ours() {
        let upstream = reference(&format!("vpdq/sample-hashes/{name}.txt"));
        for (o, u) in ours.every_frame.iter().zip(&upstream) {
            if u.quality >= 50 {
                assert!(o.pdq.distance(&u.pdq) <= 31, "{name} frame {}: {} bits", u.frame, o.pdq.distance(&u.pdq));
            }
        }
    }
}

#[test]
fn hashing_from_memory_and_from_file_agree() {
    let (_, path) = sample_videos().into_iter().find(|(n, _)| n == "test-padded-dimensions").unwrap();
    let from_file = hash_video_file(&path, &options(0.0)).unwrap();
    let from_memory = hash_video_bytes(&std::fs::read(&path).unwrap(), &options(0.0)).unwrap();
    assert_eq!(from_file, from_memory);
    assert_eq!((from_file.width, from_file.height, from_file.frame_rate), (1080, 1080, 30.0));
    assert_eq!(from_file.duration, 5.0);
}

/// Our verdict on every pair of sample videos equals the verdict on the oracle's hashes of the same pair.
#[test]
fn verdicts_on_sample_pairs_equal_those_on_reference_hashes() {
    let thresholds = MatchThresholds::default();
    let names: Vec<&String> = ours().keys().collect();
    let mut matches = 0;
    for a in &names {
        for b in &names {
            let ours_verdict = compare(&ours()[*a].one_second, &ours()[*b].one_second, &thresholds);
            let reference_verdict = compare(
                &reference(&format!("generated/vpdq/{a}.r1.txt")),
                &reference(&format!("generated/vpdq/{b}.r1.txt")),
                &thresholds,
            );
            assert_eq!(ours_verdict.is_match, reference_verdict.is_match, "{a} vs {b}: {ours_verdict:?}");
            matches += usize::from(ours_verdict.is_match);
        }
    }
    // At least every video with itself.
    assert!(matches >= names.len());
}

fn ffmpeg(args: &[&str]) {
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y"])
        .args(args)
        .status()
        .unwrap_or_else(|e| panic!("the ffmpeg command is needed by this test (apt-get install ffmpeg): {e}"));
    assert!(status.success(), "ffmpeg {args:?} failed");
}

fn sample(name: &str) -> PathBuf {
    sample_videos().into_iter().find(|(n, _)| n == name).unwrap().1
}

fn hash_path(path: &Path) -> Vec<FrameHash> {
    hash_video_file(path, &options(1.0)).unwrap().frames
}

#[test]
fn reencoded_copy_matches() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.mp4");
    let original = sample("chair-19-sd-bar");
    ffmpeg(&["-i", original.to_str().unwrap(), "-an", "-c:v", "libx264", "-crf", "30", copy.to_str().unwrap()]);
    let m = compare(&hash_path(&copy), &ours()["chair-19-sd-bar"].one_second, &MatchThresholds::default());
    assert!(m.is_match, "{m:?}");
    assert!(m.compared_match_pct >= 80.0, "{m:?}");
    assert_eq!(m.segments.len(), 1, "one continuous segment: {m:?}");
}

#[test]
fn clip_from_the_middle_matches_as_query() {
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("clip.mp4");
    let original = sample("chair-19-sd-bar");
    ffmpeg(&[
        "-ss",
        "6",
        "-i",
        original.to_str().unwrap(),
        "-t",
        "6",
        "-an",
        "-c:v",
        "libx264",
        "-crf",
        "23",
        clip.to_str().unwrap(),
    ]);
    let stored = &ours()["chair-19-sd-bar"].one_second;
    let m = compare(&hash_path(&clip), stored, &MatchThresholds::default());
    assert!(m.is_match, "{m:?}");
    assert!(m.compared_match_pct < 60.0, "the clip covers only a third of the video: {m:?}");
    let longest = m.segments.iter().max_by_key(|s| s.frames).unwrap();
    assert!(longest.stored_start >= 5.0 && longest.stored_start <= 8.0, "clip starts near 6 s: {m:?}");
    assert!(longest.query_start <= 1.0, "{m:?}");
}

fn trimming(seconds_per_hash: f64) -> VideoOptions {
    VideoOptions { trim_borders: true, ..options(seconds_per_hash) }
}

/// `sample_name` re-encoded through the video filter `filter`, hashed with `opts`.
fn reencoded(sample_name: &str, filter: &str, opts: &VideoOptions) -> VideoHashes {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.mp4");
    let original = sample(sample_name);
    ffmpeg(&["-i", original.to_str().unwrap(), "-an", "-vf", filter, "-c:v", "libx264", copy.to_str().unwrap()]);
    hash_video_file(&copy, opts).unwrap()
}

/// The frames of a listed video: the sample itself, or the sample through `filter`, as vPDQ hashes it.
fn listed(sample_name: &str, filter: &str) -> Vec<FrameHash> {
    if filter.is_empty() {
        ours()[sample_name].one_second.clone()
    } else {
        reencoded(sample_name, filter, &options(1.0)).frames
    }
}

/// Query-side trimming adds a second frame list and leaves vPDQ's own as it was; the bars found are the
/// video's (the chair sample has 32 black columns each side), and videos without bars, dark second half and
/// all, get none.
#[test]
fn trimming_finds_the_samples_bars_and_leaves_the_vpdq_frames_alone() {
    let chair = hash_video_file(&sample("chair-19-sd-bar"), &trimming(1.0)).unwrap();
    assert_eq!(chair.frames, ours()["chair-19-sd-bar"].one_second, "vPDQ frames unchanged");
    let trimmed = chair.trimmed.expect("the chair sample has bars");
    let rect = trimmed.rect;
    assert!(rect.x.abs_diff(32) <= 2 && rect.width.abs_diff(416) <= 4, "{rect:?}");
    assert_eq!((rect.y, rect.height), (0, 720), "{rect:?}");
    let numbers = |frames: &[FrameHash]| frames.iter().map(|f| (f.frame, f.timestamp)).collect::<Vec<_>>();
    assert_eq!(numbers(&trimmed.frames), numbers(&chair.frames), "the same frames, hashed inside the bars");
    for name in ["doorknob-hd-no-bar", "pattern-hd-no-bar"] {
        let hashes = hash_video_file(&sample(name), &trimming(1.0)).unwrap();
        assert_eq!(hashes.frames, ours()[name].one_second, "{name}");
        assert_eq!(hashes.trimmed, None, "{name}");
    }
}

/// The chair's picture cut to 16:9 and set into a 9:16 frame with black bars, the chair's own portrait picture
/// set into a 16:9 frame, and a portrait video set into a 16:9 frame with coloured bars match their listed
/// videos through their trimmed frames, and not through their own.
#[test]
fn letterboxed_and_pillarboxed_copies_match_through_their_trimmed_frames() {
    let cases = [
        ("chair-19-sd-bar", "crop=416:234:32:243", "crop=416:234:32:243,pad=416:740:0:253"),
        ("chair-19-sd-bar", "crop=416:720:32:0", "crop=416:720:32:0,pad=1280:720:432:0"),
        ("pattern-hd-no-bar", "", "scale=202:360,pad=640:360:219:0:color=0x203040"),
    ];
    for (name, listed_filter, copy_filter) in cases {
        let stored = listed(name, listed_filter);
        let copy = reencoded(name, copy_filter, &trimming(1.0));
        let plain = compare(&copy.frames, &stored, &MatchThresholds::default());
        assert!(!plain.is_match, "{name} {copy_filter}: plain vPDQ already matches: {plain:?}");
        let trimmed = copy.trimmed.unwrap_or_else(|| panic!("{name} {copy_filter}: no bars found"));
        let m = compare(&trimmed.frames, &stored, &MatchThresholds::default());
        assert!(m.is_match, "{name} {copy_filter}: {m:?} inside {:?}", trimmed.rect);
    }
}

/// Cropped re-encodes (5 % and 10 % off each side, 12 % off the bottom, a portrait clip cut to a square, a square
/// one cut to 16:9, and a clip with bars listed whole and re-uploaded as a crop of its picture) match their listed
/// videos through the listed frames' centred squares, and not plainly; and no listed video matches another's
/// cropped copy.
#[test]
fn cropped_reencodes_match_through_their_frames_squares() {
    let chair = "crop=416:720:32:0";
    let cases = [
        ("pattern-hd-no-bar", "", "crop=trunc(iw*0.45)*2:trunc(ih*0.45)*2"),
        ("pattern-hd-no-bar", "", "crop=iw:iw"),
        ("chair-19-sd-bar", chair, "crop=416:720:32:0,crop=trunc(iw*0.4)*2:trunc(ih*0.4)*2"),
        ("chair-19-sd-bar", chair, "crop=416:720:32:0,crop=iw:trunc(ih*0.44)*2:0:0"),
        ("chair-19-sd-bar", "", "crop=416:720:32:0,crop=trunc(iw*0.45)*2:trunc(ih*0.45)*2"),
        ("test-padded-dimensions", "", "crop=iw:trunc(iw*9/32)*2"),
    ];
    let t = CroppedThresholds::default();
    let listing = VideoOptions { frame_squares: true, ..options(1.0) };
    let querying = VideoOptions { frame_windows: true, ..trimming(1.0) };
    let mut listed_videos = Vec::new();
    for (name, listed_filter, copy_filter) in cases {
        let stored = match listed_filter {
            "" => hash_video_file(&sample(name), &listing).unwrap(),
            filter => reencoded(name, filter, &listing),
        };
        assert_eq!(stored.squares.len(), stored.frames.len(), "{name}: squares for every frame");
        let copy = reencoded(name, copy_filter, &querying);
        assert!(!copy.windows.is_empty(), "{name} {copy_filter}: no frame scanned");
        let plain = compare(&copy.frames, &stored.frames, &MatchThresholds::default());
        assert!(!plain.is_match, "{name} {copy_filter}: plain vPDQ already matches: {plain:?}");
        let found = cropped::compare(&copy.windows, &stored.squares, &t);
        let found = found.unwrap_or_else(|| {
            let loose = cropped::compare(&copy.windows, &stored.squares, &CroppedThresholds { share: 0.0, ..t });
            panic!("{name} [{listed_filter}] -> [{copy_filter}]: no match ({loose:?} of {} frames)", copy.windows.len())
        });
        println!("{name} [{copy_filter}]: {found:?} of {} frames", copy.windows.len());
        listed_videos.push((name, copy_filter, stored, copy));
    }
    for (name, _, stored, _) in &listed_videos {
        for (other, filter, _, copy) in &listed_videos {
            if other != name {
                let found = cropped::compare(&copy.windows, &stored.squares, &t);
                assert!(found.is_none(), "{name} matched {other} [{filter}]: {found:?}");
            }
        }
    }
}

#[test]
fn unrelated_videos_do_not_match() {
    let chair = &ours()["chair-19-sd-bar"].one_second;
    for other in ["doorknob-hd-no-bar", "pattern-hd-no-bar", "test-padded-dimensions"] {
        let m = compare(&ours()[other].one_second, chair, &MatchThresholds::default());
        assert!(!m.is_match, "{other}: {m:?}");
        assert!(m.query_match_pct < 50.0, "{other}: {m:?}");
    }
}

/// Every bad input gives its typed error (by code), fast.
#[test]
fn malformed_inputs_give_typed_errors_within_the_time_cap() {
    let dir = tempfile::tempdir().unwrap();
    let video = std::fs::read(sample("pattern-sd-grey-bar")).unwrap();
    let tail_moov = std::fs::read(sample("test-padded-dimensions")).unwrap();
    let audio = dir.path().join("audio.m4a");
    ffmpeg(&["-f", "lavfi", "-i", "sine=duration=2", "-c:a", "aac", audio.to_str().unwrap()]);
    let image = dir.path().join("image.png");
    ffmpeg(&["-f", "lavfi", "-i", "testsrc=size=64x64", "-frames:v", "1", image.to_str().unwrap()]);
    let mut noisy = video.clone();
    let middle = noisy.len() / 2;
    let mut x: u32 = 12345;
    for b in &mut noisy[middle..middle + 20_000] {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        *b = (x >> 16) as u8;
    }
    let random: Vec<u8> = (0..40_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();

    let cases: Vec<(&str, Vec<u8>, &[&str])> = vec![
        ("empty", Vec::new(), &["empty_file"]),
        ("header only (ftyp)", video[..32].to_vec(), &["corrupt_media", "no_video_stream"]),
        // ftyp + moov, cut where the media data would start: a stream but nothing to decode.
        ("header only (ftyp + moov)", video[..8295].to_vec(), &["no_frames"]),
        ("truncated at 100 bytes", video[..100].to_vec(), &["corrupt_media", "no_video_stream"]),
        ("truncated at 1 kB", video[..1000].to_vec(), &["corrupt_media"]),
        ("truncated at 10 kB", video[..10_000].to_vec(), &["corrupt_media"]),
        ("truncated at half", video[..video.len() / 2].to_vec(), &["corrupt_media"]),
        ("truncated before its moov", tail_moov[..tail_moov.len() - 100].to_vec(), &["corrupt_media"]),
        ("random bytes in the middle", noisy, &["corrupt_media"]),
        ("random bytes", random, &["corrupt_media", "unsupported_format"]),
        ("audio only", std::fs::read(&audio).unwrap(), &["no_video_stream"]),
        ("an image", std::fs::read(&image).unwrap(), &["unsupported_format"]),
    ];
    let opts = VideoOptions { max_wall_time: Duration::from_secs(10), ..VideoOptions::default() };
    for (what, bytes, codes) in cases {
        let start = Instant::now();
        let result = hash_video_bytes(&bytes, &opts);
        assert!(start.elapsed() < Duration::from_secs(15), "{what}: took {:?}", start.elapsed());
        let error = result.expect_err(what);
        assert!(codes.contains(&error.code()), "{what}: got {error:?}");
    }
}

#[test]
fn resource_caps_give_typed_errors() {
    let bytes = std::fs::read(sample("test-padded-dimensions")).unwrap(); // 5 s, 1080x1080, 150 frames
    let cases: Vec<(VideoOptions, &str)> = vec![
        (VideoOptions { max_bytes: 1000, ..options(1.0) }, "file_too_large"),
        (VideoOptions { max_duration_s: 2.0, ..options(1.0) }, "video_too_long"),
        (VideoOptions { max_pixels: 1000 * 1000, ..options(1.0) }, "video_resolution_too_large"),
        (VideoOptions { max_frames_hashed: 3, ..options(1.0) }, "too_many_frames"),
        (VideoOptions { max_wall_time: Duration::ZERO, ..options(1.0) }, "hashing_timeout"),
    ];
    for (opts, code) in cases {
        assert_eq!(hash_video_bytes(&bytes, &opts).unwrap_err().code(), code);
    }
    // Exactly at the caps is fine.
    let at_caps =
        VideoOptions { max_duration_s: 5.0, max_pixels: 1080 * 1080, max_frames_hashed: 5, threads: 1, ..options(1.0) };
    assert_eq!(hash_video_bytes(&bytes, &at_caps).unwrap().frames.len(), 5);
}

#[test]
fn reference_lines_and_threatexchange_json_round_trip_real_hashes() {
    let frames = &ours()["chair-19-sd-bar"].one_second;
    assert_eq!(&format::parse_lines(&format::to_lines(frames)).unwrap(), frames);
    let json = format::to_threatexchange_json(frames);
    let back = format::from_threatexchange_json(&json).unwrap();
    assert_eq!(back.len(), frames.len());
    for (a, b) in back.iter().zip(frames) {
        assert_eq!((a.pdq, a.quality), (b.pdq, b.quality));
        assert!((a.timestamp - b.timestamp).abs() < 0.5);
    }
}
