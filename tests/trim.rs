//! The `trim` CLI (keyframe mode) on every fixture, at keyframe-aligned and mid-GOP points, checked three
//! ways: our own demuxer re-reads the output (first video sample a keyframe, `moov` before `mdat`), `ffprobe`
//! reads its streams (frame count and duration as planned, sound within one AAC frame of the pictures),
//! and ffmpeg decodes it so the barcode of every frame says which source frame it is.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use reelcut::demux;
use reelcut::demux::boxes::fourcc_text;
use reelcut::media::TrackKind;
use serde_json::{json, Value};

mod common;
#[path = "common/corpus.rs"]
mod corpus;
#[path = "common/tools.rs"]
mod tools;
use common::example_binary;
use corpus::{conformance_dir, repo};
use tools::tool;

/// Frames per second of every video fixture (tests/fixtures/make.sh).
const FPS: f64 = 30.0;
/// An AAC frame at the fixtures' lowest sample rate (44.1 kHz), seconds.
const AAC_FRAME: f64 = 1024.0 / 44_100.0;

fn fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures").join(name)
}

fn out_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("reelcut-trim-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Runs `trim` on fixture `input`; returns its JSON summary.
fn trim(input: &str, start: f64, end: f64, extra: &[&str], output: &Path) -> Value {
    trim_file(&fixture(input), start, end, extra, output)
}

/// Runs `trim` on the file at `input`; returns its JSON summary.
fn trim_file(input: &Path, start: f64, end: f64, extra: &[&str], output: &Path) -> Value {
    let result = Command::new(example_binary("trim"))
        .arg(input)
        .args(["--start", &start.to_string(), "--end", &end.to_string(), "-o"])
        .arg(output)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        result.status.success(),
        "trim {} {start}..{end}: {}",
        input.display(),
        std::str::from_utf8(&result.stderr).unwrap()
    );
    serde_json::from_slice(&result.stdout).unwrap()
}

fn probe(path: &Path) -> Value {
    let output = tool("ffprobe")
        .args([
            "-v",
            "error",
            "-count_frames",
            "-show_streams",
            "-show_format",
            "-of",
            "json",
        ])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "ffprobe: {}",
        std::str::from_utf8(&output.stderr).unwrap()
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn stream<'a>(probe: &'a Value, kind: &str) -> Option<&'a Value> {
    probe["streams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["codec_type"] == kind)
}

fn float(value: &Value) -> f64 {
    value.as_str().and_then(|s| s.parse().ok()).or(value.as_f64()).unwrap()
}

/// The frame index drawn as a barcode in each decoded frame, in presentation order.
fn barcodes(path: &Path) -> Vec<u32> {
    const WIDTH: usize = 640;
    let output = tool("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args([
            "-an",
            "-fps_mode",
            "passthrough",
            "-vf",
            "crop=iw:2:0:ih*16/360,scale=640:1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "gray",
            "-",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "ffmpeg decode: {}",
        std::str::from_utf8(&output.stderr).unwrap()
    );
    output
        .stdout
        .chunks(WIDTH)
        .map(|row| {
            (0..16).fold(0, |index, bit| {
                let x = (2 * bit + 1) * WIDTH / 32;
                index | (u32::from(row[x] > 128) << bit)
            })
        })
        .collect()
}

/// Presentation times of the source's video frames on the media timeline (0 = ffprobe's start_time),
/// and which are keyframes, from the fixture's committed `ffprobe -show_packets`.
fn source_frames(name: &str) -> Vec<(f64, bool)> {
    let reference: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture(&format!("{name}.ffprobe.json"))).unwrap()).unwrap();
    let streams = reference["streams"].as_array().unwrap();
    let origin = streams
        .iter()
        .map(|s| float(&s["start_time"]))
        .fold(f64::INFINITY, f64::min);
    let video = streams
        .iter()
        .find(|s| s["codec_type"] == "video")
        .map(|s| s["index"].as_i64().unwrap());
    let mut frames: Vec<(f64, bool)> = reference["packets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| Some(p["stream_index"].as_i64().unwrap()) == video)
        .map(|p| {
            (
                float(&p["pts_time"]) - origin,
                p["flags"].as_str().unwrap().starts_with('K'),
            )
        })
        .collect();
    #[allow(clippy::disallowed_methods)] // a native test: the wasm-size rules do not apply
    frames.sort_by(|a, b| a.0.total_cmp(&b.0));
    frames
}

