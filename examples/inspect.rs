//! Prints what the demuxers read from a file as one JSON object (see DESIGN.md):
//!
//! ```text
//! cargo run --release --example inspect -- PATH [--samples]    # PATH: .mp4/.m4a/.ts file or a local .m3u8
//! ```
//!
//! Times are seconds as stored in the file (MP4 edit lists applied, MPEG-TS wraps unwrapped), sizes are the
//! stored packet sizes: the numbers `ffprobe -show_packets` prints. Exit status 1 with a one-line error on
//! stderr for input the library rejects.

use std::path::Path;
use std::process::ExitCode;

use reelcut::demux::{self, Format};
use reelcut::hls::playlist::{self, Playlist};
use reelcut::hls::segments::SegmentDemuxer;
use reelcut::media::Track;
use reelcut::{Error, ErrorCode};
use serde_json::{json, Value};

fn main() -> ExitCode {
    let mut path = None;
    let mut with_samples = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--samples" => with_samples = true,
            _ if path.is_none() && !arg.starts_with("--") => path = Some(arg),
            _ => return usage(&format!("unexpected argument {arg:?}")),
        }
    }
    let Some(path) = path else {
        return usage("missing PATH");
    };
    match inspect(Path::new(&path), with_samples) {
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
    eprintln!("inspect: {problem}\nusage: inspect PATH [--samples]   (PATH: .mp4, .m4a, .ts or a local .m3u8)");
    ExitCode::from(2)
}

fn inspect(path: &Path, with_samples: bool) -> Result<Value, Error> {
    let (format, tracks) = if path.extension().is_some_and(|ext| ext == "m3u8") {
        ("hls", demux_playlist(path)?)
    } else {
        let bytes = read(path)?;
        match demux::detect_format(&bytes) {
            Some(Format::Mp4) => ("mp4", demux::mp4::demux(&bytes)?.tracks),
            Some(Format::Ts) => ("ts", demux::ts::demux(&bytes)?.demuxed.tracks),
            None => {
                return Err(Error::new(
                    ErrorCode::MalformedInput,
                    "neither MP4 nor MPEG-TS (no box header or 0x47 sync byte at the start)",
                ))
            }
        }
    };
    Ok(report(format, &tracks, with_samples))
}

fn read(path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| Error::new(ErrorCode::Network, format!("cannot read {}: {e}", path.display())))
}

/// A local playlist: every segment read from disk (relative to the playlist) and demuxed in order, samples
/// joined per track. A master playlist is read through its first variant.
fn demux_playlist(path: &Path) -> Result<Vec<Track>, Error> {
    let uri = path.to_string_lossy().into_owned();
    let text = String::from_utf8(read(path)?)
        .map_err(|_| Error::new(ErrorCode::MalformedInput, "playlist is not UTF-8 text"))?;
    let media = match playlist::parse(&text, &uri)? {
        Playlist::Media(media) => media,
        Playlist::Master(master) => {
            let variant = master
                .variants
                .first()
                .ok_or_else(|| Error::new(ErrorCode::MalformedInput, "master playlist without variants"))?;
            return demux_playlist(Path::new(&variant.uri));
        }
    };
    let mut demuxer = SegmentDemuxer::new();
    let mut tracks: Vec<Track> = Vec::new();
    for segment in media.segments.iter().filter(|s| !s.gap) {
        if let Some(init) = segment.init.as_ref().filter(|_| demuxer.needs_init(segment)) {
            demuxer.load_init(segment, &ranged(read(Path::new(&init.uri))?, init.range)?)?;
        }
        let bytes = ranged(read(Path::new(&segment.uri))?, segment.range)?;
        for track in demuxer.demux(segment, &bytes)?.tracks {
            match tracks.iter_mut().find(|t| t.id == track.id) {
                Some(known) => known.samples.extend(track.samples),
                None => tracks.push(track),
            }
        }
    }
    Ok(tracks)
}

/// The part of a resource an `EXT-X-BYTERANGE` names.
fn ranged(bytes: Vec<u8>, range: Option<playlist::ByteRange>) -> Result<Vec<u8>, Error> {
    let Some(range) = range else { return Ok(bytes) };
    let end = range
        .start
        .checked_add(range.len)
        .filter(|end| *end <= bytes.len() as u64);
    let end = end.ok_or_else(|| Error::new(ErrorCode::MalformedInput, "byte range past the end of the file"))?;
    Ok(bytes[range.start as usize..end as usize].to_vec())
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
            json!({
                "id": t.id, "type": t.kind.as_str(), "codec": c.codec,
                "width": c.width, "height": c.height, "sample_rate": c.sample_rate, "channels": c.channels,
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
