//! An image's views: `disrupt hash --json` prints and `disrupt submit` sends exactly what the server keeps when it
//! hashes the same file itself (`POST /v1/cases/upload`).

use disrupt_client::Client;
use disrupt_client::api::UploadFile;
use disrupt_openapi::model::{Category, HashValue, PdqView};
use serde_json::Value;

use crate::server::{disrupt, match_until_found, spawn};

fn pdq(values: &[HashValue]) -> &HashValue {
    values.iter().find(|v| matches!(v, HashValue::Pdq { .. })).unwrap()
}

fn views(value: &HashValue) -> &[PdqView] {
    match value {
        HashValue::Pdq { views, .. } => views,
        _ => unreachable!("a PDQ value"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hash_and_submit_give_the_views_the_server_keeps_for_an_upload_of_the_same_photo() {
    let server = spawn().await;
    let photo = crate::testdata().join("pdq/data/bridge-mods/aaa-orig.jpg");
    let photo_arg = photo.to_str().unwrap();
    let client = Client::new(&server.base_url);
    let file = UploadFile { name: "photo.jpg".into(), bytes: std::fs::read(&photo).unwrap() };
    let uploaded = client.upload_case(Category::AdultNcii, vec![file]).await.unwrap();
    let kept = pdq(&uploaded.hashes).clone();
    assert!(views(&kept).len() >= 8, "the server keeps the photo's inner squares: {kept:?}");

    let (code, stdout, stderr) = disrupt(&["hash", "--json", photo_arg]).await;
    assert_eq!(code, 0, "{stderr}");
    let line: Value = serde_json::from_str(stdout.trim()).unwrap();
    let printed: Vec<PdqView> = serde_json::from_value(line["views"].clone()).unwrap();
    assert_eq!(printed, views(&kept), "disrupt hash --json prints the views the server computes");

    let cases = tempfile::tempdir().unwrap();
    let cases_arg = cases.path().to_str().unwrap();
    let (code, stdout, stderr) =
        disrupt(&["submit", "--yes", "--server", &server.base_url, "--cases-dir", cases_arg, photo_arg]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains(&format!("{} views", views(&kept).len())), "the views are shown before sending: {stderr}");
    let created: Value = serde_json::from_str(stdout.trim()).unwrap();
    let case_id = created["case_id"].as_str().unwrap();
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(created["case_file"].as_str().unwrap()).unwrap()).unwrap();
    let status = client.get_case(case_id, saved["case_secret"].as_str().unwrap()).await.unwrap();
    let submitted: Vec<HashValue> = status.hashes.into_iter().map(|h| h.value).collect();
    assert_eq!(pdq(&submitted), &kept, "disrupt submit lists the photo as the server's own upload does");
}

/// `disrupt match` sends an image as its candidate set: a 10 % crop of a listed photo matches through the photo's
/// views (plain PDQ does not), an unrelated photo's crop does not; `disrupt hash --candidates --json` prints the
/// set it sends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn match_finds_a_cropped_copy_through_its_candidates_and_hash_prints_them() {
    let server = spawn().await;
    let platform = server.key("p", disrupt_openapi::model::Role::Platform, &[]).await;
    let photo = crate::testdata().join("pdq/data/bridge-mods/aaa-orig.jpg");
    let client = Client::new(&server.base_url);
    let file = UploadFile { name: "photo.jpg".into(), bytes: std::fs::read(&photo).unwrap() };
    client.upload_case(Category::AdultNcii, vec![file]).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let crop = |source: &std::path::Path, name: &str| {
        let image = image::open(source).unwrap().to_rgb8();
        let (w, h) = image.dimensions();
        let path = dir.path().join(name);
        image::imageops::crop_imm(&image, w / 10, h / 10, w * 8 / 10, h * 8 / 10).to_image().save(&path).unwrap();
        path
    };
    let cropped = crop(&photo, "cropped.png");
    let cropped_arg = cropped.to_str().unwrap();

    let (code, stdout, stderr) = disrupt(&["hash", "--json", "--candidates", cropped_arg]).await;
    assert_eq!(code, 0, "{stderr}");
    let line: Value = serde_json::from_str(stdout.trim()).unwrap();
    let set: disrupt_openapi::matching::ImageCandidates = serde_json::from_value(line["candidates"].clone()).unwrap();
    assert!(set.candidates.len() > 1_000, "the image, its framed pictures and its windows: {}", set.candidates.len());
    assert_eq!(set.candidates[0].hashes[0].as_str(), line["pdq"].as_str().unwrap(), "the image itself comes first");

    let line = match_until_found(&server, &platform, cropped_arg).await;
    let found = &line["matches"][0];
    assert!(found["variant"].as_str().unwrap().starts_with("window-"), "{line}");
    assert!(found["view"].as_u64().unwrap() >= 1, "{line}");

    let other = crop(&crate::testdata().join("pdq/data/misc-images/c.png"), "other.png");
    let (code, stdout, stderr) =
        disrupt(&["match", "--server", &server.base_url, "--api-key", &platform, other.to_str().unwrap()]).await;
    assert_eq!(code, 0, "an unrelated photo matches nothing: {stdout} {stderr}");
}
