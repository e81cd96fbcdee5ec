//! Every class of bad input gets a typed error (or, for MPEG-TS damage, a resynced stream with the damage
//! reported): never a panic, a hang, or an allocation the input does not justify.

// A failed unwrap here is a failed test, not a crash in a user's browser.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

#[path = "common/corpus.rs"]
mod corpus;

use reelcut::demux::boxes::{read_header, top_level_boxes};
use reelcut::demux::fmp4::FragmentReader;
use reelcut::demux::movie::Movie;
use reelcut::demux::mp4;
use reelcut::demux::ts::{self, Damage};
use reelcut::demux::{detect_format, Format};
use reelcut::hls::playlist::{self, Playlist};
use reelcut::ErrorCode;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)).unwrap()
}

/// Deterministic pseudo-random bytes (xorshift), so failures reproduce.
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as u8
        })
        .collect()
}

/// Where the body of the `nth` box of type `kind` starts in `bytes` (found by its type bytes: the fixtures'
/// sample data holds no such text where these tests look).
fn box_body(bytes: &[u8], kind: &[u8; 4], nth: usize) -> usize {
    let at = bytes
        .windows(4)
        .enumerate()
        .filter(|(_, w)| w == kind)
        .nth(nth)
        .unwrap()
        .0;
    at + 4
}

/// Overwrites the big-endian `u32` at `at`.
fn put_u32(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at..at + 4].copy_from_slice(&value.to_be_bytes());
}

#[test]
fn truncated_mp4_at_every_point_is_an_error_never_a_panic() {
    for name in ["high_bframes_moovend.mp4", "baseline_mono44k_faststart.mp4"] {
        let file = fixture(name);
        for len in (0..file.len())
            .step_by(997)
            .chain([file.len() - 1, 7, 8, 9, 15, 16, 17])
        {
            let error = mp4::demux(&file[..len]).unwrap_err();
            assert_eq!(
                error.code(),
                ErrorCode::MalformedInput,
                "{name} cut to {len} bytes: {error}"
            );
        }
        assert!(mp4::demux(&file).is_ok());
    }
}

#[test]
fn a_truncated_download_asks_for_more_then_gives_the_same_header() {
    let file = fixture("high_bframes_moovend.mp4");
    // mdat uses a 64-bit size? No: but any header needs 8 bytes, and a cut one says "need more".
    for cut in 0..8 {
        assert_eq!(read_header(&file[..cut], 0).unwrap(), None);
    }
    let whole = read_header(&file, 0).unwrap().unwrap();
    assert_eq!(read_header(&file[..8], 0).unwrap(), Some(whole));
}

#[test]
fn boxes_larger_than_the_file_or_their_parent() {
    let mut file = fixture("baseline_mono44k_faststart.mp4");
    // The first box (ftyp) claims a size far past the end of the file.
    file[..4].copy_from_slice(&0x7FFF_FFFFu32.to_be_bytes());
    let error = mp4::demux(&file).unwrap_err();
    assert_eq!(error.code(), ErrorCode::MalformedInput);
    assert!(error.message().contains("truncated"), "{error}");

    // A box inside moov (mvhd) claims more bytes than moov holds.
    let file = fixture("high_bframes_moovend.mp4");
    let boxes = top_level_boxes(&file).unwrap();
    let moov = boxes.iter().find(|b| &b.kind == b"moov").unwrap();
    let mut moov_bytes = file[moov.offset as usize..].to_vec();
    moov_bytes[8..12].copy_from_slice(&0x0010_0000u32.to_be_bytes());
    let error = Movie::parse_moov(&moov_bytes, file.len() as u64).unwrap_err();
    assert_eq!(error.code(), ErrorCode::MalformedInput, "{error}");
}

#[test]
fn sample_counts_that_cannot_fit_in_the_file() {
    // stsz: version and flags, one size for every sample, sample count.
    let mut file = fixture("high_bframes_moovend.mp4");
    let stsz = box_body(&file, b"stsz", 0);
    put_u32(&mut file, stsz + 4, 1);
    put_u32(&mut file, stsz + 8, u32::MAX);
    let error = mp4::demux(&file).unwrap_err();
    assert_eq!(error.code(), ErrorCode::LimitExceeded, "{error}");

    // A size table that claims more entries than its box holds.
    let mut file = fixture("high_bframes_moovend.mp4");
    put_u32(&mut file, stsz + 8, u32::MAX);
    let error = mp4::demux(&file).unwrap_err();
    assert_eq!(error.code(), ErrorCode::MalformedInput, "{error}");
}

