//! PDQ on pre-decoded pixels: a synthetic photo-sized (1600x1004) RGB image, the size of the reference's
//! bridge photos; and decode + hash of a real JPEG photo (the reference's `bridge-mods/aaa-orig.jpg`, read from
//! the test data: `$DISRUPT_TESTDATA` or `../shared/testdata/reference`). `cargo bench -p disrupt-hasher --no-default-features --bench pdq`. For the comparison with
//! Meta's reference on real photos, see `scripts/bench/pdq`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use disrupt_hasher::pdq;

const WIDTH: usize = 1600;
const HEIGHT: usize = 1004;

/// Smooth gradients plus a little texture, so the blur and the DCT see photo-like values.
fn synthetic_photo() -> Vec<u8> {
    let mut pixels = Vec::with_capacity(WIDTH * HEIGHT * 3);
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            let texture = ((x * 7 + y * 13) ^ (x * y)) % 32;
            pixels.push(((x * 255 / WIDTH + texture) % 256) as u8);
            pixels.push(((y * 255 / HEIGHT + texture) % 256) as u8);
            pixels.push((((x + y) * 127 / (WIDTH + HEIGHT) + 2 * texture) % 256) as u8);
        }
    }
    pixels
}

fn bench_pdq(c: &mut Criterion) {
    let pixels = synthetic_photo();
    let mut group = c.benchmark_group("pdq_1600x1004");
    group.throughput(Throughput::Elements(1));
    group.bench_function("hash_rgb", |b| {
        b.iter(|| pdq::hash_rgb(std::hint::black_box(&pixels), WIDTH, HEIGHT, 3 * WIDTH))
    });
    group.bench_function("hash_rgb_dihedral", |b| {
        b.iter(|| pdq::hash_rgb_dihedral(std::hint::black_box(&pixels), WIDTH, HEIGHT, 3 * WIDTH))
    });
    group.finish();
}

fn bench_decode_and_hash(c: &mut Criterion) {
    let bytes = disrupt_hasher::testdata::read("pdq/data/bridge-mods/aaa-orig.jpg");
    let opts = disrupt_hasher::media::MediaOptions::default();
    let mut group = c.benchmark_group("jpeg_1600x1004");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("decode_and_hash", |b| {
        b.iter(|| disrupt_hasher::media::hash_image(std::hint::black_box(&bytes), &opts))
    });
    group.finish();
}

criterion_group!(benches, bench_pdq, bench_decode_and_hash);
criterion_main!(benches);
