//! The conformance tier: every media file of the conformance corpus (`../shared/conformance`, or
//! `REELCUT_CONFORMANCE`) read by our demuxers and compared with what ffprobe reads from the same bytes.
//!
//! ffprobe's reading is committed in `tests/conformance/ffprobe.tsv`, one line per file: per audio and video
//! stream its kind, codec, packet count, total bytes and a hash of every packet's size and key flag in
//! decode order; then, in columns of their own, per stream a hash of every packet's presentation and decode
//! time (in microseconds) and a hash of every packet's CRC-32 (ffprobe's `-show_data_hash`). A bare fMP4 segment is read after the initialization segment `PROBE.tsv` pairs
//! it with, as ffprobe read it. Our reading is summed up the same way (the stored sample sizes, which are
//! ffprobe's packet sizes), so two equal summaries mean the same samples, sample for sample, two equal
//! time summaries the same times, and two equal data summaries the same bytes (compared where we hand the
//! decoder the bytes as stored).
//!
//! Each file either matches or is listed in [`EXPLAINED`] with what we do instead (refuse it with a
//! given error, or read a given different summary) and why; a file whose samples match and whose times
//! differ is listed in [`EXPLAINED_TIMES`] with why. The test asserts both: a file that stops matching
//! fails it, and so does an explained file whose outcome changes, so the lists stay true.
//!
//! `REELCUT_CONFORMANCE_REGENERATE=1 cargo test --test conformance` runs ffprobe over the corpus again and
//! rewrites `ffprobe.tsv` (review the diff: a change of ffprobe version can change its reading).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/corpus.rs"]
mod corpus;

// Shared with the CLIs: the same reading `inspect` prints.
#[allow(dead_code)]
#[path = "../examples/common/local_media.rs"]
mod local_media;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use corpus::{conformance_dir, repo};
use reelcut::error::ErrorCode;
use reelcut::media::TrackKind;