#[test]
fn a_fragment_claiming_billions_of_samples() {
    let init = fixture("hls_fmp4/init.mp4");
    let boxes = top_level_boxes(&init).unwrap();
    let moov = boxes.iter().find(|b| &b.kind == b"moov").unwrap();
    let movie = Movie::parse_moov(
        &init[moov.offset as usize..(moov.offset + moov.size.unwrap()) as usize],
        u64::MAX,
    )
    .unwrap();
    let segment = fixture("hls_fmp4/seg0.m4s");
    let boxes = top_level_boxes(&segment).unwrap();
    let moof_box = boxes.iter().find(|b| &b.kind == b"moof").unwrap();
    // The second track's trun: flags reduced to a data offset (no per-sample fields, so each sample
    // takes no bytes of the box), and a sample count of four billion.
    let mut bytes = segment.clone();
    let trun = box_body(&bytes[moof_box.offset as usize..], b"trun", 1) + moof_box.offset as usize;
    put_u32(&mut bytes, trun, 0x0000_0001);
    put_u32(&mut bytes, trun + 4, u32::MAX);
    let error = FragmentReader::new(&movie).read(&bytes).unwrap_err();
    assert_eq!(error.code(), ErrorCode::LimitExceeded, "{error}");
    // The untouched segment reads fine with the same reader.
    assert_eq!(
        FragmentReader::new(&movie).read(&segment).unwrap().tracks[0]
            .samples
            .len(),
        60
    );
}

#[test]
fn an_unknown_codec_is_listed_under_its_sample_entry_type() {
    let mut file = fixture("high_bframes_moovend.mp4");
    let at = file.windows(4).position(|w| w == b"mp4a").unwrap();
    file[at..at + 4].copy_from_slice(b"ac-4");
    let demuxed = mp4::demux(&file).unwrap();
    assert_eq!(demuxed.tracks[1].config.codec, "ac-4");
    assert_eq!(demuxed.tracks[1].samples.len(), 283);
    assert_eq!(demuxed.tracks[0].config.codec, "avc1.64001e");
}

#[test]
fn zero_timescales() {
    // The second track's mdhd: version and flags, creation and modification times, timescale.
    let mut file = fixture("high_bframes_moovend.mp4");
    let mdhd = box_body(&file, b"mdhd", 1);
    let timescale_at = if file[mdhd] == 1 { mdhd + 20 } else { mdhd + 12 };
    put_u32(&mut file, timescale_at, 0);
    let error = mp4::demux(&file).unwrap_err();
    assert_eq!(error.code(), ErrorCode::MalformedInput);
    assert!(error.message().contains("zero timescale"), "{error}");
}

#[test]
fn composition_offsets_at_the_ends_of_their_range() {
    // The first `ctts` entry's offset made the most negative and the most positive 32-bit values: the times
    // saturate rather than overflow, and no sample is decoded after it is shown.
    for offset in [0x8000_0000, 0x7fff_ffff] {
        let mut file = fixture("high_bframes_moovend.mp4");
        // Version and flags, entry count, then (sample count, offset) pairs.
        let ctts = box_body(&file, b"ctts", 0);
        put_u32(&mut file, ctts + 12, offset);
        let demuxed = mp4::demux(&file).unwrap();
        for track in &demuxed.tracks {
            assert!(track.samples.iter().all(|s| s.dts <= s.pts), "offset {offset:#x}");
        }
    }
}

#[test]
#[allow(clippy::disallowed_methods)] // random bytes as text, control characters and all
fn random_bytes() {
    for seed in 1..50u64 {
        let bytes = noise(4096, seed);
        assert!(mp4::demux(&bytes).is_err());
        assert!(ts::demux(&bytes).is_err());
        assert!(Movie::parse_moov(&bytes, 1 << 20).is_err());
        assert!(playlist::parse(&String::from_utf8_lossy(&bytes), "http://h/p.m3u8").is_err());
        // Random bytes that happen to start like TS still come out as an error or a damage report.
        let mut ts_like = bytes.clone();
        for packet in ts_like.chunks_mut(188) {
            packet[0] = 0x47;
        }
        let _ = ts::demux(&ts_like);
    }
    assert_eq!(detect_format(b"hello world, not media"), None);
}

