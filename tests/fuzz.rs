//! Random bytes and mutations of valid files fed to every reader: each must
//! answer with an error or a value, never a panic, and never allocate more
//! than the file justifies (the readers check sizes before allocating; a
//! panic or an abort on allocation would fail this test).

use autoencoder_lab::config::{Loss, Modality};
use autoencoder_lab::data::Digits;
use autoencoder_lab::rng::Rng;
use autoencoder_lab::{idx, io, json, preset, Autoencoder, Kind, PresetOptions};
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::panic::catch_unwind;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts the bytes allocated at once, to show that no input makes a reader
/// allocate far more than its own size.
struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Inputs here are at most a few kilobytes; the test harness itself needs a
/// little. 16 MB is far below what a size taken on trust from a header would
/// allocate (a mutated header claims gigabytes).
const MEMORY_BOUND: usize = 16 << 20;

/// A reader under test: true when it accepted the bytes.
type Reader = fn(&[u8]) -> bool;

fn readers() -> Vec<(&'static str, Reader)> {
    vec![
        ("model", |b| io::load(b).is_ok()),
        ("json", |b| {
            std::str::from_utf8(b).is_ok_and(|t| json::parse(t).is_ok())
        }),
        ("idx images", |b| idx::read_images(b).is_ok()),
        ("idx labels", |b| idx::read_labels(b).is_ok()),
        ("digits", |b| Digits::parse(b).is_ok()),
    ]
}

fn valid_files() -> Vec<Vec<u8>> {
    let options = PresetOptions {
        input_size: Some(16),
        code_size: Some(4),
        hidden: Some(vec![8]),
        ..Default::default()
    };
    let model = Autoencoder::new(preset(Kind::Sparse, &options).unwrap()).unwrap();
    // A shared-code model: its config carries modalities and modality dropout.
    let modality = |name: &str, size, loss| Modality {
        name: name.into(),
        size,
        loss: Some(loss),
        weight: Some(0.5),
    };
    let multimodal = PresetOptions {
        modalities: Some(vec![
            modality("image", 12, Loss::Bce),
            modality("label", 4, Loss::CrossEntropy),
        ]),
        code_size: Some(3),
        ..Default::default()
    };
    let multimodal = Autoencoder::new(preset(Kind::Denoising, &multimodal).unwrap()).unwrap();
    let images = idx::write(&[3, 4, 4], &[7; 48]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&images).unwrap();
    let digits = Digits {
        rows: 2,
        cols: 2,
        train_count: 1,
        labels: vec![1, 2],
        pixels: vec![9; 8],
    };
    vec![
        io::save(&model),
        io::save(&multimodal),
        br#"{"a": [1, -2.5e3, "x\u00e9\ud83d\ude00"], "b": {"c": null, "d": true}}"#.to_vec(),
        images,
        gz.finish().unwrap(),
        idx::write(&[5], &[1; 5]),
        digits.to_bytes(),
    ]
}

/// One random edit: flip bits, overwrite, cut, insert, or write a big number.
fn mutate(bytes: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(out.len().max(1));
        match rng.below(5) {
            0 if !out.is_empty() => out[at] ^= 1 << rng.below(8),
            1 if !out.is_empty() => out[at] = rng.next_u64() as u8,
            2 => out.truncate(at),
            3 => out.insert(at.min(out.len()), rng.next_u64() as u8),
            _ => {
                let end = (at + 4).min(out.len());
                let big = [0xff, 0xff, 0xff, 0x7f];
                out[at..end].copy_from_slice(&big[..end - at]);
            }
        }
    }
    out
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng::new(1);
    for round in 0..3000 {
        let len = rng.below(if round % 10 == 0 { 4096 } else { 64 });
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        if round % 3 == 0 && bytes.len() >= 2 {
            bytes[..2].copy_from_slice(&[0x1f, 0x8b]); // pretend to be gzip
        }
        for (name, read) in readers() {
            assert!(
                catch_unwind(|| read(&bytes)).is_ok(),
                "{name} panicked on {bytes:?}"
            );
        }
    }
}

#[test]
fn mutations_of_valid_files_never_panic() {
    let mut rng = Rng::new(2);
    let files = valid_files();
    let mut accepted = 0;
    for round in 0..4000 {
        let file = &files[round % files.len()];
        let bytes = mutate(file, &mut rng);
        for (name, read) in readers() {
            match catch_unwind(|| read(&bytes)) {
                Ok(ok) => accepted += ok as usize,
                Err(_) => panic!(
                    "{name} panicked on a mutation of file {}: {bytes:?}",
                    round % files.len()
                ),
            }
        }
    }
    // Some edits land in weights or pixels and leave a valid file: the
    // readers must still accept those, not refuse everything.
    assert!(accepted > 100, "{accepted}");
    let peak = PEAK.load(Ordering::Relaxed);
    assert!(peak < MEMORY_BOUND, "peak allocation {peak} bytes");
}
