//! Helpers shared by the integration tests that run the native CLIs.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

/// The example `name` (a CLI), which `cargo test` builds next to the test binaries.
pub fn example_binary(name: &str) -> PathBuf {
    let test_exe = std::env::current_exe().unwrap();
    let profile_dir = test_exe.parent().unwrap().parent().unwrap();
    let binary = profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "{} is missing (a full `cargo test` builds it; `cargo build --example {name}` refreshes it)",
        binary.display()
    );
    binary
}
