//! The fuzz targets' committed inputs (`fuzz/corpus/<target>/seed-*` and every crash found, kept in
//! `fuzz/regressions/<target>/`) through the same code the targets run: the short, always-on version of the
//! fuzzing. The long one is `scripts/fuzz` (cargo fuzz, libFuzzer).

use std::path::{Path, PathBuf};

fn inputs(target: &str) -> Vec<PathBuf> {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut files = Vec::new();
    for dir in [fuzz.join("corpus").join(target), fuzz.join("regressions").join(target)] {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            files.extend(entries.map(|e| e.unwrap().path()).filter(|p| p.is_file()));
        }
    }
    files.sort();
    files
}

fn run(target: &str, minimum: usize, check: impl Fn(&[u8])) {
    let files = inputs(target);
    assert!(files.len() >= minimum, "{target}: {} inputs (the seeds are committed)", files.len());
    for file in files {
        let data = std::fs::read(&file).unwrap();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&data)));
        assert!(outcome.is_ok(), "{target}: {} makes the code panic", file.display());
    }
}

#[test]
fn media_inputs_never_panic() {
    run("media", 8, disrupt_hasher::fuzzing::media);
}

#[test]
fn wire_inputs_never_panic() {
    run("wire", 5, |data| {
        disrupt_openapi::fuzzing::wire(data);
        disrupt_hasher::fuzzing::frame_formats(data);
    });
}

#[test]
fn cursor_inputs_never_panic() {
    run("cursor", 2, |data| {
        if let Ok(text) = std::str::from_utf8(data) {
            let _ = disrupt_api::store::cursor::decode("ncii", text);
        }
    });
}
