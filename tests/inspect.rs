//! `inspect` against ffprobe: for every committed fixture, the same tracks, the same number of samples, and
//! for every sample the same pts, dts, keyframe flag and stored size as `ffprobe -show_packets` (committed
//! beside the fixture). HLS fixtures are compared across all their segments joined.

// A failed unwrap here is a failed test, not a crash in a user's browser.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

mod common;
#[path = "common/corpus.rs"]
mod corpus;
use common::example_binary;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn inspect(fixture: &str) -> Value {
    inspect_path(&repo().join("tests/fixtures").join(fixture))
}

fn inspect_path(path: &Path) -> Value {
    let output = Command::new(example_binary("inspect"))
        .arg(path)
        .arg("--samples")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "inspect {}: {}",
        path.display(),
        std::str::from_utf8(&output.stderr).unwrap()
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
    assert_eq!(ours["damage"], json!([]), "{fixture}: damage");
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
    let stderr = std::str::from_utf8(&not_media.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("neither MP4 nor MPEG-TS"), "{stderr}");
    assert_eq!(run(&[]).status.code(), Some(2));
}

/// A folder of its own under the system's temporary folder, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("reelcut-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const PACKET: usize = 188;

/// `hls_ts/seg1.ts` damaged three ways: the sync byte of packet 100 garbled, packet 200 dropped, and the
/// last 100 bytes cut off.
fn damaged_segment() -> Vec<u8> {
    let mut bytes = std::fs::read(repo().join("tests/fixtures/hls_ts/seg1.ts")).unwrap();
    bytes[100 * PACKET] = 0x00;
    bytes.drain(200 * PACKET..201 * PACKET);
    bytes.truncate(bytes.len() - 100);
    bytes
}

/// The `pts` of every sample of track `pid`, in seconds.
fn sample_times(report: &Value, pid: &Value) -> Vec<f64> {
    report["samples"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| &s["track"] == pid)
        .map(|s| s["pts"].as_f64().unwrap())
        .collect()
}

#[test]
fn mpeg_ts_damage_is_listed_with_its_offset_and_media_time() {
    let dir = TempDir::new("inspect-damage");
    let path = dir.0.join("damaged.ts");
    let bytes = damaged_segment();
    std::fs::write(&path, &bytes).unwrap();
    let clean = inspect("hls_ts/seg1.ts");
    assert_eq!(clean["damage"], json!([]));
    let report = inspect_path(&path);
    let damage = report["damage"].as_array().unwrap();
    let kinds: Vec<&str> = damage.iter().map(|d| d["kind"].as_str().unwrap()).collect();
    // The garbled packet is skipped (and its stream's counter jumps at the next one), the dropped packet
    // makes its stream's counter jump, and the cut packet ends the stream inside a PES packet.
    assert_eq!(
        kinds,
        [
            "lost_sync",
            "continuity_gap",
            "continuity_gap",
            "truncated_packet",
            "bad_pes"
        ],
        "{damage:#?}"
    );
    assert_eq!(damage[0]["offset"], 100 * PACKET);
    assert_eq!(damage[0]["skipped"], PACKET);
    assert_eq!(damage[1]["offset"], 101 * PACKET);
    assert_eq!(damage[2]["offset"], 200 * PACKET);
    assert_eq!(damage[3]["offset"], (bytes.len() / PACKET) * PACKET);
    for gap in &damage[1..3] {
        assert_eq!(
            gap["found"].as_u64().unwrap(),
            (gap["expected"].as_u64().unwrap() + 1) % 16,
            "one packet lost: {gap}"
        );
    }
    assert_eq!(damage[4]["reason"], "PES packet truncated");
    assert_eq!(damage[4]["pid"], damage[1]["pid"]);

    // Every entry names a media time inside the segment's span, on the samples' timeline.
    let all_pts: Vec<f64> = clean["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["pts"].as_f64().unwrap())
        .collect();
    let (first, last) = all_pts
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), t| (a.min(*t), b.max(*t)));
    for entry in damage {
        let time = entry["time"].as_f64().unwrap_or_else(|| panic!("no time: {entry}"));
        assert!((first..=last).contains(&time), "{entry} outside {first}..{last}");
    }
    // A continuity gap names the PES packet it dropped: a sample at that time is missing from its track.
    for gap in &damage[1..3] {
        let time = gap["time"].as_f64().unwrap();
        let had = sample_times(&clean, &gap["pid"]);
        let has = sample_times(&report, &gap["pid"]);
        assert!(
            had.iter().any(|t| (t - time).abs() < 1e-9),
            "{gap}: no sample at {time}"
        );
        assert!(
            !has.iter().any(|t| (t - time).abs() < 1e-9),
            "{gap}: the sample at {time} is still there"
        );
    }
}

#[test]
fn damage_in_an_hls_segment_names_the_segment() {
    let dir = TempDir::new("inspect-hls-damage");
    let fixture = repo().join("tests/fixtures/hls_ts");
    for name in ["index.m3u8", "seg0.ts", "seg2.ts"] {
        std::fs::copy(fixture.join(name), dir.0.join(name)).unwrap();
    }
    std::fs::write(dir.0.join("seg1.ts"), damaged_segment()).unwrap();
    let report = inspect_path(&dir.0.join("index.m3u8"));
    let damage = report["damage"].as_array().unwrap();
    assert_eq!(damage.len(), 5, "{damage:#?}");
    for entry in damage {
        assert!(entry["segment"].as_str().unwrap().ends_with("seg1.ts"), "{entry}");
        assert!(entry["time"].as_f64().unwrap() > 2.0, "{entry}");
    }
    // MP4 has no such damage to report.
    assert_eq!(inspect("high_bframes_moovend.mp4")["damage"], json!([]));
    assert_eq!(inspect("hls_fmp4/index.m3u8")["damage"], json!([]));
}

#[test]
fn a_master_playlist_reads_the_sound_of_its_audio_rendition() {
    // CMAF from ExoPlayer's test assets: the variant's segments hold only video; its sound is the audio
    // group's rendition, a playlist of its own. Counts as ffprobe reads the segments
    // (tests/conformance/ffprobe.tsv: 90 frames, 131 AAC packets).
    let playlist = corpus::conformance_dir().join("exoplayer/cmaf-multi-segment/playlist.m3u8");
    let report = inspect_path(&playlist);
    let tracks: Vec<(String, u64)> = report["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["type"].as_str().unwrap().to_string(), t["samples"].as_u64().unwrap()))
        .collect();
    assert_eq!(tracks, [("video".to_string(), 90), ("audio".to_string(), 131)]);
}
