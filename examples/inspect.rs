//! Prints what the demuxers read from a file as one JSON object (see DESIGN.md):
//!
//! ```text
//! cargo run --release --example inspect -- PATH [--samples]    # PATH: .mp4/.m4a/.ts file or a local .m3u8
//! cargo run --release --example inspect -- PLAYLIST.m3u8 --playlist   # the parsed playlist, nothing fetched
//! ```
//!
//! Times are seconds as stored in the file (MP4 edit lists applied, MPEG-TS wraps unwrapped), sizes are the
//! stored packet sizes: the numbers `ffprobe -show_packets` prints. `damage` lists what the MPEG-TS demuxer
//! found broken and passed over (lost sync bytes, missing or cut packets, unusable PES packets), each with its
//! byte offset and the media time it concerns; it is empty for MP4. Exit status 1 with a one-line error on
//! stderr for input the library rejects.
//!
//! With `--playlist` it prints the playlist as the parser models it instead (`{"type": "master", "variants",
//! "renditions", "iFramePlaylists"}` or `{"type": "media", "targetDuration", "mediaSequence",
//! "discontinuitySequence", "endList", "playlistType", "segments", "serverControl", "partInf",
//! "preloadSegment", "renditionReports", "skip", "dateRanges"}`, LL-HLS in videojs m3u8-parser's shape), URIs
//! as written in the playlist, nothing fetched: what the conformance tests hold against other parsers'
//! expectations.

use std::path::Path;
use std::process::ExitCode;

// Shared with `trim`; inspect reads the index only, not the sample bytes.
#[allow(dead_code)]
#[path = "common/local_media.rs"]
mod local_media;

use local_media::FoundDamage;
use reelcut::demux::ts::Damage;
use reelcut::hls::playlist::{self, ByteRange, Part, Playlist, PreloadKind, RenditionKind, Variant};
use reelcut::media::Track;
use reelcut::time::MPEG_TS_TIMESCALE;
use reelcut::{Error, ErrorCode};
use serde_json::{json, Value};

fn main() -> ExitCode {
    let mut path = None;
    let mut with_samples = false;
    let mut playlist_only = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--samples" => with_samples = true,
            "--playlist" => playlist_only = true,
            _ if path.is_none() && !arg.starts_with("--") => path = Some(arg),
            _ => return usage(&format!("unexpected argument {arg:?}")),
        }
    }
    let Some(path) = path else {
        return usage("missing PATH");
    };
    let report = if playlist_only {
        parsed_playlist(Path::new(&path))
    } else {
        inspect(Path::new(&path), with_samples)
    };
    match report {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("inspect: {path}: {error}");
            ExitCode::FAILURE
        }
    }
}

fn usage(problem: &str) -> ExitCode {
    eprintln!(
        "inspect: {problem}\nusage: inspect PATH [--samples] | PLAYLIST.m3u8 --playlist   (PATH: .mp4, .m4a, .ts or a local .m3u8)"
    );
    ExitCode::from(2)
}

