//! `inspect` against ffprobe: for every committed fixture, the same tracks, the same number of samples, and
//! for every sample the same pts, dts, keyframe flag and stored size as `ffprobe -show_packets` (committed
//! beside the fixture). HLS fixtures are compared across all their segments joined.

// A failed unwrap here is a failed test, not a crash in a user's browser.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use serde_json::Value;

mod common;
use common::example_binary;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn inspect(fixture: &str) -> Value {
    let output = Command::new(example_binary("inspect"))
        .arg(repo().join("tests/fixtures").join(fixture))
        .arg("--samples")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "inspect {fixture}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn ffprobe(fixture: &str) -> Value {
    let path = repo().join("tests/fixtures").join(format!("{fixture}.ffprobe.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn number(value: &Value) -> i64 {
    value
        .as_i64()
        .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
        .unwrap()
}

fn assert_matches_ffprobe(fixture: &str, format: &str) {
    let ours = inspect(fixture);
    let reference = ffprobe(fixture);
    assert_eq!(ours["format"], format, "{fixture}");
    let tracks = ours["tracks"].as_array().unwrap();
    let streams = reference["streams"].as_array().unwrap();
    assert_eq!(tracks.len(), streams.len(), "{fixture}: track count");
    for (track, stream) in tracks.iter().zip(streams) {
        assert_eq!(track["type"], stream["codec_type"], "{fixture}: track order");
        let timescale = number(&track["timescale"]);
        let time_base = stream["time_base"].as_str().unwrap();
        assert_eq!(time_base, format!("1/{timescale}"), "{fixture}: timescale");
        let index = &stream["index"];
        let expected: Vec<&Value> = reference["packets"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| &p["stream_index"] == index)
            .collect();
        let id = &track["id"];
        let actual: Vec<&Value> = ours["samples"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| &s["track"] == id)
            .collect();
        assert_eq!(
            actual.len(),
            expected.len(),
            "{fixture} {}: sample count",
            stream["codec_type"]
        );
        assert_eq!(number(&track["samples"]), expected.len() as i64);
        let ticks = |seconds: &Value| (seconds.as_f64().unwrap() * timescale as f64).round() as i64;
        for (i, (sample, packet)) in actual.iter().zip(&expected).enumerate() {
            let what = format!("{fixture} {} sample {i}", stream["codec_type"]);
            assert_eq!(ticks(&sample["pts"]), number(&packet["pts"]), "{what}: pts");
            assert_eq!(ticks(&sample["dts"]), number(&packet["dts"]), "{what}: dts");
            assert_eq!(
                sample["key"],
                packet["flags"].as_str().unwrap().starts_with('K'),
                "{what}: key"
            );
            assert_eq!(number(&sample["size"]), number(&packet["size"]), "{what}: size");
        }
    }
}

#[test]
fn mp4_moov_at_the_end_with_b_frames_and_edit_lists() {
    assert_matches_ffprobe("high_bframes_moovend.mp4", "mp4");
}

#[test]
fn fragmented_mp4_in_one_file() {
    assert_matches_ffprobe("high_fragmented.mp4", "mp4");
}

#[test]
fn mp4_faststart_baseline_mono() {
    assert_matches_ffprobe("baseline_mono44k_faststart.mp4", "mp4");
}

#[test]
fn hls_with_mpeg_ts_segments() {
    assert_matches_ffprobe("hls_ts/index.m3u8", "hls");
    assert_matches_ffprobe("hls_low/index.m3u8", "hls");
}

#[test]
fn mpeg_ts_across_the_33_bit_wrap() {
    assert_matches_ffprobe("pts_wrap.ts", "ts");
}

#[test]
fn hls_with_fmp4_segments_and_init_edit_list() {
    assert_matches_ffprobe("hls_fmp4/index.m3u8", "hls");
}

#[test]
fn codec_configuration_of_every_fixture() {
    let codecs = |fixture: &str| -> Vec<String> {
        inspect(fixture)["tracks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["codec"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(codecs("high_bframes_moovend.mp4"), ["avc1.64001e", "mp4a.40.2"]);
    assert_eq!(codecs("baseline_mono44k_faststart.mp4"), ["avc1.42c01e", "mp4a.40.2"]);
    assert_eq!(codecs("hls_ts/index.m3u8"), ["avc1.64001e", "mp4a.40.2"]);
    assert_eq!(codecs("hls_low/index.m3u8"), ["avc1.42c015", "mp4a.40.2"]);
    // The master playlist is read through its first variant, and its CODECS attribute agrees.
    assert_eq!(codecs("hls_master/index.m3u8"), ["avc1.64001e", "mp4a.40.2"]);
}

#[test]
fn bad_arguments_and_input_exit_non_zero_with_one_line() {
    let run = |args: &[&str]| Command::new(example_binary("inspect")).args(args).output().unwrap();
    let missing = run(&["/nonexistent.mp4"]);
    assert!(!missing.status.success());
    let text = repo().join("README.md");
    let not_media = run(&[text.to_str().unwrap()]);
    assert_eq!(not_media.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&not_media.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("neither MP4 nor MPEG-TS"), "{stderr}");
    assert_eq!(run(&[]).status.code(), Some(2));
}