/// What we do with a file instead of matching ffprobe.
#[derive(Debug, Clone, Copy)]
enum Outcome {
    /// We refuse it with this code and a message containing this text.
    Refused(ErrorCode, &'static str),
    /// We read it, and this is our summary (see [`summary`]).
    Reads(&'static str),
}

/// Files we read differently from ffprobe, or refuse: (file, what we do, why).
const EXPLAINED: &[(&str, Outcome, &str)] = &[
    (
        "mp4-rust/big_buck_bunny_metadata.m4v",
        Outcome::Reads("audio:aac:47:19529:6bf72326 video:h264:24:20060:875bc24a"),
        COVER_ART,
    ),
    (
        "mp4parse/metadata.mp4",
        Outcome::Reads("audio:aac:3:519:7d38a403 video:h264:1:751:ab6fe06f"),
        COVER_ART,
    ),
    (
        "mp4parse/metadata_gnre.mp4",
        Outcome::Reads("audio:aac:3:519:7d38a403 video:h264:1:751:ab6fe06f"),
        COVER_ART,
    ),
    (
        "exoplayer/ts/sample_with_id3.adts",
        Outcome::Reads("audio:aac:144:31805:96318e44"),
        "ffprobe lists the picture in the ID3 tag (APIC) as a video stream of one mjpeg picture; it is \
         metadata, not a track, and we leave it out",
    ),
    (
        "exoplayer/mp4/large_stbl_truncated_after_moov.m4b",
        Outcome::Refused(ErrorCode::MalformedInput, "(truncated?)"),
        CUT_OFF,
    ),
    (
        "mp4parse/capi/bipbop_nonfragment_header.mp4",
        Outcome::Refused(ErrorCode::MalformedInput, "(truncated?)"),
        CUT_OFF,
    ),
    (
        "mp4parse/invalid_userdata.mp4",
        Outcome::Refused(ErrorCode::MalformedInput, "(truncated?)"),
        CUT_OFF,
    ),
    (
        "mp4parse/capi/zero_empty_stsc.mp4",
        Outcome::Refused(ErrorCode::MalformedInput, "(truncated?)"),
        CUT_SHORT,
    ),
    (
        "mp4parse/test_case_1185230.mp4",
        Outcome::Refused(ErrorCode::MalformedInput, "(truncated?)"),
        CUT_SHORT,
    ),
    (
        "exoplayer/ts/sample_cbs_truncated.adts",
        Outcome::Reads("audio:aac:143:31624:06d7aae8"),
        "the file ends inside its last ADTS frame: we leave the cut frame out, as ExoPlayer does (143 samples \
         in its dump); ffprobe lists it as a 144th packet",
    ),
    (
        "exoplayer/ts/sample_ait.ts",
        Outcome::Reads("audio:eac3:18:9216:8a445f4f"),
        "the file ends inside the last PES packet of its E-AC-3 stream: we drop a PES packet that lost data \
         and report it as damage (`truncated_packet`, `bad_pes`), as for any MPEG-TS damage; ffprobe keeps the \
         whole frame and the 200 bytes of the cut one that it holds",
    ),
    (
        "exoplayer/ts/sample_ac3.ts",
        Outcome::Reads("audio:ac3:8:12288:687689ad"),
        "8 AC-3 frames of 1536 bytes, as ExoPlayer's dump lists them; ffprobe's AC-3 parser also counts the \
         bytes of an ID3 tag in the stream as packets",
    ),
    (
        "exoplayer/ts/sample_h262_mpeg_audio.ts",
        Outcome::Reads("audio:mp2:4:5015:ce46318a"),
        MPEG2_VIDEO,
    ),
    (
        "exoplayer/ts/sample_scte35.ts",
        Outcome::Reads("audio:mp2:4:5015:ce46318a"),
        MPEG2_VIDEO,
    ),
    (
        "exoplayer/ts/sample_with_junk",
        Outcome::Reads("audio:mp2:4:5015:ce46318a"),
        "ffprobe misreads this MPEG-TS file, which starts with junk, as MPEG program stream; we resync on the \
         transport packets and read the same 4 MPEG audio frames as ExoPlayer's dump (and as in \
         sample_h262_mpeg_audio.ts, the same stream without the junk); its MPEG-2 video is left out: no \
         browser decodes it",
    ),
    (
        "exoplayer/mp4/sample_fragmented_uuid.mp4",
        Outcome::Reads("audio:aac:46:18257:d06a3d15 video:h264:30:85933:274a9f49"),
        "the key flags of the fragments: ours are the ones ExoPlayer's dump lists (the first sample's flags \
         say it is not a sync sample, and it is not an IDR picture); ffprobe marks it key",
    ),
    (
        "exoplayer/mp4/sample_missing_stsd.mp4",
        Outcome::Reads("video:h264:30:89876:bcc9787d"),
        "track 2 has no sample description, so nothing can decode it: we leave it out and play the video; \
         ffprobe lists it as a stream of unknown codec",
    ),
    (
        "exoplayer/mp4/sample_vvc.mp4",
        Outcome::Reads("video:vvc1:120:227011:38309b50"),
        "H.266/VVC, which ffprobe 5.1 does not know (\"unknown\"); we list it as `vvc1` with its samples \
         (no browser decodes it yet: playing rejects with unsupported_codec, keyframe exports copy it)",
    ),
    (
        "mp4parse/avif/valid.avif",
        Outcome::Refused(ErrorCode::MalformedInput, "no 'moov' box"),
        AVIF,
    ),
    (
        "mp4parse/avif/bug-1655846.avif",
        Outcome::Refused(ErrorCode::MalformedInput, "(truncated?)"),
        "an AVIF still image whose `meta` box claims more bytes than the file has: ffprobe reads no \
         bytes of it either (one packet of 0 bytes)",
    ),
    ("mp4parse/avif/alpha_video_fixed.avif", Outcome::Reads("none"), AVIF),
];

/// Encrypted files, which we refuse as `unsupported` (naming the scheme) rather than demux as if clear;
/// ffprobe reads their packets without decrypting them.
const ENCRYPTED: &[&str] = &[
    "exoplayer/mp4/sample_ac4_protected.mp4",
    "exoplayer/mp4/sample_fragmented_sgpd_v2.mp4",
    "mp4parse/bipbop-cenc-audioinit.mp4",
    "mp4parse/bipbop_480wp_1001kbps-cenc-video-key1-init.mp4",
    "mp4parse/bipbop_cbcs_audio_init.mp4",
    "mp4parse/bipbop_cbcs_video_init.mp4",
    "mp4parse/capi/av1-clearkey-cbcs-video.mp4",
    "mp4parse/capi/bipbop_cbcs_video_init.mp4",
    "mp4parse/capi/short-cenc.mp4",
    "shaka/clear-encrypted-hls/audio-enc-s1.mp4",
    "shaka/clear-encrypted-hls/audio-enc-s2.mp4",
    "shaka/clear-encrypted-hls/audio-enc-s3.mp4",
    "shaka/clear-encrypted-hls/audio-init-encrypted.mp4",
    "shaka/clear-encrypted-hls/video-init-encrypted.mp4",
    "shaka/hls-sample-aes/video.mp4",
    "shaka/singles/encrypted-sintel-audio-init.mp4",
    "shaka/singles/encrypted-sintel-audio-segment.mp4",
    "shaka/singles/encrypted-sintel-video-init.mp4",
    "shaka/singles/encrypted-sintel-video-segment.mp4",
    "shaka/singles/h265-cea-init.mp4",
    "shaka/singles/h265-cea-segment.mp4",
    "shaka/singles/incorrect-enca-init.mp4",
    "shaka/singles/init-fairplay.mp4",
    "shaka/singles/multidrm-video-init.mp4",
    "shaka/singles/multidrm-video-segment.mp4",
];

/// Files whose samples match ffprobe's and whose times do not: (file, why).
const EXPLAINED_TIMES: &[(&str, &str)] = &[
    (
        "exoplayer/mp4/iibbibb_editlist_videoonly.mp4",
        "the edit starts half-way through the first picture shown (media time 2.5 s, in a picture of 1 s from \
         2 s): we put media time 2.5 s at 0, as ISO/IEC 14496-12 says, so that picture shows from -0.5 s; \
         ffmpeg marks it to discard and moves the video's times on by another 0.5 s, so the next picture \
         starts at 0",
    ),
    (
        "exoplayer/mp4/dolbyVision-hdr.MOV",
        "the negative composition offsets (-40, -20) are the `ctts` table's last two entries, from which \
         ffmpeg takes no shift: it leaves pictures shown before they are decoded (pts 20, dts 60); we move \
         the decode times back by 40 ticks, the shift the file's own `cslg` box states",
    ),
    (
        "mp4parse/capi/no_timescale.mp4",
        "a fragmented file whose one edit (no duration, media time 166: the first picture's composition \
         offset) we apply, so the first picture shows at 0; ffprobe leaves this file's fragments at their \
         stored times",
    ),
    ("shaka/hls-iframe-only/segment--00001.mp4", FRAGMENT_DTS_SHIFT),
    ("shaka/hls-iframe-only/segment--00002.mp4", FRAGMENT_DTS_SHIFT),
    (
        "exoplayer/ts/sample.adts",
        "ADTS is timed in 90 kHz ticks, the MPEG-TS clock HLS times packed audio in: each frame's time is \
         rounded to the nearest tick, within 5.6 microseconds of ffprobe's exact 1/28224000 s",
    ),
    ("mux.js/test-aac-segment.aac", ID3_TIMESTAMP),
    ("shaka/hls-raw-aac/fileSequence0.aac", ID3_TIMESTAMP),
    ("shaka/hls-raw-aac/fileSequence1.aac", ID3_TIMESTAMP),
    ("shaka/hls-raw-aac/fileSequence2.aac", ID3_TIMESTAMP),
    ("shaka/hls-raw-aac/fileSequence3.aac", ID3_TIMESTAMP),
    ("shaka/hls-ts-raw-aac/fileSequence0.ts", ID3_TIMESTAMP),
    ("shaka/hls-ts-raw-aac/fileSequence1.ts", ID3_TIMESTAMP),
    ("shaka/hls-ts-raw-aac/fileSequence2.ts", ID3_TIMESTAMP),
    ("shaka/hls-ts-raw-aac/fileSequence3.ts", ID3_TIMESTAMP),
    ("shaka/singles/id3-metadata.aac", ID3_TIMESTAMP),
    ("exoplayer/ts/sample_latm.ts", AUDIO_IN_PES),
    ("mux.js/sintel-captions.ts", AUDIO_IN_PES),
    ("mux.js/test-middle-pat-pmt.ts", AUDIO_IN_PES),
    ("mux.js/test-segment.ts", AUDIO_IN_PES),
];

const FRAGMENT_DTS_SHIFT: &str = "a fragment with negative composition offsets (`trun` version 1): we keep the \
                                  times it gives, so its key frame shows at the segment's start; ffmpeg shows \
                                  every picture of the track later by the largest negative offset (its \
                                  `dts_shift`, 2000 ticks here)";

const ID3_TIMESTAMP: &str = "packed audio whose ID3 tag gives the 90 kHz time of its first frame \
                             (`com.apple.streaming.transportStreamTimestamp`, RFC 8216 section 3.4): our times \
                             start there, where an HLS player places the segment; ffprobe's start at 0";

const AUDIO_IN_PES: &str = "the frames after the first in a PES packet are timed by counting their samples from \
                            the packet's time: we round each time to the nearest 90 kHz tick, ffmpeg rounds it \
                            down, so some frames' times differ by one tick (11 microseconds)";

const COVER_ART: &str = "ffprobe lists the cover art (a JPEG in the iTunes metadata, `covr`) as a video stream of one \
                         mjpeg picture; it is not a track of the movie, and we leave it out";

const CUT_OFF: &str = "the file is cut off after its index: the sample table places samples past its end; ffprobe \
                       prints no packet at all (\"partial file\"), we refuse the file as truncated";

const CUT_SHORT: &str = "the sample table places samples past the end of the file: we refuse it as truncated (a \
                         download cut short, README: bad input), ffprobe lists the packets that lie inside";

const MPEG2_VIDEO: &str = "its video is MPEG-2 (stream type 0x02), which no browser's WebCodecs decodes: we leave the \
                           video out and read the MPEG audio, as ExoPlayer's dump lists it";

const AVIF: &str = "an AVIF image (HEIF items, or an image sequence whose tracks' handler is `pict`, not `vide`): a \
                    picture, not a movie, which the library does not open as video; ffprobe reads the AV1 items";

/// What we do with `path` instead of matching ffprobe, and why, if it is explained.
fn explanation(path: &str) -> Option<(Outcome, &'static str)> {
    if let Some(&(_, outcome, why)) = EXPLAINED.iter().find(|(known, _, _)| *known == path) {
        return Some((outcome, why));
    }
    ENCRYPTED.contains(&path).then_some((
        Outcome::Refused(ErrorCode::Unsupported, "encrypted"),
        "encrypted media (cenc, cbcs): refused as unsupported, never demuxed as if clear",
    ))
}

/// One packet as both readers see it; its times in microseconds (`None`: ffprobe gives none), and the
/// CRC-32 of its bytes (`None`: we hand the decoder other bytes than the stored ones).
struct Packet {
    size: u32,
    key: bool,
    pts: Option<i64>,
    dts: Option<i64>,
    data: Option<u32>,
}

/// The CRC-32 of `bytes` (ISO-HDLC, as zlib and ffprobe's `-show_data_hash CRC32` compute it).
fn crc32(bytes: &[u8]) -> u32 {
    !bytes.iter().fold(!0u32, |crc, byte| {
        (0..8).fold(crc ^ u32::from(*byte), |crc, _| {
            (crc >> 1) ^ (0xedb8_8320 & (crc & 1).wrapping_neg())
        })
    })
}

/// `ticks` of `numerator / denominator` seconds in microseconds, rounded to the nearest.
fn microseconds(ticks: i64, numerator: i64, denominator: i64) -> i64 {
    let scaled = i128::from(ticks) * 1_000_000 * i128::from(numerator);
    let half = i128::from(denominator) / 2;
    let rounded = if scaled < 0 { scaled - half } else { scaled + half } / i128::from(denominator);
    rounded as i64
}

/// The FNV-1a hash of `bytes`.
fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u32 {
    bytes.into_iter().fold(0x811c_9dc5, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

/// One stream's summary: `video:h264:300:123456:0a1b2c3d` (kind, codec, packets, bytes, FNV-1a hash of the
/// packets' sizes and key flags in decode order).
fn stream_summary(kind: &str, codec: &str, packets: &[Packet]) -> String {
    let bytes: u64 = packets.iter().map(|packet| u64::from(packet.size)).sum();
    let hash = fnv1a(
        packets
            .iter()
            .flat_map(|packet| packet.size.to_le_bytes().into_iter().chain([u8::from(packet.key)])),
    );
    format!("{kind}:{codec}:{}:{bytes}:{hash:08x}", packets.len())
}

/// One stream's time summary: `video:h264:0a1b2c3d` (kind, codec, FNV-1a hash of the packets' presentation
/// and decode times in decode order).
fn times_summary(kind: &str, codec: &str, packets: &[Packet]) -> String {
    let times = packets.iter().flat_map(|packet| [packet.pts, packet.dts]);
    let hash = fnv1a(times.flat_map(|time| time.unwrap_or(i64::MIN).to_le_bytes()));
    format!("{kind}:{codec}:{hash:08x}")
}

/// One stream's data summary: `video:h264:0a1b2c3d` (kind, codec, FNV-1a hash of the packets' CRC-32s in
/// decode order), or `video:h264:rewritten` where we hand the decoder other bytes than the stored ones
/// (video in MPEG-TS: lengths for start codes; ADTS frames without their headers).
fn data_summary(kind: &str, codec: &str, packets: &[Packet]) -> String {
    let crcs: Option<Vec<u32>> = packets.iter().map(|packet| packet.data).collect();
    match crcs {
        Some(crcs) => format!(
            "{kind}:{codec}:{:08x}",
            fnv1a(crcs.iter().flat_map(|crc| crc.to_le_bytes()))
        ),
        None => format!("{kind}:{codec}:{REWRITTEN}"),
    }
}

/// The data summary's hash of a stream whose bytes we rewrite.
const REWRITTEN: &str = "rewritten";

/// An audio or video stream as both readers see it.
struct Stream {
    kind: String,
    codec: String,
    packets: Vec<Packet>,
}

/// A reading of a file: its samples', its times' and its data's summaries (see [`summary`]).
struct Reading {
    samples: String,
    times: String,
    data: String,
}

impl Reading {
    /// The reading of `streams`.
    fn of(streams: &[Stream]) -> Reading {
        let streams: Vec<_> = streams.iter().filter(|stream| !stream.packets.is_empty()).collect();
        let each = |summarise: fn(&str, &str, &[Packet]) -> String| {
            summary(
                streams
                    .iter()
                    .map(|s| summarise(&s.kind, &s.codec, &s.packets))
                    .collect(),
            )
        };
        Reading {
            samples: each(stream_summary),
            times: each(times_summary),
            data: each(data_summary),
        }
    }
}

/// A file's summary: its streams' summaries, sorted, space-separated; `none` without audio or video packets
/// (an initialization segment).
fn summary(mut streams: Vec<String>) -> String {
    if streams.is_empty() {
        return "none".into();
    }
    #[allow(clippy::disallowed_methods)] // a native test: the wasm-size rules do not apply
    streams.sort();
    streams.join(" ")
}

/// ffprobe's name for the codec of a WebCodecs codec string.
fn ffprobe_codec_name(codec: &str) -> String {
    let family = codec.split('.').next().unwrap_or(codec);
    let name = match family {
        "avc1" | "avc3" => "h264",
        "hvc1" | "hev1" => "hevc",
        "av01" => "av1",
        "vp09" => "vp9",
        "vp8" => "vp8",
        "mp4a" => match codec {
            "mp4a.6B" | "mp4a.6b" | "mp4a.69" => "mp3",
            "mp4a.40.36" => "mp4als",
            _ => "aac",
        },
        "mp3" => "mp3",
        "mp2" => "mp2",
        "mp1" => "mp1",
        "mp4a-latm" => "aac_latm",
        "dtsc" => "dts",
        "samr" => "amr_nb",
        "sawb" => "amr_wb",
        "s263" => "h263",
        "mp4v" => "mpeg4",
        "opus" => "opus",
        "flac" => "flac",
        "ac-3" => "ac3",
        "ec-3" => "eac3",
        "ulaw" => "pcm_mulaw",
        "alaw" => "pcm_alaw",
        "pcm-u8" => "pcm_u8",
        "pcm-s16" => "pcm_s16le",
        "pcm-s24" => "pcm_s24le",
        "pcm-s32" => "pcm_s32le",
        "pcm-f32" => "pcm_f32le",
        other => other,
    };
    name.to_string()
}

/// Our reading of `media`.
fn our_media_reading(media: &local_media::LocalMedia) -> Reading {
    let streams: Vec<_> = media
        .tracks
        .iter()
        .map(|track| {
            let timescale = i64::from(track.timescale);
            // MPEG-TS video is stored with start codes, which the decoder gets as lengths; ADTS frames lose
            // their headers (a size other than the stored one).
            let annex_b = media.format == "ts" && track.kind == TrackKind::Video;
            let packets = track
                .samples
                .iter()
                .map(|s| Packet {
                    size: s.stored_size,
                    key: s.key,
                    pts: Some(microseconds(s.pts, 1, timescale)),
                    dts: Some(microseconds(s.dts, 1, timescale)),
                    data: (!annex_b && s.size == s.stored_size).then(|| crc32(s.data_in(&media.data).unwrap())),
                })
                .collect();
            Stream {
                kind: track.kind.as_str().to_string(),
                codec: ffprobe_codec_name(&track.config.codec),
                packets,
            }
        })
        .collect();
    Reading::of(&streams)
}

/// A media file of the corpus and the initialization segment it is read after, if any.
struct MediaFile {
    path: String,
    init: Option<String>,
}

/// The media files `PROBE.tsv` says ffprobe reads, with an audio or video stream (or a media segment read
/// after its initialization segment), and those initialization segments. Not the playlists, which
/// `oracles.rs` and the playlist tests cover.
fn media_files(corpus: &Path) -> Vec<MediaFile> {
    let probe = fs::read_to_string(corpus.join("PROBE.tsv")).unwrap();
    let mut files = Vec::new();
    for line in probe.lines().skip(1) {
        let columns: Vec<&str> = line.split('\t').collect();
        let (path, ffprobe) = (columns[0], columns.get(6).copied().unwrap_or(""));
        let segment = ffprobe.starts_with("(with ");
        let audio_or_video = ffprobe.contains("A:") || ffprobe.contains("V:");
        if ffprobe.starts_with("hls ") || ffprobe.contains("FFPROBE-FAIL") || !(segment || audio_or_video) {
            continue;
        }
        let init = ffprobe
            .strip_prefix("(with ")
            .and_then(|rest| rest.split(')').next())
            .map(|init| {
                let folder = path.rsplit_once('/').map_or("", |(folder, _)| folder);
                format!("{folder}/{init}")
            });
        files.push(MediaFile {
            path: path.to_string(),
            init,
        });
    }
    files
}

/// The bytes ffprobe and we read for `file`: the file, after its initialization segment if it has one.
fn bytes_of(corpus: &Path, file: &MediaFile) -> Vec<u8> {
    let mut bytes = match &file.init {
        Some(init) => fs::read(corpus.join(init)).unwrap(),
        None => Vec::new(),
    };
    bytes.extend(fs::read(corpus.join(&file.path)).unwrap());
    bytes
}

/// What we read from `bytes`, or the error.
fn our_reading(bytes: &[u8], name: &str) -> Result<Reading, reelcut::Error> {
    let scratch = std::env::temp_dir().join(format!("reelcut-conformance-{}", std::process::id()));
    fs::create_dir_all(&scratch).unwrap();
    // local_media picks the reader by the file's contents, and a playlist by its extension: keep the name.
    let path = scratch.join(name.replace('/', "_"));
    fs::write(&path, bytes).unwrap();
    let read = local_media::open(&path).map(|media| our_media_reading(&media));
    fs::remove_file(&path).unwrap();
    read
}

/// ffprobe's reading of `bytes`.
fn ffprobe_reading(bytes: &[u8], name: &str) -> Reading {
    let path = std::env::temp_dir().join(format!(
        "reelcut-ffprobe-{}-{}",
        std::process::id(),
        name.replace('/', "_")
    ));
    fs::write(&path, bytes).unwrap();
    let output = Command::new("ffprobe")
        .args([
            "-v",
            "quiet",
            "-of",
            "json",
            "-show_streams",
            "-show_packets",
            "-show_data_hash",
            "CRC32",
        ])
        .arg(&path)
        .output()
        .expect("ffprobe is needed to regenerate the expectations (apt-get install ffmpeg)");
    fs::remove_file(&path).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_default();
    // Per stream index: its time base (numerator, denominator) and the stream.
    let mut streams: BTreeMap<u64, ((i64, i64), Stream)> = BTreeMap::new();
    for stream in json["streams"].as_array().into_iter().flatten() {
        let kind = stream["codec_type"].as_str().unwrap_or("");
        if kind == "video" || kind == "audio" {
            let codec = stream["codec_name"].as_str().unwrap_or("unknown").to_string();
            let index = stream["index"].as_u64().unwrap();
            let (numerator, denominator) = stream["time_base"].as_str().unwrap().split_once('/').unwrap();
            let time_base = (numerator.parse().unwrap(), denominator.parse().unwrap());
            let stream = Stream {
                kind: kind.to_string(),
                codec,
                packets: Vec::new(),
            };
            streams.insert(index, (time_base, stream));
        }
    }
    for packet in json["packets"].as_array().into_iter().flatten() {
        let index = packet["stream_index"].as_u64().unwrap();
        if let Some(((numerator, denominator), stream)) = streams.get_mut(&index) {
            let time = |name: &str| {
                packet[name]
                    .as_i64()
                    .map(|ticks| microseconds(ticks, *numerator, *denominator))
            };
            stream.packets.push(Packet {
                size: packet["size"].as_str().and_then(|s| s.parse().ok()).unwrap_or(0),
                key: packet["flags"].as_str().unwrap_or("").contains('K'),
                pts: time("pts"),
                dts: time("dts"),
                data: packet["data_hash"]
                    .as_str()
                    .and_then(|hash| hash.strip_prefix("CRC32:"))
                    .and_then(|hex| u32::from_str_radix(hex, 16).ok()),
            });
        }
    }
    Reading::of(&streams.into_values().map(|(_, stream)| stream).collect::<Vec<_>>())
}

fn expectations_path() -> PathBuf {
    repo().join("tests/conformance/ffprobe.tsv")
}

/// `ffprobe.tsv`: file → ffprobe's reading.
fn read_expectations() -> BTreeMap<String, Reading> {
    let text = fs::read_to_string(expectations_path()).unwrap();
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let mut columns = line.split('\t');
            let (path, samples) = (columns.next()?, columns.next()?);
            let (times, data) = (columns.next()?, columns.next()?);
            Some((
                path.to_string(),
                Reading {
                    samples: samples.to_string(),
                    times: times.to_string(),
                    data: data.to_string(),
                },
            ))
        })
        .collect()
}

/// Counts of the finer comparisons, made for the files whose samples match ffprobe's.
#[derive(Default)]
struct Tally {
    times_matching: usize,
    times_explained: usize,
    data_matching: usize,
    streams_compared: usize,
    streams_rewritten: usize,
}

/// Holds the times and the bytes of the samples of `path`, which match ffprobe's, to ffprobe's reading;
/// what differs without an explanation (and an explanation that stopped being true) goes to `failures`.
fn compare_times_and_bytes(
    path: &str,
    ours: &Reading,
    theirs: &Reading,
    tally: &mut Tally,
    failures: &mut Vec<String>,
) {
    let explained = EXPLAINED_TIMES.iter().any(|(known, _)| *known == path);
    match (ours.times == theirs.times, explained) {
        (true, false) => tally.times_matching += 1,
        (false, true) => tally.times_explained += 1,
        (true, true) => failures.push(format!(
            "{path}: its times match ffprobe's now: remove it from EXPLAINED_TIMES"
        )),
        (false, false) => failures.push(format!(
            "{path}: the samples match ffprobe's, their times do not ({} against {}); compare `inspect --samples` \
             with `ffprobe -show_packets`",
            ours.times, theirs.times
        )),
    }
    // The bytes of the streams we hand the decoder as stored.
    let (rewritten, stored): (Vec<&str>, Vec<&str>) =
        ours.data.split(' ').partition(|stream| stream.ends_with(REWRITTEN));
    tally.streams_compared += stored.len();
    tally.streams_rewritten += rewritten.len();
    let differing: Vec<&str> = stored
        .into_iter()
        .filter(|stream| !theirs.data.split(' ').any(|theirs| theirs == *stream))
        .collect();
    if differing.is_empty() {
        tally.data_matching += 1;
    } else {
        failures.push(format!(
            "{path}: the samples match ffprobe's, the bytes of {} do not (ffprobe: {})",
            differing.join(" "),
            theirs.data
        ));
    }
}

#[test]
fn conformance_corpus_reads_like_ffprobe() {
    let corpus = conformance_dir();
    let files = media_files(&corpus);
    if std::env::var_os("REELCUT_CONFORMANCE_REGENERATE").is_some() {
        let mut text =
            String::from("# ffprobe's reading of the conformance corpus's media files (see tests/conformance.rs)\n");
        for file in &files {
            let reading = ffprobe_reading(&bytes_of(&corpus, file), &file.path);
            writeln!(
                text,
                "{}\t{}\t{}\t{}",
                file.path, reading.samples, reading.times, reading.data
            )
            .unwrap();
        }
        fs::write(expectations_path(), text).unwrap();
    }
    let expected = read_expectations();
    let (mut matching, mut explained_count, mut failures) = (0, 0, Vec::new());
    let mut tally = Tally::default();
    for file in &files {
        let Some(theirs) = expected.get(&file.path) else {
            failures.push(format!("{}: not in ffprobe.tsv (regenerate it)", file.path));
            continue;
        };
        let reading = our_reading(&bytes_of(&corpus, file), &file.path);
        if let (None, Ok(ours)) = (explanation(&file.path), &reading) {
            if ours.samples == theirs.samples {
                compare_times_and_bytes(&file.path, ours, theirs, &mut tally, &mut failures);
            }
        }
        let ours = reading.as_ref().map(|reading| &reading.samples);
        let theirs = &theirs.samples;
        match (explanation(&file.path), &ours) {
            (None, Ok(summary)) if *summary == theirs => matching += 1,
            (None, Ok(summary)) => failures.push(format!("{}: we read {summary}, ffprobe {theirs}", file.path)),
            (None, Err(error)) => {
                failures.push(format!("{}: we refuse it ({error}), ffprobe reads {theirs}", file.path))
            }
            (Some((Outcome::Refused(code, text), _)), Err(error))
                if error.code() == code && error.message().contains(text) =>
            {
                explained_count += 1
            }
            (Some((Outcome::Reads(summary), _)), Ok(ours)) if *ours == summary => explained_count += 1,
            (Some((outcome, _)), _) => failures.push(format!(
                "{}: explained as {outcome:?}, but now {}",
                file.path,
                match &ours {
                    Ok(summary) if *summary == theirs =>
                        format!("it matches ffprobe ({summary}): remove it from EXPLAINED"),
                    Ok(summary) => format!("we read {summary}"),
                    Err(error) => format!("we refuse it: {:?} {error}", error.code()),
                }
            )),
        }
    }
    for path in EXPLAINED
        .iter()
        .map(|(path, _, _)| path)
        .chain(EXPLAINED_TIMES.iter().map(|(path, _)| path))
    {
        assert!(
            files.iter().any(|f| f.path == *path),
            "{path} is explained, but it is not a media file of the corpus"
        );
    }
    // Straight to the standard error, past the test harness's capture: the summary shows in every run.
    writeln!(
        std::io::stderr(),
        "conformance: {matching} match, {explained_count} explained, {} failing of {}; the samples' times: \
         {} match, {} explained; their bytes: {} match ({} streams compared, {} handed to the decoder \
         rewritten)",
        failures.len(),
        files.len(),
        tally.times_matching,
        tally.times_explained,
        tally.data_matching,
        tally.streams_compared,
        tally.streams_rewritten
    )
    .unwrap();
    assert!(
        failures.is_empty(),
        "{} files differ from ffprobe without an explanation:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