#[test]
fn ts_with_broken_sync_bytes_is_resynced_and_reported() {
    let clean = fixture("hls_ts/seg0.ts");
    let clean_samples = ts::demux(&clean)
        .unwrap()
        .demuxed
        .tracks
        .iter()
        .map(|t| t.samples.len())
        .sum::<usize>();
    let mut damaged = clean.clone();
    // Break the sync byte of packet 100 and insert 3 stray bytes after packet 300.
    damaged[100 * 188] = 0x00;
    damaged.splice(301 * 188..301 * 188, [1, 2, 3]);
    let out = ts::demux(&damaged).unwrap();
    let lost: Vec<_> = out
        .damage
        .iter()
        .filter(|d| matches!(d, Damage::LostSync { .. }))
        .collect();
    assert_eq!(lost.len(), 2, "{:?}", out.damage);
    assert!(matches!(lost[1], Damage::LostSync { offset, skipped: 3, .. } if *offset == 301 * 188));
    // Only the PES packet that lost its packet is dropped: one video access unit, or one audio PES
    // (ffmpeg packs several AAC frames into each).
    assert_eq!(
        out.damage
            .iter()
            .filter(|d| matches!(d, Damage::ContinuityGap { .. }))
            .count(),
        1,
        "{:?}",
        out.damage
    );
    let samples: usize = out.demuxed.tracks.iter().map(|t| t.samples.len()).sum();
    assert!(
        samples < clean_samples && samples + 10 >= clean_samples,
        "{samples} of {clean_samples}"
    );
}

#[test]
fn ts_truncated_packets_and_lost_packets() {
    let clean = fixture("hls_ts/seg1.ts");
    let out = ts::demux(&clean[..clean.len() - 100]).unwrap();
    assert!(
        out.damage.iter().any(|d| matches!(d, Damage::TruncatedPacket { .. })),
        "{:?}",
        out.damage
    );

    // Drop one packet from the middle: the continuity counter of its PID jumps, and the report names the
    // presentation time of the PES packet that was dropped with it.
    let mut gappy = clean.clone();
    gappy.drain(200 * 188..201 * 188);
    let out = ts::demux(&gappy).unwrap();
    let Some(&Damage::ContinuityGap {
        pid,
        offset,
        expected,
        found,
        time: Some(time),
    }) = out.damage.first()
    else {
        panic!("{:?}", out.damage)
    };
    assert_eq!((offset, found), (200 * 188, (expected + 1) % 16));
    let pts = |segment: &ts::TsSegment| -> Vec<i64> {
        let track = segment.demuxed.tracks.iter().find(|t| t.id == u32::from(pid)).unwrap();
        track.samples.iter().map(|s| s.pts).collect()
    };
    assert!(pts(&ts::demux(&clean).unwrap()).contains(&time));
    assert!(!pts(&out).contains(&time));

    // Cut anywhere: an error or a damage report, never a panic.
    for len in (0..clean.len()).step_by(1009) {
        let _ = ts::demux(&clean[..len]);
    }
    assert_eq!(ts::demux(&[]).unwrap_err().code(), ErrorCode::MalformedInput);
}

#[test]
fn ts_without_a_program_table() {
    let clean = fixture("hls_ts/seg0.ts");
    // Keep only packets whose PID is not 0 (the PAT): the PMT is never found.
    let without_pat: Vec<u8> = clean
        .chunks(188)
        .filter(|p| ((u16::from(p[1] & 0x1F) << 8) | u16::from(p[2])) != 0)
        .flatten()
        .copied()
        .collect();
    let error = ts::demux(&without_pat).unwrap_err();
    assert_eq!(error.code(), ErrorCode::MalformedInput);
    assert!(error.message().contains("program table"), "{error}");
}