/// Checks a keyframe-mode trim of `name` over `[start, end)` seconds.
fn check_keyframe_trim(name: &str, start: f64, end: f64) {
    let output = out_path(&format!("{}-{start}-{end}.mp4", name.replace('/', "_")));
    let summary = trim(name, start, end, &[], &output);
    let bytes = std::fs::read(&output).unwrap();
    assert_eq!(summary["bytes"].as_u64().unwrap() as usize, bytes.len());

    // Our demuxer: faststart layout, a keyframe first.
    let kinds: Vec<String> = top_level_boxes(&bytes);
    let position = |kind: &str| kinds.iter().position(|k| k == kind).unwrap();
    assert!(position("moov") < position("mdat"), "{name}: boxes {kinds:?}");
    let demuxed = demux::mp4::demux(&bytes).unwrap();
    let video = demuxed.tracks.iter().find(|t| t.kind == TrackKind::Video);
    if let Some(video) = video {
        assert!(video.samples[0].key, "{name}: first video sample is not a keyframe");
    }

    let probe = probe(&output);
    let has_sound = stream(&probe, "audio").is_some();
    if video.is_some() {
        // The clip starts at the last keyframe at or before `start` and holds every frame before `end`.
        let frames = source_frames(name);
        // (A start before the first frame starts at the first frame.)
        let first = frames
            .iter()
            .rposition(|(t, key)| *key && *t <= start + 1e-6)
            .unwrap_or(0);
        let after = frames
            .iter()
            .position(|(t, _)| *t >= end - 1e-6)
            .unwrap_or(frames.len());
        let codes = barcodes(&output);
        let expected: Vec<u32> = frames[first..after]
            .iter()
            .map(|(t, _)| (t * FPS).round() as u32)
            .collect();
        // Barcodes count frames from the source's first video frame.
        let offset = (frames[0].0 * FPS).round() as u32;
        let expected: Vec<u32> = expected.iter().map(|code| code - offset).collect();
        assert_eq!(codes, expected, "{name} {start}..{end}: decoded frames");
        let planned = summary["video"]["frames"].as_u64().unwrap() as usize;
        assert_eq!(planned, expected.len(), "{name}: planned frame count");
        let stream = stream(&probe, "video").unwrap();
        assert_eq!(
            stream["nb_read_frames"].as_str().unwrap().parse::<usize>().unwrap(),
            planned
        );
        let duration = float(&stream["duration"]);
        let planned_duration = summary["video"]["duration"].as_f64().unwrap();
        assert!(
            (duration - planned_duration).abs() < 1e-3,
            "{name}: video lasts {duration}, planned {planned_duration}"
        );
        assert!(
            (summary["start"].as_f64().unwrap() - frames[first].0).abs() < 1e-3,
            "{name}: chosen start"
        );
        if has_sound {
            let sound = float(&stream_of(&probe, "audio")["duration"]);
            // The sound covers the pictures, except where the source itself has none.
            let source_sound_end = summary["audio"]["duration"].as_f64().unwrap();
            assert!(
                (sound - duration).abs() <= AAC_FRAME || (sound - source_sound_end).abs() < 1e-3,
                "{name}: sound {sound} s against pictures {duration} s"
            );
        }
    } else {
        let sound = float(&stream_of(&probe, "audio")["duration"]);
        assert!(
            (sound - (end - start)).abs() <= AAC_FRAME,
            "{name}: sound lasts {sound} s"
        );
    }
    assert!(
        float(&probe["format"]["start_time"]).abs() < 1e-3,
        "{name}: starts at 0"
    );
}

fn stream_of<'a>(probe: &'a Value, kind: &str) -> &'a Value {
    stream(probe, kind).unwrap()
}

fn top_level_boxes(bytes: &[u8]) -> Vec<String> {
    let mut kinds = Vec::new();
    let mut at = 0usize;
    while at + 8 <= bytes.len() {
        let size = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        kinds.push(fourcc_text(&bytes[at + 4..at + 8]));
        assert!(size >= 8, "box size {size}");
        at += size;
    }
    assert_eq!(at, bytes.len(), "boxes end with the file");
    kinds
}

