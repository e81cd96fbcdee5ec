//! The media tools the tests check our output with (ffmpeg, ffprobe), failing clearly when missing.

use std::process::Command;

/// A command for `name` (`ffmpeg`, `ffprobe`); a missing tool fails the test, saying how to install it.
pub fn tool(name: &str) -> Command {
    let found = Command::new(name).arg("-version").output().is_ok();
    assert!(
        found,
        "{name} is missing: install ffmpeg (.ci/setup.sh does: apt-get install ffmpeg)"
    );
    Command::new(name)
}