#[test]
fn playlists_with_garbage_lines_or_absurd_values() {
    let base = "http://h/live/index.m3u8";
    // Garbage lines that are comments or unknown tags are ignored, as RFC 8216 asks.
    let tolerant = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n# a comment\n#EXT-X-SOMETHING-NEW:1\n#EXTINF:2,\na.ts\n";
    assert!(playlist::parse(tolerant, base).is_ok());
    for (text, code) in [
        ("", ErrorCode::MalformedInput),
        ("\u{0}\u{1}binary", ErrorCode::MalformedInput),
        (
            "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:-1,\na.ts\n",
            ErrorCode::MalformedInput,
        ),
        (
            "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:inf,\na.ts\n",
            ErrorCode::MalformedInput,
        ),
        (
            "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:99999999999999999999\n#EXTINF:1,\na.ts\n",
            ErrorCode::MalformedInput,
        ),
        (
            "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:9999999999999999\n#EXTINF:1,\na.ts\n",
            ErrorCode::LimitExceeded,
        ),
        (
            "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:1,\n",
            ErrorCode::MalformedInput,
        ),
        (
            "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=x\nlow.m3u8\n",
            ErrorCode::MalformedInput,
        ),
    ] {
        let error = playlist::parse(text, base).unwrap_err();
        assert_eq!(error.code(), code, "{text:?}: {error}");
    }
    // A PROGRAM-DATE-TIME with a year past four digits (which would overflow the day arithmetic) is no date,
    // like any other malformed one: the segment is undated and the playlist still reads.
    for year in ["99999999999999", "10000", "9223372036854775807", "99999999999999999999"] {
        let text = format!(
            "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-PROGRAM-DATE-TIME:{year}-01-01T00:00:00Z\n#EXTINF:2,\na.ts\n\
             #EXT-X-PROGRAM-DATE-TIME:2026-11-21T11:19:09.344Z\n#EXTINF:2,\nb.ts\n"
        );
        let Ok(Playlist::Media(media)) = playlist::parse(&text, base) else {
            panic!("{text:?} did not parse as a media playlist");
        };
        let dates: Vec<_> = media.segments.iter().map(|s| s.program_date_time).collect();
        assert_eq!(dates, [None, Some(1_795_259_949_344.0)], "year {year}");
    }
    let huge = format!(
        "#EXTM3U\n#EXT-X-TARGETDURATION:2\n{}",
        "#EXTINF:1,\na.ts\n".repeat(200_001)
    );
    assert_eq!(
        playlist::parse(&huge, base).unwrap_err().code(),
        ErrorCode::LimitExceeded
    );
}

#[test]
fn formats_are_recognised_from_their_first_bytes() {
    assert_eq!(detect_format(&fixture("hls_ts/seg0.ts")), Some(Format::Ts));
    assert_eq!(detect_format(&fixture("hls_fmp4/seg0.m4s")), Some(Format::Mp4));
    assert_eq!(detect_format(&fixture("high_bframes_moovend.mp4")), Some(Format::Mp4));
    assert_eq!(detect_format(&fixture("voice.wav")), None);
}

/// The readers this project gained for what other players' files hold (QuickTime sound descriptions and PCM,
/// the display matrix, HEVC, MPEG audio, AC-3, DTS, LATM and Opus in MPEG-TS, packed audio), fed real files of
/// the conformance corpus cut short at many points, with bytes overwritten, and with random bytes after a
/// real start: each read ends with samples or a typed error, never a panic.
#[test]
fn the_real_world_readers_on_cut_corrupt_and_random_input() {
    let corpus = corpus::conformance_dir();
    for name in [
        "exoplayer/mp4/bt601.mov",
        "exoplayer/mp4/sample_fixed_rechunk_no_elst.mp4",
        "exoplayer/mp4/sample_rotate_and_reflect.mp4",
        "exoplayer/ts/sample_h265.ts",
        "exoplayer/ts/sample_h264_mpeg_audio.ts",
        "exoplayer/ts/sample_ac3.ts",
        "exoplayer/ts/sample_ait.ts",
        "exoplayer/ts/sample_h264_dts_audio.ts",
        "exoplayer/ts/sample_latm.ts",
        "exoplayer/ts/sample_with_junk",
        "mux.js/test-middle-pat-pmt.ts",
        "shaka/hls-raw-aac/fileSequence0.aac",
        "exoplayer/ts/sample.adts",
    ] {
        let whole = std::fs::read(corpus.join(name)).unwrap();
        let read = |bytes: &[u8]| {
            let result = match detect_format(bytes) {
                Some(Format::Mp4) => mp4::demux(bytes).map(|_| ()),
                Some(Format::Ts) => ts::demux(bytes).map(|_| ()),
                Some(Format::PackedAudio) => reelcut::demux::packed_audio::demux(bytes).map(|_| ()),
                None => return,
            };
            if let Err(error) = result {
                assert!(!error.message().is_empty(), "{name}: an error without a message");
            }
        };
        let step = (whole.len() / 97).max(1);
        for cut in (0..whole.len()).step_by(step) {
            read(&whole[..cut]);
        }
        for seed in 1..=16u64 {
            let mut corrupt = whole.clone();
            let at = (seed as usize * 7919) % whole.len();
            let len = 64.min(whole.len() - at);
            corrupt[at..at + len].copy_from_slice(&noise(len, seed));
            read(&corrupt);
            let mut tail = whole[..whole.len().min(1024)].to_vec();
            tail.extend(noise(64 * 1024, seed));
            read(&tail);
        }
    }
}