const SOURCES: [&str; 7] = [
    "high_bframes_moovend.mp4",
    "baseline_mono44k_faststart.mp4",
    "high_fragmented.mp4",
    "video_only.mp4",
    "pts_wrap.ts",
    "hls_ts/index.m3u8",
    "hls_fmp4/index.m3u8",
];

#[test]
fn keyframe_aligned_trims_of_every_video_fixture() {
    for name in SOURCES {
        check_keyframe_trim(name, 2.0, 4.0);
    }
}

#[test]
fn mid_gop_trims_start_at_the_keyframe_before() {
    for name in SOURCES {
        check_keyframe_trim(name, 1.5, 3.7);
        check_keyframe_trim(name, 0.0, 100.0);
    }
}

#[test]
fn audio_only_trims_are_sample_exact() {
    check_keyframe_trim("audio_only.m4a", 1.5, 4.2);
    check_keyframe_trim("audio_only.m4a", 0.3, 0.9);
}

#[test]
fn hevc_from_mpeg_ts_trims_at_keyframes() {
    // HLS with HEVC in MPEG-TS segments, from the conformance corpus: the samples are rewritten from Annex B
    // to length-prefixed with an `hvcC` built from the stream's parameter sets.
    let output = out_path("hevc.mp4");
    let summary = trim_corpus_file("shaka/hls-ts-h265/hevc.m3u8", 1.0, 4.0, &output);
    let probe = probe(&output);
    let video = stream_of(&probe, "video");
    assert_eq!(
        (&video["codec_name"], &video["codec_tag_string"]),
        (&json!("hevc"), &json!("hvc1"))
    );
    assert_eq!((&video["width"], &video["height"]), (&json!(640), &json!(360)));
    assert_eq!(video["nb_read_frames"], json!(summary["video"]["frames"].to_string()));
    assert_eq!(
        summary["video"]["frames"],
        json!(120),
        "the keyframe at 0 s to the end at 4 s"
    );
    assert!((float(&video["duration"]) - 4.0).abs() < 1e-3, "{}", video["duration"]);
    // Every frame decodes without a complaint from ffmpeg's HEVC decoder.
    let decoded = tool("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(&output)
        .args(["-f", "null", "-"])
        .output()
        .unwrap();
    assert!(
        decoded.status.success() && decoded.stderr.is_empty(),
        "{}",
        std::str::from_utf8(&decoded.stderr).unwrap_or("(not UTF-8)")
    );
}

/// Runs `trim` on `path` of the conformance corpus, keyframe mode; returns its JSON summary.
fn trim_corpus_file(path: &str, start: f64, end: f64, output: &Path) -> Value {
    trim_file(
        &conformance_dir().join(path),
        start,
        end,
        &["--mode", "keyframe"],
        output,
    )
}

/// The CRC-32s of the packets of `kind` in `path`, as ffprobe reads them.
fn packet_hashes(path: &Path, kind: &str) -> Vec<String> {
    let selector = if kind == "video" { "v" } else { "a" };
    let output = tool("ffprobe")
        .args(["-v", "error", "-select_streams", selector, "-show_data_hash", "CRC32"])
        .args(["-show_entries", "packet=data_hash", "-of", "csv=p=0"])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// That ffprobe reads the file at `path` as lasting `seconds` (to the millisecond).
fn assert_lasts(path: &Path, seconds: f64) {
    let format = &probe(path)["format"];
    assert!((float(&format["duration"]) - seconds).abs() < 1e-3, "{format}");
}

#[test]
fn sound_that_outlasts_the_pictures_is_kept_to_the_clip_end() {
    // 0.1 s of HEVC with 0.44 s of AAC (ExoPlayer's test file): a clip of all of it keeps every sound
    // packet, the video's three pictures, and lasts as long as the sound.
    let path = "exoplayer/mp4/sample_unrecognized_hevc_sei.mp4";
    let output = out_path("outlasting_sound.mp4");
    let summary = trim_corpus_file(path, 0.0, 0.4378, &output);
    let source = conformance_dir().join(path);
    assert_eq!(packet_hashes(&output, "audio"), packet_hashes(&source, "audio"));
    assert_eq!(packet_hashes(&output, "video"), packet_hashes(&source, "video"));
    assert_eq!(summary["audio"]["samples"], json!(17));
    assert!((float(&summary["duration"]) - 0.4377).abs() < 1e-3, "{summary}");
    assert_lasts(&output, 0.4377);
}

#[test]
fn a_clip_reaching_past_the_media_is_cut_to_it() {
    // Sound alone, asked for from long before to long after it: the clip is the sound, from 0.
    let output = out_path("past_the_media.mp4");
    let summary = trim_corpus_file("mp4parse/capi/opus_audioinit.mp4", -100.0, 100.0, &output);
    assert_eq!(
        (&summary["start"], &summary["end"]),
        (&json!(0.0), &json!(10.92)),
        "{summary}"
    );
    assert_eq!(float(&stream_of(&probe(&output), "audio")["start_time"]), 0.0);
    assert_lasts(&output, 10.92);
}

#[test]
fn fragmented_output_plays_the_same_frames() {
    let output = out_path("fragmented.mp4");
    let summary = trim("high_bframes_moovend.mp4", 1.5, 4.2, &["--container", "fmp4"], &output);
    let kinds = top_level_boxes(&std::fs::read(&output).unwrap());
    assert_eq!(&kinds[..3], ["ftyp", "moov", "moof"], "{kinds:?}");
    assert_eq!(
        kinds.iter().filter(|k| *k == "moof").count(),
        4,
        "one fragment per GOP: {kinds:?}"
    );
    // ffmpeg applies a fragmented file's edit list at the start but not at the end: it also shows the
    // P-frame the last B-frames reference (frame 126), which the progressive file hides.
    let codes = barcodes(&output);
    assert_eq!(codes, (30..127).collect::<Vec<u32>>());
    assert_eq!(summary["container"], "fmp4");
    let demuxed = demux::mp4::demux(&std::fs::read(&output).unwrap()).unwrap();
    let video = demuxed.tracks.iter().find(|t| t.kind == TrackKind::Video).unwrap();
    assert_eq!(
        video.samples.len(),
        summary["video"]["samples"].as_u64().unwrap() as usize
    );
}

#[test]
fn bad_requests_fail_with_one_line_and_a_status() {
    let output = out_path("never.mp4");
    let run = |args: &[&str]| Command::new(example_binary("trim")).args(args).output().unwrap();
    let input = fixture("high_bframes_moovend.mp4");
    let input = input.to_str().unwrap();
    let out = output.to_str().unwrap();
    for (args, status, message) in [
        (vec![input, "--start", "3", "--end", "2", "-o", out], 1, "start < end"),
        (
            vec![input, "--start", "7", "--end", "9", "-o", out],
            1,
            "outside the media",
        ),
        (
            vec![input, "--start", "1", "--end", "2", "--mode", "exact", "-o", out],
            1,
            "browser",
        ),
        (vec![input, "--start", "x", "--end", "2", "-o", out], 2, "not a number"),
        (vec![input, "--start", "1", "--end", "2"], 2, "missing -o"),
    ] {
        let result = run(&args);
        let stderr = std::str::from_utf8(&result.stderr).unwrap();
        assert_eq!(result.status.code(), Some(status), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    assert!(!output.exists(), "no output written on failure");
}

#[test]
fn a_change_of_picture_size_behind_a_discontinuity_is_refused_with_where_and_cut_after_it() {
    // hls_switch: 640x360 for 4 s, then 320x180 behind a discontinuity (at 4 s plus the video's offset).
    let input = fixture("hls_switch/index.m3u8");
    let output = out_path("switch-refused.mp4");
    let result = Command::new(example_binary("trim"))
        .args([
            input.to_str().unwrap(),
            "--start",
            "3",
            "--end",
            "5.5",
            "-o",
            output.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stderr = std::str::from_utf8(&result.stderr).unwrap();
    assert_eq!(result.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("unsupported") && stderr.contains("at 4.021 s"),
        "{stderr}"
    );
    assert!(!output.exists(), "no output written on failure");

    // Entirely after the change: the smaller rendition's samples, copied.
    let output = out_path("switch-after.mp4");
    let summary = trim("hls_switch/index.m3u8", 4.5, 5.5, &[], &output);
    assert_eq!(summary["video"]["codec"], "avc1.42c015");
    let video = stream_of(&probe(&output), "video").clone();
    assert_eq!(
        (video["width"].as_u64(), video["height"].as_u64()),
        (Some(320), Some(180))
    );
    assert_eq!(
        barcodes(&output).first(),
        Some(&120),
        "starts at the keyframe behind the discontinuity"
    );
}
