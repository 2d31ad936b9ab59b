//! The `disrupt` binary as users run it.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

mod hotline;
mod redirects;
mod server;
mod untrusted_text;
mod views;

pub(crate) use disrupt_hasher::testdata::reference_dir as testdata;

/// `hex,...,path` rows of a reference CSV, keyed by the path relative to the test data.
fn reference_rows(csv: &str) -> HashMap<String, Vec<String>> {
    let text = std::fs::read_to_string(testdata().join("generated/pdq").join(csv)).unwrap();
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let fields: Vec<String> = l.split(',').map(str::to_string).collect();
            (fields.last().unwrap().clone(), fields)
        })
        .collect()
}

fn run_hash(args: &[&str], paths: &[&Path]) -> (i32, Vec<Value>) {
    let out = Command::new(env!("CARGO_BIN_EXE_disrupt")).arg("hash").args(args).args(paths).output().unwrap();
    let lines = String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    (out.status.code().unwrap(), lines)
}

fn distance(a: &str, b: &str) -> u32 {
    let (a, b) = (hex::decode(a).unwrap(), hex::decode(b).unwrap());
    a.iter().zip(&b).map(|(x, y)| (x ^ y).count_ones()).sum()
}

#[test]
fn hash_json_on_a_folder_with_a_broken_file_reports_it_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let photo = std::fs::read(testdata().join("pdq/data/bridge-mods/aaa-orig.jpg")).unwrap();
    std::fs::write(dir.path().join("a-photo.jpg"), &photo).unwrap();
    std::fs::write(dir.path().join("b-truncated.jpg"), &photo[..photo.len() / 3]).unwrap();
    std::fs::create_dir(dir.path().join("c-sub")).unwrap();
    std::fs::write(dir.path().join("c-sub/notes.txt"), "not an image").unwrap();

    let (code, lines) = run_hash(&["--json", "--dihedral", "--no-orientation"], &[dir.path()]);
    assert_eq!(code, 1, "a failed file makes the exit code 1");
    assert_eq!(lines.len(), 3, "{lines:?}");

    let good = &lines[0];
    let expected = &reference_rows("pdq_fullres_dihedral.csv")["pdq/data/bridge-mods/aaa-orig.jpg"];
    assert!(good["path"].as_str().unwrap().ends_with("a-photo.jpg"));
    assert!(distance(good["pdq"].as_str().unwrap(), &expected[0]) <= 4);
    assert_eq!(good["quality"], 100);
    assert_eq!((good["width"].as_u64(), good["height"].as_u64()), (Some(1600), Some(1004)));
    assert_eq!(good["md5"].as_str().unwrap().len(), 32);
    assert_eq!(good["sha256"].as_str().unwrap().len(), 64);
    let variants = good["pdq_dihedral"].as_array().unwrap();
    assert_eq!(variants.len(), 8);
    for (got, want) in variants.iter().zip(&expected[..8]) {
        assert!(distance(got.as_str().unwrap(), want) <= 4, "{got} vs {want}");
    }

    assert_eq!(lines[1]["error"]["code"], "corrupt_media", "{}", lines[1]);
    assert!(lines[1]["path"].as_str().unwrap().ends_with("b-truncated.jpg"));
    assert_eq!(lines[2]["error"]["code"], "unsupported_format", "{}", lines[2]);
    assert!(lines[2]["error"]["message"].as_str().is_some());
}

#[test]
fn hash_json_on_the_reference_folder_matches_the_oracle() {
    let reference = reference_rows("pdq_fullres_pil_rgb.csv");
    let folder = testdata().join("pdq/data/bridge-mods");
    let (code, lines) = run_hash(&["--json", "--no-orientation"], &[&folder]);
    assert_eq!(code, 0, "{lines:?}");
    assert_eq!(lines.len(), 12);
    for line in &lines {
        let path = line["path"].as_str().unwrap();
        let key = format!("pdq/data/bridge-mods/{}", Path::new(path).file_name().unwrap().to_str().unwrap());
        let expected = &reference[&key];
        assert!(distance(line["pdq"].as_str().unwrap(), &expected[0]) <= 4, "{path}");
        assert_eq!(line["quality"].to_string(), expected[1], "{path}");
    }
}
