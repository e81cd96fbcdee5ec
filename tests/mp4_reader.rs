//! The ISO BMFF reader on real files of the conformance corpus (`../shared/conformance`, or
//! `REELCUT_CONFORMANCE`) and on files ffmpeg writes here, held to what `ffprobe -show_packets` and
//! ExoPlayer's dumps say; and the writer's display matrix, read back by our reader and by ffprobe.

// A failed unwrap here is a failed test, not a crash in a user's browser.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/corpus.rs"]
mod corpus;
#[path = "common/tools.rs"]
mod tools;

use std::borrow::Cow;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use reelcut::demux::boxes::{BoxLocator, Locate};
use reelcut::demux::fmp4::FragmentReader;
use reelcut::demux::movie::Movie;
use reelcut::demux::mp4;
use reelcut::media::{Display, Track, TrackKind};
use reelcut::mux::{self, Container, MuxSample, MuxTrack};
use reelcut::ErrorCode;
use serde_json::Value;

use corpus::{conformance_dir, repo};
use tools::tool;

fn corpus(name: &str) -> Vec<u8> {
    fs::read(conformance_dir().join(name)).unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("reelcut-mp4-reader-tests-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// `ffprobe -show_packets -show_streams` of a file, as JSON.
fn ffprobe(path: &Path) -> Value {
    let output = tool("ffprobe")
        .args(["-v", "error", "-show_packets", "-show_streams", "-of", "json"])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "ffprobe {}: {}",
        path.display(),
        std::str::from_utf8(&output.stderr).unwrap()
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// ffprobe's packets of the stream of MP4 track `id`: (pts in ticks, size, key).
fn ffprobe_packets(probe: &Value, id: u32) -> Vec<(i64, u32, bool)> {
    let index = probe["streams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"].as_str() == Some(&format!("0x{id:x}")))
        .unwrap_or_else(|| panic!("ffprobe lists no stream for track {id}"))["index"]
        .clone();
    probe["packets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["stream_index"] == index)
        .map(|p| {
            (
                p["pts"].as_i64().unwrap(),
                p["size"].as_str().unwrap().parse().unwrap(),
                p["flags"].as_str().unwrap().contains('K'),
            )
        })
        .collect()
}

fn our_packets(track: &Track) -> Vec<(i64, u32, bool)> {
    track.samples.iter().map(|s| (s.pts, s.stored_size, s.key)).collect()
}

/// ffprobe's `rotation` of a file's video stream (counter-clockwise degrees), 0 without a display matrix.
fn ffprobe_rotation(probe: &Value) -> i64 {
    let video = probe["streams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["codec_type"] == "video")
        .unwrap();
    video["side_data_list"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|side| side["rotation"].as_i64())
        .unwrap_or(0)
}

#[test]
fn quicktime_sound_descriptions_with_esds_in_wave() {
    // Sound description version 1 (16 more bytes of fields), its `esds` inside a `wave` box, and sample
    // entries that end with QuickTime's 32-bit zero.
    for (name, video, audio) in [
        ("exoplayer/mp4/bt601.mov", 2, 1),
        ("exoplayer/mp4/dolbyVision-hdr.MOV", 1, 2),
    ] {
        let demuxed = mp4::demux(&corpus(name)).unwrap();
        let probe = ffprobe(&conformance_dir().join(name));
        let find = |id: u32| demuxed.tracks.iter().find(|t| t.id == id).unwrap();
        assert_eq!(find(video).kind, TrackKind::Video, "{name}");
        let sound = find(audio);
        assert_eq!(sound.config.codec, "mp4a.40.2", "{name}");
        assert_eq!(sound.config.sample_rate, 44_100, "{name}");
        assert_eq!(our_packets(find(video)), ffprobe_packets(&probe, video), "{name}");
        // bt601.mov's edit list ends before its last two sound packets, which are left out.
        assert_eq!(our_packets(sound), ffprobe_packets(&probe, audio), "{name}");
    }
}

/// ffmpeg's PCM encoders, the sample entries its MOV muxer writes for them, and our codec strings.
const PCM_FILES: [(&str, &str, &str); 7] = [
    ("pcm_s16le", "sowt", "pcm-s16"),
    ("pcm_s16be", "twos", "pcm-s16be"),
    ("pcm_s24be", "in24", "pcm-s24be"),
    ("pcm_s24le", "in24", "pcm-s24"),
    ("pcm_f32be", "fl32", "pcm-f32be"),
    ("pcm_u8", "raw ", "pcm-u8"),
    ("pcm_s32le", "in32", "pcm-s32"),
];

#[test]
fn uncompressed_sound_is_read_in_the_packets_ffprobe_lists() {
    // The corpus's ipcm file: 40,000 frames of 2 bytes in 40 chunks, which ffprobe lists as 40 packets.
    let name = "exoplayer/mp4/sample_fixed_rechunk_no_elst.mp4";
    let demuxed = mp4::demux(&corpus(name)).unwrap();
    let track = &demuxed.tracks[0];
    assert_eq!(
        (
            track.kind,
            track.config.codec.as_str(),
            track.config.sample_rate,
            track.config.channels
        ),
        (TrackKind::Audio, "pcm-s16", 8000, 1)
    );
    let probe = ffprobe(&conformance_dir().join(name));
    assert_eq!(our_packets(track), ffprobe_packets(&probe, track.id));
    assert_eq!(track.samples.len(), 40);

    // What ffmpeg writes: every QuickTime PCM sample entry type (ffmpeg 5.1 writes no `ipcm`), 2.5 s of
    // stereo at 44.1 kHz in chunks larger than a packet of 1024 frames; above 65,535 Hz, a version 2 `lpcm`
    // sound description.
    let mut cases: Vec<_> = PCM_FILES
        .iter()
        .map(|&(encoder, entry, codec)| (encoder, entry, codec, 2, 44_100))
        .collect();
    cases.push(("pcm_s16le", "lpcm", "pcm-s16", 6, 96_000));
    cases.push(("pcm_s24le", "lpcm", "pcm-s24", 2, 96_000));
    for (encoder, entry, codec, channels, rate) in cases {
        let path = scratch(&format!("{encoder}-{channels}-{rate}.mov"));
        let made = tool("ffmpeg")
            .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
            .arg(format!("sine=frequency=440:sample_rate={rate}:duration=2.5"))
            .args(["-ac", &channels.to_string(), "-c:a", encoder])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            made.status.success(),
            "ffmpeg {encoder}: {}",
            std::str::from_utf8(&made.stderr).unwrap()
        );
        let file = fs::read(&path).unwrap();
        assert!(
            file.windows(4).any(|w| w == entry.as_bytes()),
            "{encoder}: no '{entry}' entry"
        );
        let demuxed = mp4::demux(&file).unwrap();
        let track = &demuxed.tracks[0];
        assert_eq!(
            (
                track.config.codec.as_str(),
                track.config.sample_rate,
                track.config.channels
            ),
            (codec, rate, channels),
            "{encoder} {channels}ch {rate} Hz"
        );
        assert_eq!(
            our_packets(track),
            ffprobe_packets(&ffprobe(&path), track.id),
            "{encoder} {channels}ch {rate} Hz"
        );
    }
}

#[test]
fn tracks_that_cannot_play_are_left_out() {
    // Track 2 is sound without a sample description: dropped, the video plays.
    let demuxed = mp4::demux(&corpus("exoplayer/mp4/sample_missing_stsd.mp4")).unwrap();
    let ids: Vec<_> = demuxed.tracks.iter().map(|t| (t.id, t.kind)).collect();
    assert_eq!(ids, [(1, TrackKind::Video)]);
    assert_eq!(demuxed.tracks[0].samples.len(), 30);
    // Timecode, metadata and chapter tracks beside the pictures and sound.
    for (name, tracks) in [
        ("exoplayer/mp4/dolbyVision-hdr.MOV", 2),
        ("exoplayer/mp4/sample_with_chapters.mp4", 2),
        ("exoplayer/mp4/sample_with_vobsub.mp4", 2),
    ] {
        assert_eq!(mp4::demux(&corpus(name)).unwrap().tracks.len(), tracks, "{name}");
    }
    // With its only track broken, the file is refused.
    let mut file = corpus("exoplayer/mp4/sample_missing_stsd.mp4");
    let at = file.windows(4).position(|w| w == b"avcC").unwrap();
    file[at..at + 4].copy_from_slice(b"avcX");
    let error = mp4::demux(&file).unwrap_err();
    assert_eq!(error.code(), ErrorCode::MalformedInput, "{error}");
}

#[test]
fn a_movie_without_a_movie_header() {
    // No `mvhd`: its timescale only counts edit lists' empty edits, which this file has none of. Its edit
    // list starts the video at media time 166 (the B-frame delay); ffmpeg, without a movie timescale,
    // ignores the edit list, so its times are ours plus 166.
    let name = "mp4parse/capi/no_timescale.mp4";
    let demuxed = mp4::demux(&corpus(name)).unwrap();
    let probe = ffprobe(&conformance_dir().join(name));
    let ours: Vec<_> = our_packets(&demuxed.tracks[0])
        .into_iter()
        .map(|(pts, size, key)| (pts + 166, size, key))
        .collect();
    assert_eq!(ours, ffprobe_packets(&probe, demuxed.tracks[0].id));
}

#[test]
fn an_mdat_claiming_more_than_the_file_holds() {
    // Every sample lies inside the file: read whole, and by Range reads of the `moov` alone.
    let file = corpus("exoplayer/mp4/sample_mdat_too_long.mp4");
    let demuxed = mp4::demux(&file).unwrap();
    let counts: Vec<_> = demuxed.tracks.iter().map(|t| t.samples.len()).collect();
    assert_eq!(counts, [30, 45]);
    let mut locator = BoxLocator::new(*b"moov", file.len() as u64);
    let mut step = locator.start();
    while let Locate::Read { offset, len } = step {
        step = locator.feed(&file[offset as usize..(offset + len) as usize]).unwrap();
    }
    let Locate::Found { offset, size } = step else {
        unreachable!()
    };
    let movie = Movie::parse_moov(&file[offset as usize..(offset + size) as usize], file.len() as u64).unwrap();
    movie.check_sample_data(file.len() as u64).unwrap();
    assert_eq!(movie.into_demuxed(), demuxed);

    // A sample that really lies past the end is still a truncated file.
    let last_end = demuxed
        .tracks
        .iter()
        .flat_map(|t| &t.samples)
        .map(|s| s.offset + u64::from(s.size))
        .max()
        .unwrap();
    let cut = &file[..last_end as usize - 1];
    let error = mp4::demux(cut).unwrap_err();
    assert_eq!(error.code(), ErrorCode::MalformedInput);
    assert!(error.message().contains("truncated"), "{error}");

    // An I-frame playlist's segments: byte ranges holding the first sample of a fragment whose `mdat`
    // and `trun` go on; ffprobe lists that one packet.
    let init = corpus("shaka/hls-iframe-only/media.mp4");
    let moov = reelcut::demux::boxes::top_level_boxes(&init)
        .unwrap()
        .into_iter()
        .find(|b| &b.kind == b"moov")
        .unwrap();
    let movie = Movie::parse_moov(reelcut::demux::boxes::box_bytes(&init, &moov), u64::MAX).unwrap();
    for name in [
        "shaka/hls-iframe-only/segment--00001.mp4",
        "shaka/hls-iframe-only/segment--00002.mp4",
    ] {
        let segment = corpus(name);
        let read = FragmentReader::new(&movie).read(&segment).unwrap();
        let samples = &read.tracks[0].samples;
        assert_eq!(samples.len(), 1, "{name}");
        assert!(samples[0].key);
        assert_eq!(
            samples[0].offset + u64::from(samples[0].size),
            segment.len() as u64,
            "{name}"
        );
        // Cut inside that sample: an error, not a shorter sample.
        assert!(
            FragmentReader::new(&movie).read(&segment[..segment.len() - 1]).is_err(),
            "{name}"
        );
    }
}

/// ExoPlayer's dump of a file: per track, each sample's `flags` (1 = key frame).
fn exoplayer_flags(dump: &str) -> Vec<Vec<u32>> {
    let mut tracks: Vec<Vec<u32>> = Vec::new();
    for line in dump.lines() {
        let line = line.trim();
        if line.starts_with("track ") && line.ends_with(':') {
            tracks.push(Vec::new());
        } else if let Some(flags) = line.strip_prefix("flags = ") {
            tracks.last_mut().unwrap().push(flags.parse().unwrap());
        }
    }
    tracks
}

#[test]
fn fragment_sync_flags_match_exoplayer() {
    // `trun` first-sample flags (a key frame) over `tfhd` default flags (non-sync samples). ffprobe reads
    // this file's first video sample as no key frame (and reads its sample data from the wrong bytes);
    // ExoPlayer's dump says key frame.
    for name in [
        "sample_fragmented_uuid.mp4",
        "sample_fragmented.mp4",
        "sample_fragmented_seekable.mp4",
    ] {
        let demuxed = mp4::demux(&corpus(&format!("exoplayer/mp4/{name}"))).unwrap();
        let dump = fs::read_to_string(conformance_dir().join(format!("exoplayer/mp4/dumps/{name}.0.dump"))).unwrap();
        let expected = exoplayer_flags(&dump);
        assert_eq!(expected.len(), demuxed.tracks.len(), "{name}");
        for (track, flags) in demuxed.tracks.iter().zip(expected) {
            let ours: Vec<bool> = track.samples.iter().map(|s| s.key).collect();
            let theirs: Vec<bool> = flags.iter().map(|f| f & 1 != 0).collect();
            assert_eq!(ours, theirs, "{name} track {}", track.id);
        }
    }
}

#[test]
fn encrypted_media_is_refused_naming_its_scheme() {
    for (name, init, scheme) in [
        ("mp4parse/capi/short-cenc.mp4", None, "cenc"),
        ("mp4parse/bipbop_cbcs_video_init.mp4", None, "cbcs"),
        ("exoplayer/mp4/sample_ac4_protected.mp4", None, "cenc"),
        ("shaka/clear-encrypted-hls/audio-init-encrypted.mp4", None, "cbcs"),
        (
            "shaka/singles/encrypted-sintel-video-segment.mp4",
            Some("shaka/singles/encrypted-sintel-video-init.mp4"),
            "cenc",
        ),
    ] {
        let mut bytes = init.map(corpus).unwrap_or_default();
        bytes.extend(corpus(name));
        let error = mp4::demux(&bytes).unwrap_err();
        assert_eq!(error.code(), ErrorCode::Unsupported, "{name}: {error}");
        assert!(
            error.message().contains(&format!("encrypted ({scheme})")),
            "{name}: {error}"
        );
    }
}

#[test]
fn display_matrix_and_pixel_aspect_are_read() {
    // A transpose matrix (0 1 / 1 0): mirrored, then turned 270° clockwise. ffprobe reports it as a
    // rotation of -90 (turned 90° clockwise, then flipped).
    let demuxed = mp4::demux(&corpus("exoplayer/mp4/sample_rotate_and_reflect.mp4")).unwrap();
    let video = demuxed.tracks.iter().find(|t| t.kind == TrackKind::Video).unwrap();
    assert_eq!((video.display.rotation, video.display.mirror), (270, true));
    let probe = ffprobe(&conformance_dir().join("exoplayer/mp4/sample_rotate_and_reflect.mp4"));
    assert_eq!(ffprobe_rotation(&probe), -90);
    // A portrait picture stored upright: no turn.
    let demuxed = mp4::demux(&corpus("exoplayer/mp4/sample_portrait.mp4")).unwrap();
    let video = demuxed.tracks.iter().find(|t| t.kind == TrackKind::Video).unwrap();
    assert_eq!(video.display, Display::default());
    assert_eq!((video.config.width, video.config.height), (720, 1080));
    // Sound has no display.
    assert!(demuxed
        .tracks
        .iter()
        .filter(|t| t.kind == TrackKind::Audio)
        .all(|t| t.display == Display::default()));
}

/// The fixture's tracks as tracks to write, with `display` on the video.
fn rewritten(file: &[u8], tracks: &[Track], display: Display) -> Vec<MuxTrack<'static>> {
    tracks
        .iter()
        .map(|track| {
            let samples: Vec<MuxSample> = track
                .samples
                .iter()
                .map(|s| MuxSample {
                    dts: s.dts,
                    pts: s.pts,
                    duration: s.duration,
                    key: s.key,
                    data: Cow::Owned(s.data_in(file).unwrap().to_vec()),
                    unread: None,
                })
                .collect();
            let (start, end) = track.presentation_span().unwrap();
            MuxTrack {
                kind: track.kind,
                timescale: track.timescale,
                config: track.config.clone(),
                samples,
                shown: (start.max(0), end),
                display: if track.kind == TrackKind::Video {
                    display
                } else {
                    Display::default()
                },
            }
        })
        .collect()
}

#[test]
fn exports_keep_the_turn_mirroring_and_pixel_aspect() {
    let source = fs::read(repo().join("tests/fixtures/baseline_mono44k_faststart.mp4")).unwrap();
    let tracks = mp4::demux(&source).unwrap().tracks;
    for rotation in [0, 90, 180, 270] {
        for mirror in [false, true] {
            let display = Display {
                rotation,
                mirror,
                pixel_aspect: (4, 3),
            };
            for container in [Container::Mp4, Container::Fmp4] {
                let written = mux::mp4::write(&rewritten(&source, &tracks, display), container).unwrap();
                let read = mp4::demux(&written).unwrap();
                let video = read.tracks.iter().find(|t| t.kind == TrackKind::Video).unwrap();
                assert_eq!(video.display, display, "{container:?}");
            }
            if mirror {
                continue;
            }
            // ffprobe reads the same turn (counter-clockwise) and pixel aspect ratio.
            let path = scratch(&format!("turned-{rotation}.mp4"));
            fs::write(
                &path,
                mux::mp4::write(&rewritten(&source, &tracks, display), Container::Mp4).unwrap(),
            )
            .unwrap();
            let probe = ffprobe(&path);
            assert_eq!(
                (360 - ffprobe_rotation(&probe)) % 360,
                i64::from(rotation),
                "rotation {rotation}"
            );
            let video = probe["streams"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["codec_type"] == "video")
                .unwrap();
            assert_eq!(video["sample_aspect_ratio"], "4:3");
        }
    }

    // The trim CLI (the browser export's plan and writer) keeps a turned source's display.
    let display = Display {
        rotation: 90,
        mirror: false,
        pixel_aspect: (1, 1),
    };
    let input = scratch("turned-source.mp4");
    fs::write(
        &input,
        mux::mp4::write(&rewritten(&source, &tracks, display), Container::Mp4).unwrap(),
    )
    .unwrap();
    let output = scratch("turned-clip.mp4");
    let trimmed = Command::new(common::example_binary("trim"))
        .arg(&input)
        .args(["--start", "0.5", "--end", "1.5", "-o"])
        .arg(&output)
        .output()
        .unwrap();
    assert!(
        trimmed.status.success(),
        "trim: {}",
        std::str::from_utf8(&trimmed.stderr).unwrap()
    );
    let clip = mp4::demux(&fs::read(&output).unwrap()).unwrap();
    let video = clip.tracks.iter().find(|t| t.kind == TrackKind::Video).unwrap();
    assert_eq!(video.display, display);
    assert_eq!(ffprobe_rotation(&ffprobe(&output)), -90);
}
