//! The MPEG-TS demuxer and HLS packed audio against real files of the conformance corpus
//! (`../shared/conformance`, or `REELCUT_CONFORMANCE`): per track the sample count, keyframes, the first
//! presentation time and a hash of every sample's stored size and keyframe flag, all taken from
//! `ffprobe -show_packets` of the same bytes; where ffprobe is not the reference, the expectation says why.

// A failed unwrap here is a failed test, not a crash in a user's browser.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use serde_json::Value;

mod common;
#[path = "common/corpus.rs"]
mod corpus;
use common::example_binary;
use corpus::conformance_dir;

fn inspect(file: &str) -> Value {
    let path = conformance_dir().join(file);
    let output = Command::new(example_binary("inspect"))
        .arg(&path)
        .arg("--samples")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "inspect {file}: {}",
        std::str::from_utf8(&output.stderr).unwrap()
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The one track of `kind` and its samples.
fn track_of<'a>(report: &'a Value, kind: &str) -> (&'a Value, Vec<&'a Value>) {
    let tracks: Vec<&Value> = report["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["type"] == kind)
        .collect();
    assert_eq!(tracks.len(), 1, "{kind} tracks: {tracks:?}");
    let samples = report["samples"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["track"] == tracks[0]["id"])
        .collect();
    (tracks[0], samples)
}

/// FNV-1a over `<size><K or _>` of each sample: the same hash the expectations were made with from
/// ffprobe's packets.
fn size_key_hash(samples: &[&Value]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for sample in samples {
        let key = if sample["key"].as_bool().unwrap() { "K" } else { "_" };
        for byte in format!("{}{key}", sample["size"]).bytes() {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

fn ticks(seconds: &Value) -> i64 {
    (seconds.as_f64().unwrap() * 90_000.0).round() as i64
}

/// (file, track kind, codec, samples, keyframes, first pts in 90 kHz ticks, hash of sizes and key flags).
const FFPROBE_AGREES: [(&str, &str, &str, usize, usize, i64, u64); 15] = [
    // HEVC (stream type 0x24): access units as ffprobe cuts them, IRAP pictures as keyframes.
    (
        "exoplayer/ts/sample_h265.ts",
        "video",
        "hvc1.1.6.L90.90",
        30,
        1,
        132000,
        0x5389d4a3053c3d02,
    ),
    (
        "exoplayer/ts/sample_h265_rps_pred.ts",
        "video",
        "hvc1.1.6.L63.90",
        16,
        1,
        150000,
        0xd0646bd9980df826,
    ),
    (
        "shaka/hls-ts-h265/0.ts",
        "video",
        "hvc1.2.4.L123.B0",
        360,
        5,
        126000,
        0xa874c523d710162d,
    ),
    // MPEG audio layer II (stream type 0x03): one sample per frame.
    (
        "exoplayer/ts/sample_h264_mpeg_audio.ts",
        "audio",
        "mp2",
        4,
        4,
        132006,
        0xa1fe824096cd2a6c,
    ),
    (
        "exoplayer/ts/sample_h262_mpeg_audio.ts",
        "audio",
        "mp2",
        4,
        4,
        128021,
        0xa1fe824096cd2a6c,
    ),
    // DTS (stream type 0x82), AC-3 (0x81 without descriptors), LATM (0x11): listed, framed like ffprobe.
    (
        "exoplayer/ts/sample_h264_dts_audio.ts",
        "audio",
        "dtsc",
        9,
        9,
        132006,
        0x38a1e1987246b1a8,
    ),
    (
        "exoplayer/ts/sample_with_sdt.ts",
        "audio",
        "ac-3",
        2,
        2,
        8174045,
        0x47353cb9d6030c69,
    ),
    (
        "exoplayer/ts/sample_latm.ts",
        "audio",
        "mp4a-latm",
        5,
        5,
        126000,
        0x3023a41a0f65f64f,
    ),
    // PAT and PMT first after 42 packets of audio and video: those packets are read once the tables come.
    (
        "mux.js/test-middle-pat-pmt.ts",
        "video",
        "avc1.42c01f",
        15,
        1,
        5387171045,
        0x0da66f8a75637ed9,
    ),
    (
        "mux.js/test-middle-pat-pmt.ts",
        "audio",
        "mp4a.40.2",
        28,
        28,
        5387160282,
        0x0931a630a374fc0a,
    ),
    // H.264 whose PES packets end inside a picture: sizes are those of whole access units, SEI kept.
    (
        "shaka/hls-ts-h264/fileSequence0.ts",
        "video",
        "avc1.640015",
        180,
        3,
        903000,
        0x9f66ceab5188dfd7,
    ),
    (
        "mux.js/sintel-captions.ts",
        "video",
        "avc1.42c00d",
        240,
        2,
        900000,
        0x41e850fb1004cd04,
    ),
    (
        "mux.js/sintel-captions.ts",
        "audio",
        "mp4a.40.2",
        212,
        212,
        889290,
        0x2fa6d7c171ce7c2b,
    ),
    // HLS packed audio: the ID3 timestamps place the segments, as ffprobe's HLS demuxer does.
    (
        "shaka/hls-raw-aac/stream.m4a.m3u8",
        "audio",
        "mp4a.40.2",
        861,
        861,
        891380,
        0x378b869203d5a8c0,
    ),
    (
        "shaka/hls-ts-raw-aac/index.m3u8",
        "audio",
        "mp4a.40.2",
        861,
        861,
        891380,
        0x378b869203d5a8c0,
    ),
];

#[test]
fn corpus_streams_match_ffprobe() {
    for (file, kind, codec, count, keys, first_pts, hash) in FFPROBE_AGREES {
        let report = inspect(file);
        let (track, samples) = track_of(&report, kind);
        assert_eq!(track["codec"], codec, "{file} {kind}");
        assert_eq!(samples.len(), count, "{file} {kind}: samples");
        let keyframes = samples.iter().filter(|s| s["key"] == true).count();
        assert_eq!(keyframes, keys, "{file} {kind}: keyframes");
        assert_eq!(ticks(&samples[0]["pts"]), first_pts, "{file} {kind}: first pts");
        assert_eq!(size_key_hash(&samples), hash, "{file} {kind}: sizes and keyframe flags");
    }
}

#[test]
fn hevc_in_ts_has_its_picture_size_and_hvcc() {
    let report = inspect("exoplayer/ts/sample_h265.ts");
    let (track, _) = track_of(&report, "video");
    assert_eq!(
        (track["width"].as_u64(), track["height"].as_u64()),
        (Some(854), Some(480))
    );
    let report = inspect("shaka/hls-ts-h265/0.ts");
    let (track, _) = track_of(&report, "video");
    assert_eq!(
        (track["width"].as_u64(), track["height"].as_u64()),
        (Some(640), Some(360))
    );
}

#[test]
fn ac3_and_eac3_where_ffprobe_is_not_the_reference() {
    // An ID3 tag sits inside the first PES packet in front of the first syncframe: ffprobe lists those
    // 73 bytes as a packet of their own (and times two packets alike); the frames are the 8 ExoPlayer's
    // dump lists, 1536 bytes each, the first timed by the PES packet it starts in.
    let report = inspect("exoplayer/ts/sample_ac3.ts");
    let (track, samples) = track_of(&report, "audio");
    assert_eq!(
        (track["codec"].as_str(), track["channels"].as_u64()),
        (Some("ac-3"), Some(6))
    );
    let sizes: Vec<u64> = samples.iter().map(|s| s["size"].as_u64().unwrap()).collect();
    assert_eq!(sizes, [1536; 8]);
    let pts: Vec<i64> = samples.iter().map(|s| ticks(&s["pts"])).collect();
    assert_eq!(pts, (0..8).map(|i| i * 2880).collect::<Vec<_>>());
    // E-AC-3 (stream type 0x06 with descriptor 0x7A). The file is cut: ffprobe also lists the 2 frames of
    // the PES packet that the cut leaves incomplete, which is reported as damage here instead.
    let report = inspect("exoplayer/ts/sample_ait.ts");
    let (track, samples) = track_of(&report, "audio");
    assert_eq!(track["codec"], "ec-3");
    assert_eq!(samples.len(), 18);
    assert!(samples.iter().all(|s| s["size"] == 512));
}

#[test]
fn junk_before_and_between_packets_is_skipped() {
    // 155 bytes of junk, then runs of 5 packets with junk between them (ffprobe takes the file for MPEG-PS).
    let report = inspect("exoplayer/ts/sample_with_junk");
    assert_eq!(report["format"], "ts");
    let damage = report["damage"].as_array().unwrap();
    assert_eq!(
        (damage[0]["kind"].as_str(), damage[0]["skipped"].as_u64()),
        (Some("lost_sync"), Some(155))
    );
    let (track, samples) = track_of(&report, "audio");
    assert_eq!(track["codec"], "mp2");
    assert_eq!(samples.len(), 4);
}

#[test]
fn packed_audio_segments_alone() {
    // One segment: timed by its ID3 timestamp (9.904 s), where ffprobe's raw AAC reader starts at 0.
    let report = inspect("shaka/hls-raw-aac/fileSequence0.aac");
    assert_eq!(report["format"], "packed_audio");
    let (track, samples) = track_of(&report, "audio");
    assert_eq!(
        (track["sample_rate"].as_u64(), track["channels"].as_u64()),
        (Some(22_050), Some(2))
    );
    assert_eq!(samples.len(), 215);
    assert_eq!(ticks(&samples[0]["pts"]), 891_380);
    assert_eq!(samples[0]["size"], 13);
}