/// The playlist at `path`, parsed with an empty base URI so that its URIs stay as written.
fn parsed_playlist(path: &Path) -> Result<Value, Error> {
    let bytes = std::fs::read(path)
        .map_err(|e| Error::new(ErrorCode::Network, format!("cannot read {}: {e}", path.display())))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::new(ErrorCode::MalformedInput, "the playlist is not UTF-8 text"))?;
    let variant = |v: &Variant| {
        json!({
            "uri": v.uri, "bandwidth": v.bandwidth, "averageBandwidth": v.average_bandwidth,
            "resolution": v.resolution.map(|(width, height)| json!({ "width": width, "height": height })),
            "codecs": v.codecs, "frameRate": v.frame_rate, "audio": v.audio_group,
        })
    };
    Ok(match playlist::parse(&text, "")? {
        Playlist::Master(master) => json!({
            "type": "master",
            "variants": master.variants.iter().map(variant).collect::<Vec<_>>(),
            "iFramePlaylists": master.i_frame_variants.iter().map(variant).collect::<Vec<_>>(),
            "renditions": master.renditions.iter().map(|r| json!({
                "type": match r.kind {
                    RenditionKind::Audio => "AUDIO",
                    RenditionKind::Video => "VIDEO",
                    RenditionKind::Subtitles => "SUBTITLES",
                    RenditionKind::ClosedCaptions => "CLOSED-CAPTIONS",
                },
                "group": r.group, "name": r.name, "language": r.language, "uri": r.uri, "default": r.is_default,
            })).collect::<Vec<_>>(),
        }),
        Playlist::Media(media) => json!({
            "type": "media",
            "targetDuration": media.target_duration,
            "mediaSequence": media.media_sequence,
            "discontinuitySequence": media.discontinuity_sequence,
            "endList": media.ended,
            "playlistType": if media.is_event { Some("EVENT") } else { None },
            "segments": media.segments.iter().map(|s| json!({
                "uri": s.uri, "duration": s.duration, "timeline": s.discontinuity,
                "byterange": s.range.as_ref().map(byte_range),
                "map": s.init.as_ref().map(|init| json!({
                    "uri": init.uri, "byterange": init.range.as_ref().map(byte_range),
                })),
                "programDateTime": s.program_date_time, "gap": s.gap,
                "parts": s.parts.iter().map(part).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "serverControl": (media.server_control != Default::default()).then(|| {
                let c = &media.server_control;
                json!({
                    "canBlockReload": c.can_block_reload, "canSkipUntil": c.can_skip_until,
                    "canSkipDateranges": c.can_skip_dateranges, "holdBack": c.hold_back,
                    "partHoldBack": c.part_hold_back,
                })
            }),
            "partInf": media.part_target.map(|target| json!({ "partTarget": target })),
            "preloadSegment": (!media.partial.is_empty() || !media.preload_hints.is_empty()).then(|| json!({
                "parts": media.partial.iter().map(part).collect::<Vec<_>>(),
                "preloadHints": media.preload_hints.iter().map(|h| json!({
                    "type": match h.kind { PreloadKind::Part => "PART", PreloadKind::Map => "MAP" },
                    "uri": h.uri,
                    "byterange": (h.start > 0 || h.len.is_some()).then(|| json!({ "offset": h.start, "length": h.len })),
                })).collect::<Vec<_>>(),
            })),
            "renditionReports": media.rendition_reports.iter().map(|r| json!({
                "uri": r.uri, "lastMsn": r.last_msn, "lastPart": r.last_part,
            })).collect::<Vec<_>>(),
            "skip": media.skip.as_ref().map(|skip| json!({
                "skippedSegments": skip.skipped_segments,
                "recentlyRemovedDateranges": skip.recently_removed_dateranges,
            })),
            "dateRanges": media.date_ranges.iter().map(|d| json!({
                "id": d.id, "startDate": d.start, "duration": d.duration, "endDate": d.end,
            })).collect::<Vec<_>>(),
        }),
    })
}

fn part(part: &Part) -> Value {
    json!({
        "uri": part.uri, "duration": part.duration, "independent": part.independent, "gap": part.gap,
        "byterange": part.range.as_ref().map(byte_range),
    })
}

fn byte_range(range: &ByteRange) -> Value {
    json!({ "offset": range.start, "length": range.len })
}

fn inspect(path: &Path, with_samples: bool) -> Result<Value, Error> {
    let media = local_media::open(path)?;
    let mut out = report(media.format, &media.tracks, with_samples);
    out["damage"] = media.damage.iter().map(damage_entry).collect();
    Ok(out)
}

/// One damage report: its kind, byte offset, the variant's own fields, and the media time it concerns in
/// seconds (on the timeline of the samples' `pts`; `null` when no timestamp came before it).
fn damage_entry(found: &FoundDamage) -> Value {
    let mut entry = match &found.damage {
        Damage::LostSync { offset, skipped, .. } => {
            json!({ "kind": "lost_sync", "offset": offset, "skipped": skipped })
        }
        Damage::TruncatedPacket { offset, .. } => json!({ "kind": "truncated_packet", "offset": offset }),
        Damage::ContinuityGap {
            pid,
            offset,
            expected,
            found,
            ..
        } => json!({
            "kind": "continuity_gap", "pid": pid, "offset": offset, "expected": expected, "found": found,
        }),
        Damage::BadPes {
            pid, offset, reason, ..
        } => json!({ "kind": "bad_pes", "pid": pid, "offset": offset, "reason": reason }),
    };
    entry["time"] = json!(found.damage.time().map(|ticks| seconds(ticks, MPEG_TS_TIMESCALE)));
    if let Some(segment) = &found.segment {
        entry["segment"] = json!(segment);
    }
    entry
}

fn seconds(ticks: i64, timescale: u32) -> f64 {
    ticks as f64 / f64::from(timescale)
}

fn report(format: &str, tracks: &[Track], with_samples: bool) -> Value {
    let spans: Vec<(f64, f64)> = tracks
        .iter()
        .filter_map(|t| {
            t.presentation_span()
                .map(|(a, b)| (seconds(a, t.timescale), seconds(b, t.timescale)))
        })
        .collect();
    let start = spans.iter().map(|s| s.0).fold(f64::INFINITY, f64::min);
    let end = spans.iter().map(|s| s.1).fold(f64::NEG_INFINITY, f64::max);
    let duration = if spans.is_empty() { 0.0 } else { end - start };
    let track_values: Vec<Value> = tracks
        .iter()
        .map(|t| {
            let c = &t.config;
            let span = t.presentation_span().map_or(0, |(a, b)| b - a);
            let (display_width, display_height) = t.display.size(c.width, c.height);
            json!({
                "id": t.id, "type": t.kind.as_str(), "codec": c.codec,
                "width": c.width, "height": c.height, "rotation": t.display.rotation, "mirror": t.display.mirror,
                "display_width": display_width, "display_height": display_height,
                "sample_rate": c.sample_rate, "channels": c.channels,
                "timescale": t.timescale, "samples": t.samples.len(),
                "keyframes": t.samples.iter().filter(|s| s.key).count(),
                "duration": seconds(span, t.timescale),
            })
        })
        .collect();
    let mut out = json!({ "format": format, "duration": duration, "tracks": track_values });
    if with_samples {
        let samples: Vec<Value> = tracks
            .iter()
            .flat_map(|t| {
                t.samples.iter().map(move |s| {
                    json!({
                        "track": t.id, "pts": seconds(s.pts, t.timescale), "dts": seconds(s.dts, t.timescale),
                        "duration": seconds(i64::from(s.duration), t.timescale), "key": s.key, "size": s.stored_size,
                    })
                })
            })
            .collect();
        out["samples"] = Value::Array(samples);
    }
    out
}
