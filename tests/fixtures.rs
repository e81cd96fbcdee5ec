//! The committed fixtures are what the issue tracker and DESIGN.md ask of them: the right codecs, layouts and
//! sizes, each with its ffprobe reference beside it. Regenerating them with a different `make.sh` or ffmpeg
//! cannot silently change what the other real-file tests exercise.

// A failed unwrap here is a failed test, not a crash in a user's browser.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};

use reelcut::demux::boxes::fourcc_text;
use serde_json::{json, Value};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn ffprobe(name: &str) -> Value {
    let path = fixtures().join(format!("{name}.ffprobe.json"));
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn stream<'a>(probe: &'a Value, kind: &str) -> &'a Value {
    probe["streams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["codec_type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} stream"))
}

fn packets(probe: &Value, kind: &str) -> Vec<Value> {
    let index = stream(probe, kind)["index"].clone();
    probe["packets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["stream_index"] == index)
        .cloned()
        .collect()
}

/// Top-level ISO BMFF box types in file order (size 1 = 64-bit size follows; size 0 = to the end).
fn top_level_boxes(bytes: &[u8]) -> Vec<String> {
    let mut boxes = Vec::new();
    let mut offset = 0usize;
    while offset + 8 <= bytes.len() {
        let size32 = u32::from_be_bytes(bytes[offset..offset + 4].try_into().unwrap()) as u64;
        let size = match size32 {
            0 => (bytes.len() - offset) as u64,
            1 => u64::from_be_bytes(bytes[offset + 8..offset + 16].try_into().unwrap()),
            n => n,
        };
        boxes.push(fourcc_text(&bytes[offset + 4..offset + 8]));
        assert!(size >= 8, "box of size {size} at {offset}");
        offset += size as usize;
    }
    assert_eq!(offset, bytes.len(), "boxes do not tile the file");
    boxes
}

fn position(boxes: &[String], kind: &str) -> usize {
    boxes
        .iter()
        .position(|b| b == kind)
        .unwrap_or_else(|| panic!("no {kind} in {boxes:?}"))
}

#[test]
fn high_profile_with_b_frames_stereo_48k_moov_at_the_end() {
    let probe = ffprobe("high_bframes_moovend.mp4");
    let video = stream(&probe, "video");
    assert_eq!(video["codec_name"], "h264");
    assert_eq!(video["profile"], "High");
    assert!(video["has_b_frames"].as_u64().unwrap() > 0);
    // B-frames: decode order differs from presentation order somewhere.
    let video_packets = packets(&probe, "video");
    assert!(video_packets.iter().any(|p| p["pts"] != p["dts"]));
    let audio = stream(&probe, "audio");
    assert_eq!(
        (audio["codec_name"].as_str(), audio["sample_rate"].as_str()),
        (Some("aac"), Some("48000"))
    );
    assert_eq!(audio["channels"], 2);
    let boxes = top_level_boxes(&fs::read(fixtures().join("high_bframes_moovend.mp4")).unwrap());
    assert!(position(&boxes, "mdat") < position(&boxes, "moov"), "{boxes:?}");
}

#[test]
fn baseline_mono_44k_faststart() {
    let probe = ffprobe("baseline_mono44k_faststart.mp4");
    let video = stream(&probe, "video");
    assert_eq!(video["profile"], "Constrained Baseline");
    assert_eq!(video["has_b_frames"], 0);
    let audio = stream(&probe, "audio");
    assert_eq!(audio["sample_rate"], "44100");
    assert_eq!(audio["channels"], 1);
    let boxes = top_level_boxes(&fs::read(fixtures().join("baseline_mono44k_faststart.mp4")).unwrap());
    assert!(position(&boxes, "moov") < position(&boxes, "mdat"), "{boxes:?}");
}

/// Presentation times relative to the stream's first packet, in seconds.
fn relative_pts(probe: &Value, kind: &str) -> Vec<f64> {
    let times: Vec<f64> = packets(probe, kind)
        .iter()
        .map(|p| p["pts_time"].as_str().unwrap().parse().unwrap())
        .collect();
    times.iter().map(|t| t - times[0]).collect()
}

#[test]
fn fragmented_file_has_an_empty_moov_then_fragments() {
    let boxes = top_level_boxes(&fs::read(fixtures().join("high_fragmented.mp4")).unwrap());
    assert!(position(&boxes, "moov") < position(&boxes, "moof"), "{boxes:?}");
    assert!(boxes.iter().filter(|b| *b == "moof").count() >= 6, "{boxes:?}");
}

#[test]
fn hls_variants_hold_the_same_samples_as_the_mp4() {
    let mp4 = ffprobe("high_bframes_moovend.mp4");
    for playlist in ["hls_ts/index.m3u8", "hls_fmp4/index.m3u8"] {
        let hls = ffprobe(playlist);
        for kind in ["video", "audio"] {
            let (ours, theirs) = (relative_pts(&hls, kind), relative_pts(&mp4, kind));
            assert_eq!(ours.len(), theirs.len(), "{playlist} {kind} packet count");
            for (a, b) in ours.iter().zip(&theirs) {
                assert!((a - b).abs() < 2e-5, "{playlist} {kind}: pts {a} vs {b}");
            }
        }
    }
    // fMP4 carries the very same sample bytes (MPEG-TS rewrites H.264 to Annex B, so sizes differ there).
    let sizes = |probe: &Value| -> Vec<Value> { packets(probe, "video").iter().map(|p| p["size"].clone()).collect() };
    assert_eq!(sizes(&ffprobe("hls_fmp4/index.m3u8")), sizes(&mp4));
    // So does the fragmented file (its audio timing differs: without an edit list ffmpeg stretches the
    // priming frame instead).
    assert_eq!(sizes(&ffprobe("high_fragmented.mp4")), sizes(&mp4));
}

#[test]
fn every_video_fixture_has_a_keyframe_each_second_at_30_fps() {
    for name in [
        "high_bframes_moovend.mp4",
        "baseline_mono44k_faststart.mp4",
        "hls_low/index.m3u8",
    ] {
        let probe = ffprobe(name);
        assert_eq!(stream(&probe, "video")["avg_frame_rate"], "30/1", "{name}");
        let keyframes: Vec<usize> = packets(&probe, "video")
            .iter()
            .enumerate()
            .filter(|(_, p)| p["flags"].as_str().unwrap().starts_with('K'))
            .map(|(i, _)| i)
            .collect();
        assert_eq!(keyframes, [0, 30, 60, 90, 120, 150], "{name}: keyframe packet indices");
    }
}

#[test]
fn the_wrap_fixture_crosses_the_33_bit_wrap() {
    // ffprobe counts a stream that starts in the last minute before the wrap from below zero.
    let video = packets(&ffprobe("pts_wrap.ts"), "video");
    let pts: Vec<i64> = video.iter().map(|p| p["pts"].as_i64().unwrap()).collect();
    assert!(pts.first().unwrap() < &0 && pts.last().unwrap() > &0, "{pts:?}");
    assert!(pts.len() >= 120, "{} packets", pts.len());
}

#[test]
fn master_playlist_lists_two_variants_that_exist() {
    let master = fs::read_to_string(fixtures().join("hls_master/index.m3u8")).unwrap();
    let variants: Vec<&str> = master
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect();
    assert_eq!(variants.len(), 2);
    for variant in variants {
        assert!(fixtures().join("hls_master").join(variant).is_file(), "{variant}");
    }
}

#[test]
fn voice_clips_are_two_seconds_of_mono_48k() {
    for (name, codec) in [("voice.wav", "pcm_s16le"), ("voice.opus", "opus")] {
        let probe = ffprobe(name);
        let audio = stream(&probe, "audio");
        assert_eq!(audio["codec_name"], codec, "{name}");
        assert_eq!(audio["sample_rate"], "48000", "{name}");
        assert_eq!(audio["channels"], 1, "{name}");
        let duration: f64 = audio["duration"].as_str().unwrap().parse().unwrap();
        assert!((duration - 2.0).abs() < 0.03, "{name}: {duration} s");
    }
}

#[test]
fn single_track_files_hold_one_stream_each() {
    for (name, kind, codec) in [("video_only.mp4", "video", "h264"), ("audio_only.m4a", "audio", "aac")] {
        let streams = ffprobe(name)["streams"].as_array().unwrap().clone();
        assert_eq!(streams.len(), 1, "{name}");
        assert_eq!(streams[0]["codec_type"], kind, "{name}");
        assert_eq!(streams[0]["codec_name"], codec, "{name}");
    }
    assert_eq!(packets(&ffprobe("video_only.mp4"), "video").len(), 180);
}

#[test]
fn portrait_fixtures_are_turned_by_their_display_matrix() {
    // ffprobe's rotation is counter-clockwise: -90 is the 90° clockwise turn of a phone held upright.
    for (name, rotation, container) in [("portrait_90.mp4", -90, "mp4"), ("phone_270.mov", 90, "mov")] {
        let probe = ffprobe(name);
        let video = stream(&probe, "video");
        assert_eq!(video["side_data_list"][0]["rotation"], rotation, "{name}");
        assert_eq!(
            (&video["width"], &video["height"]),
            (&json!(320), &json!(180)),
            "{name}"
        );
        assert_eq!(stream(&probe, "audio")["codec_name"], "aac", "{name}");
        assert_eq!(packets(&probe, "video").len(), 60, "{name}");
        let brand = &fs::read(fixtures().join(name)).unwrap()[8..12];
        assert_eq!(brand, if container == "mov" { b"qt  " } else { b"isom" }, "{name}");
    }
}

/// The fixtures are committed: they stay small enough to clone quickly.
#[test]
fn fixtures_stay_under_five_megabytes() {
    fn size(dir: &Path) -> u64 {
        fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| !path.ends_with(".work"))
            .map(|path| {
                if path.is_dir() {
                    size(&path)
                } else {
                    fs::metadata(&path).unwrap().len()
                }
            })
            .sum()
    }
    let total = size(&fixtures());
    assert!(total < 5 * 1024 * 1024, "fixtures take {total} bytes");
}
