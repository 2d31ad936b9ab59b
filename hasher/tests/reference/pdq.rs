//! PDQ golden tests: every image of `generated/pdq/pdq_fullres_pil_rgb.csv` and `pdq_fullres_dihedral.csv`,
//! hashed from Pillow's RGB decode of the file, must give the reference's hex and quality exactly.
//!
//! The pixels come from Pillow itself (the fixtures are too big to commit as raw RGB): `pillow_rgb.py` runs in
//! the oracle venv (`shared/tools/_oracle_env.sh`, created on first use) and caches raw RGB files under the
//! cargo target dir. A failure of that step fails the test.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use disrupt_hasher::pdq::{self, Dihedral, PdqHash};

/// Pillow's RGB decode of one fixture.
struct Rgb {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

fn read_csv(name: &str) -> Vec<Vec<String>> {
    let path = crate::testdata().join("generated/pdq").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines().filter(|l| !l.is_empty()).map(|l| l.split(',').map(str::to_owned).collect()).collect()
}

/// Raw RGB of every path, written by `pillow_rgb.py` on first use and read from the cache after.
fn pillow_rgb(paths: &[&str]) -> BTreeMap<String, Rgb> {
    // The tests run in parallel; two first-use venv creations in the same directory would trip each other.
    static ORACLE: Mutex<()> = Mutex::new(());
    let _one_at_a_time = ORACLE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let testdata = crate::testdata();
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("pdq-pillow-rgb");
    let cached = |rel: &str| cache.join(format!("{}.rgb", rel.replace('/', "__")));
    if paths.iter().any(|p| !cached(p).is_file()) {
        write_pillow_rgb(&testdata, &cache, paths);
    }
    paths
        .iter()
        .map(|&rel| {
            let bytes = std::fs::read(cached(rel)).unwrap();
            let newline = bytes.iter().position(|&b| b == b'\n').unwrap();
            let header = std::str::from_utf8(&bytes[..newline]).unwrap();
            let dims: Vec<usize> = header.split(' ').skip(1).map(|s| s.parse().unwrap()).collect();
            let pixels = bytes[newline + 1..].to_vec();
            assert_eq!(pixels.len(), dims[0] * dims[1] * 3, "{rel}: truncated cache file");
            (rel.to_owned(), Rgb { width: dims[0], height: dims[1], pixels })
        })
        .collect()
}

fn write_pillow_rgb(testdata: &Path, cache: &Path, paths: &[&str]) {
    let tools = testdata.join("../../tools");
    let env_script = tools.join("_oracle_env.sh");
    let python = Command::new("bash")
        .arg("-c")
        .arg(r#". "$1" && oracle_python pdqhash"#)
        .arg("bash")
        .arg(&env_script)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", env_script.display()));
    assert!(python.status.success(), "creating the oracle venv failed:\n{}", String::from_utf8_lossy(&python.stderr));
    let python = String::from_utf8(python.stdout).unwrap().trim().to_owned();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/pillow_rgb.py");
    let status = Command::new(&python)
        .arg(script)
        .arg(testdata)
        .arg(cache)
        .args(paths)
        .status()
        .unwrap_or_else(|e| panic!("running {python}: {e}"));
    assert!(status.success(), "{script} failed: {status}");
}

fn hash_of(rgb: &Rgb) -> pdq::Pdq {
    pdq::hash_rgb(&rgb.pixels, rgb.width, rgb.height, 3 * rgb.width)
}

#[test]
fn every_reference_image_hashes_to_the_reference_hex_and_quality() {
    let rows = read_csv("pdq_fullres_pil_rgb.csv");
    assert!(rows.len() >= 40, "only {} rows", rows.len());
    let paths: Vec<&str> = rows.iter().map(|r| r[2].as_str()).collect();
    let images = pillow_rgb(&paths);
    let mut failures = Vec::new();
    for row in &rows {
        let expected = (row[0].parse::<PdqHash>().unwrap(), row[1].parse::<u8>().unwrap());
        let got = hash_of(&images[&row[2]]);
        if (got.hash, got.quality) != expected {
            failures.push(format!(
                "{}: got {} q{}, want {} q{} ({} bits apart)",
                row[2],
                got.hash,
                got.quality,
                expected.0,
                expected.1,
                got.hash.distance(&expected.0)
            ));
        }
    }
    assert!(failures.is_empty(), "{} of {} differ:\n{}", failures.len(), rows.len(), failures.join("\n"));
}

#[test]
fn every_reference_image_has_the_reference_dihedral_hashes() {
    let rows = read_csv("pdq_fullres_dihedral.csv");
    assert!(rows.len() >= 40, "only {} rows", rows.len());
    let paths: Vec<&str> = rows.iter().map(|r| r[9].as_str()).collect();
    let images = pillow_rgb(&paths);
    let mut failures = Vec::new();
    for row in &rows {
        let rgb = &images[&row[9]];
        let got = pdq::hash_rgb_dihedral(&rgb.pixels, rgb.width, rgb.height, 3 * rgb.width);
        assert_eq!(got.quality.to_string(), row[8], "{}: quality", row[9]);
        for (variant, expected) in Dihedral::ALL.iter().zip(&row[..8]) {
            let expected: PdqHash = expected.parse().unwrap();
            if got.get(*variant) != expected {
                failures.push(format!("{} {}: got {}, want {expected}", row[9], variant.name(), got.get(*variant)));
            }
        }
        assert_eq!(got.original(), hash_of(rgb), "{}: dihedral orig = plain hash", row[9]);
    }
    assert!(failures.is_empty(), "{} differ:\n{}", failures.len(), failures.join("\n"));
}
