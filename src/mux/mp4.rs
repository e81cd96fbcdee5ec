//! The MP4 writer: sample tables (or fragments) from [`MuxTrack`]s, an edit list per track that shows
//! exactly its `shown` interval, and the sample bytes in one `mdat`.
//!
//! Times in the file start at each track's first decode time: a sample's composition time is
//! `pts - first dts`, and the edit list starts presentation at `shown.0 - first dts`, so every track's
//! `shown.0` lands on the movie's time 0 and the tracks stay in sync whatever their pre-roll.

use std::borrow::Cow;
use std::ops::Range;

use super::sample_entry::write_sample_entry;
use super::writer::{version_for, BoxWriter};
use super::{Container, MuxSample, MuxTrack};
use crate::error::{Error, ErrorCode, Result};
use crate::isobmff::flags::{
    DATA_OFFSET_PRESENT, DEFAULT_BASE_IS_MOOF, DEPENDS_ON_NONE, DEPENDS_ON_OTHERS, NON_SYNC_SAMPLE,
    SAMPLE_COMPOSITION_OFFSET_PRESENT, SAMPLE_DURATION_PRESENT, SAMPLE_FLAGS_PRESENT, SAMPLE_SIZE_PRESENT,
    TRACK_ENABLED_IN_MOVIE,
};
use crate::isobmff::{matrix, SOUND_HANDLER, VIDEO_HANDLER};
use crate::media::{Display, TrackKind};
use crate::time::rescale_ticks;

/// Samples of a track are written in runs ("chunks") of about this long, alternating between tracks in
/// time order, so a player reading the file front to back finds sound and pictures together.
const INTERLEAVE_SECONDS: i64 = 1;

/// `trun` sample flags (ISO/IEC 14496-12 8.8.3.1): a sync sample depends on no other...
const SYNC_SAMPLE_FLAGS: u32 = DEPENDS_ON_NONE;
/// ...a delta frame depends on others and is not a sync sample.
const DELTA_SAMPLE_FLAGS: u32 = DEPENDS_ON_OTHERS | NON_SYNC_SAMPLE;

/// `trun` flags: a data offset, then per sample its duration, size, flags and composition offset.
const TRUN_FIELDS: u32 = DATA_OFFSET_PRESENT
    | SAMPLE_DURATION_PRESENT
    | SAMPLE_SIZE_PRESENT
    | SAMPLE_FLAGS_PRESENT
    | SAMPLE_COMPOSITION_OFFSET_PRESENT;
/// `url ` flag: the media data is in this file.
const SELF_CONTAINED: u32 = 0x1;
/// The ISO 639-2 code `und` (undetermined) packed as three 5-bit letters.
const LANGUAGE_UNDETERMINED: u16 = 0x55C4;

/// A part of the file, in file order: boxes the writer made, or a sample (of a track), whose bytes follow
/// in the `mdat`.
enum Piece {
    Boxes(Vec<u8>),
    Sample { track: usize, index: usize },
}

/// What comes next in a laid-out file.
pub enum Part<'l, 'a> {
    /// Bytes the writer made: `ftyp`, `moov`, `moof`, `mdat` headers.
    Boxes(&'l [u8]),
    /// A sample, whose bytes come next ([`MuxSample::write_to`]).
    Sample(&'l MuxSample<'a>),
}

impl Part<'_, '_> {
    /// Its size in the file.
    pub fn size(&self) -> u64 {
        match self {
            Part::Boxes(bytes) => bytes.len() as u64,
            Part::Sample(sample) => sample.size(),
        }
    }
}

/// An MP4 file laid out from its samples' sizes and times: its boxes are made and the order of its
/// samples fixed before any sample's bytes are needed, so it can be written front to back (the `moov`
/// first) while they are read from the source. Memory: the index, not the samples.
pub struct Layout<'t, 'a> {
    tracks: &'t [MuxTrack<'a>],
    pieces: Vec<Piece>,
    size: u64,
}

impl<'t, 'a> Layout<'t, 'a> {
    /// The file's size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The file front to back: boxes, and the samples whose bytes follow them.
    pub fn parts(&self) -> impl Iterator<Item = Part<'_, 'a>> + '_ {
        self.pieces.iter().map(|piece| match piece {
            Piece::Boxes(bytes) => Part::Boxes(bytes),
            Piece::Sample { track, index } => Part::Sample(&self.tracks[*track].samples[*index]),
        })
    }
}

/// Lays `tracks` out as one MP4 file.
pub fn layout<'t, 'a>(tracks: &'t [MuxTrack<'a>], container: Container) -> Result<Layout<'t, 'a>> {
    let movie_timescale = movie_timescale(tracks)?;
    let mut timed = Vec::with_capacity(tracks.len());
    for track in tracks {
        timed.push(TimedTrack::new(track, movie_timescale)?);
    }
    let pieces = match container {
        Container::Mp4 => lay_out_progressive(&timed, movie_timescale)?,
        Container::Fmp4 => lay_out_fragmented(&timed, movie_timescale)?,
    };
    let mut layout = Layout {
        tracks,
        pieces,
        size: 0,
    };
    let mut size = 0;
    for part in layout.parts() {
        size += part.size();
    }
    layout.size = size;
    Ok(layout)
}

/// Writes `tracks`, whose samples' bytes are all in hand, as one MP4 file.
pub fn write(tracks: &[MuxTrack], container: Container) -> Result<Vec<u8>> {
    let layout = layout(tracks, container)?;
    let mut out = Vec::with_capacity(usize::try_from(layout.size()).unwrap_or(0));
    for part in layout.parts() {
        match part {
            Part::Boxes(bytes) => out.extend_from_slice(bytes),
            Part::Sample(sample) => sample.write_to(&[], &mut out)?,
        }
    }
    Ok(out)
}

fn error(message: impl Into<Cow<'static, str>>) -> Error {
    Error::malformed(message)
}

/// Edit-list durations are in the movie's timescale: the video's, so the cut at the last frame's end is
/// exact (a coarser scale would round into the next frame).
fn movie_timescale(tracks: &[MuxTrack]) -> Result<u32> {
    tracks
        .iter()
        .find(|t| t.kind == TrackKind::Video)
        .or(tracks.first())
        .map(|t| t.timescale)
        .ok_or_else(|| Error::new(ErrorCode::OutOfRange, "nothing to write: the clip has no samples"))
}

/// One edit list entry: `media_time` -1 is an empty edit (a delay).
struct Edit {
    segment_duration: u64,
    media_time: i64,
}

/// A track with its decode durations and edit list worked out and its times checked.
struct TimedTrack<'a> {
    track: &'a MuxTrack<'a>,
    /// Decode time of the first sample: the track's time 0 in the file.
    base: i64,
    /// Each sample's decode duration: the gap to the next sample's decode time (see `new` for the last).
    deltas: Vec<u32>,
    /// The edit list that shows `shown` and nothing else.
    edits: Vec<Edit>,
    /// The edit list's length, in movie ticks: the track's presented duration.
    duration: u64,
}

impl<'a> TimedTrack<'a> {
    fn new(track: &'a MuxTrack<'a>, movie_timescale: u32) -> Result<TimedTrack<'a>> {
        let kind = track.kind.as_str();
        let first = track
            .samples
            .first()
            .ok_or_else(|| Error::new(ErrorCode::OutOfRange, format!("the clip's {kind} track has no samples")))?;
        if track.timescale == 0 {
            return Err(error(format!("{kind} track with a zero timescale")));
        }
        if track.shown.1 <= track.shown.0 {
            return Err(Error::new(
                ErrorCode::OutOfRange,
                format!("the clip's {kind} track shows nothing"),
            ));
        }
        let mut deltas = Vec::with_capacity(track.samples.len());
        for pair in track.samples.windows(2) {
            let delta = u32::try_from(pair[1].dts - pair[0].dts)
                .ok()
                .filter(|d| *d > 0)
                .ok_or_else(|| {
                    error(format!(
                        "{kind} decode times do not increase ({} then {})",
                        pair[0].dts, pair[1].dts
                    ))
                })?;
            deltas.push(delta);
        }
        // The last sample's decode step: its duration, or longer so that decoding ends no earlier than
        // the shown interval does (readers take a track's length from its decode times; with B-frames,
        // or a stream cut before its last B-frames, the last decoded sample is not the last shown).
        let last = &track.samples[track.samples.len() - 1];
        let reach = u32::try_from(track.shown.1 - last.dts).unwrap_or(0);
        deltas.push(last.duration.max(reach));
        let edits = edits(track, first.dts, movie_timescale)?;
        let duration = edits.iter().map(|e| e.segment_duration).sum();
        Ok(TimedTrack {
            track,
            base: first.dts,
            deltas,
            edits,
            duration,
        })
    }

    fn samples(&self) -> &[MuxSample<'a>] {
        &self.track.samples
    }

    fn is_video(&self) -> bool {
        self.track.kind == TrackKind::Video
    }

    /// Sum of the decode durations: the media's length in its own ticks.
    fn media_duration(&self) -> u64 {
        self.deltas.iter().map(|d| u64::from(*d)).sum()
    }

    /// The `trak` box; `tables` writes its sample tables after the sample description.
    fn write_trak(&self, w: &mut BoxWriter, id: u32, tables: impl FnOnce(&mut BoxWriter) -> Result<()>) -> Result<()> {
        w.boxed(b"trak", |w| {
            self.write_tkhd(w, id)?;
            w.boxed(b"edts", |w| self.write_elst(w))?;
            w.boxed(b"mdia", |w| {
                self.write_mdhd(w)?;
                self.write_hdlr(w)?;
                w.boxed(b"minf", |w| {
                    if self.is_video() {
                        // Graphics mode copy, opcolor unused.
                        w.full_box(b"vmhd", 0, 1, |w| {
                            w.zeros(8);
                            Ok(())
                        })?;
                    } else {
                        // Balance centred, reserved.
                        w.full_box(b"smhd", 0, 0, |w| {
                            w.zeros(4);
                            Ok(())
                        })?;
                    }
                    write_dinf(w)?;
                    w.boxed(b"stbl", |w| {
                        w.full_box(b"stsd", 0, 0, |w| {
                            w.u32(1);
                            write_sample_entry(w, &self.track.config, self.track.display.pixel_aspect)
                        })?;
                        tables(w)
                    })
                })
            })
        })
    }

    fn write_tkhd(&self, w: &mut BoxWriter, id: u32) -> Result<()> {
        let version = version_for(&[self.duration]);
        let config = &self.track.config;
        // Presentation size in 16.16 fixed point, stretched by the pixel aspect ratio and before the
        // matrix turns it (as ffmpeg writes it); sound has none.
        let (width, height) = if self.is_video() {
            let fixed = |pixels: u32| u32::from(u16::try_from(pixels).unwrap_or(u16::MAX)) << 16;
            let unturned = Display {
                rotation: 0,
                ..self.track.display
            };
            let (width, height) = unturned.size(config.width, config.height);
            (fixed(width), fixed(height))
        } else {
            (0, 0)
        };
        w.full_box(b"tkhd", version, TRACK_ENABLED_IN_MOVIE, |w| {
            w.u32_or_u64(version, 0); // creation time
            w.u32_or_u64(version, 0); // modification time
            w.u32(id);
            w.u32(0); // reserved
            w.u32_or_u64(version, self.duration);
            w.zeros(8); // reserved
            w.zeros(4); // layer, alternate group
            w.u16(if self.is_video() { 0 } else { 0x0100 }); // volume 1.0 for sound
            w.u16(0); // reserved
            w.matrix(matrix::matrix_of(&self.track.display));
            w.u32(width);
            w.u32(height);
            Ok(())
        })
    }

    fn write_elst(&self, w: &mut BoxWriter) -> Result<()> {
        let wide = self
            .edits
            .iter()
            .any(|e| e.segment_duration > u64::from(u32::MAX) || i32::try_from(e.media_time).is_err());
        let version = u8::from(wide);
        w.full_box(b"elst", version, 0, |w| {
            w.u32(self.edits.len() as u32);
            for edit in &self.edits {
                w.u32_or_u64(version, edit.segment_duration);
                w.u32_or_u64(version, edit.media_time as u64);
                w.u32(0x0001_0000); // rate 1.0
            }
            Ok(())
        })
    }

    fn write_mdhd(&self, w: &mut BoxWriter) -> Result<()> {
        let duration = self.media_duration();
        let version = version_for(&[duration]);
        w.full_box(b"mdhd", version, 0, |w| {
            w.u32_or_u64(version, 0); // creation time
            w.u32_or_u64(version, 0); // modification time
            w.u32(self.track.timescale);
            w.u32_or_u64(version, duration);
            w.u16(LANGUAGE_UNDETERMINED);
            w.u16(0); // pre-defined
            Ok(())
        })
    }

    fn write_hdlr(&self, w: &mut BoxWriter) -> Result<()> {
        let (handler, name): (&[u8; 4], &[u8]) = if self.is_video() {
            (&VIDEO_HANDLER, b"VideoHandler\0")
        } else {
            (&SOUND_HANDLER, b"SoundHandler\0")
        };
        w.full_box(b"hdlr", 0, 0, |w| {
            w.u32(0); // pre-defined
            w.bytes(handler);
            w.zeros(12); // reserved
            w.bytes(name);
            Ok(())
        })
    }

    /// `stts`, `ctts`, `stss`, `stsc`, `stsz` and the chunk offsets, run-length coded where the format
    /// allows.
    fn write_sample_tables(&self, w: &mut BoxWriter, chunks: &ChunkTable) -> Result<()> {
        let samples = self.samples();
        let stts = run_lengths(self.deltas.iter().map(|d| i64::from(*d)));
        write_pairs(w, b"stts", 0, &stts)?;
        let ctts = run_lengths(samples.iter().map(|s| s.pts - s.dts));
        if ctts.len() > 1 || ctts.first().is_some_and(|(_, offset)| *offset != 0) {
            // Version 1 offsets are signed: needed when a sample shows before it decodes.
            let version = u8::from(ctts.iter().any(|(_, offset)| *offset < 0));
            write_pairs(w, b"ctts", version, &ctts)?;
        }
        if !samples.iter().all(|s| s.key) {
            // The 1-based numbers of the sync samples.
            w.full_box(b"stss", 0, 0, |w| {
                w.u32(samples.iter().filter(|s| s.key).count() as u32);
                for (number, sample) in (1u32..).zip(samples) {
                    if sample.key {
                        w.u32(number);
                    }
                }
                Ok(())
            })?;
        }
        w.full_box(b"stsc", 0, 0, |w| {
            w.u32(chunks.stsc.len() as u32);
            for (first_chunk, samples_per_chunk) in &chunks.stsc {
                w.u32(*first_chunk);
                w.u32(*samples_per_chunk);
                w.u32(1); // sample description index
            }
            Ok(())
        })?;
        w.full_box(b"stsz", 0, 0, |w| {
            w.u32(0); // sizes differ: one per sample follows
            w.u32(samples.len() as u32);
            for sample in samples {
                w.u32(sample_size(sample)?);
            }
            Ok(())
        })?;
        write_chunk_offsets(w, &chunks.offsets, chunks.wide)
    }
}

fn edits(track: &MuxTrack, base: i64, movie_timescale: u32) -> Result<Vec<Edit>> {
    let (start, end) = track.shown;
    let to_movie = |ticks: i64| -> Result<u64> {
        u64::try_from(rescale_ticks(ticks, track.timescale, movie_timescale)?)
            .map_err(|_| error("negative edit duration"))
    };
    let mut edits = Vec::new();
    // Media starting after the clip's time 0 (sound that begins a little after the first picture)
    // waits behind an empty edit; otherwise presentation starts `start - base` into the media.
    let media_start = if start < base {
        edits.push(Edit {
            segment_duration: to_movie(base - start)?,
            media_time: -1,
        });
        base
    } else {
        start
    };
    edits.push(Edit {
        segment_duration: to_movie(end - media_start)?,
        media_time: media_start - base,
    });
    Ok(edits)
}

/// Consecutive equal values as (count, value) pairs.
fn run_lengths(values: impl Iterator<Item = i64>) -> Vec<(u32, i64)> {
    let mut runs: Vec<(u32, i64)> = Vec::new();
    for value in values {
        match runs.last_mut() {
            Some((count, last)) if *last == value => *count += 1,
            _ => runs.push((1, value)),
        }
    }
    runs
}

/// `stts` or `ctts`: (sample count, 32-bit value) pairs. Decode steps are unsigned, composition offsets
/// signed: either fits the 32 bits.
fn write_pairs(w: &mut BoxWriter, kind: &[u8; 4], version: u8, pairs: &[(u32, i64)]) -> Result<()> {
    w.full_box(kind, version, 0, |w| {
        w.u32(pairs.len() as u32);
        for (count, value) in pairs {
            let bits = u32::try_from(*value)
                .or_else(|_| i32::try_from(*value).map(|signed| signed as u32))
                .map_err(|_| error(format!("a sample time step of {value} ticks does not fit 32 bits")))?;
            w.u32(*count);
            w.u32(bits);
        }
        Ok(())
    })
}

/// `dinf` with one `url ` entry: the samples are in this file.
fn write_dinf(w: &mut BoxWriter) -> Result<()> {
    w.boxed(b"dinf", |w| {
        w.full_box(b"dref", 0, 0, |w| {
            w.u32(1);
            w.full_box(b"url ", 0, SELF_CONTAINED, |_| Ok(()))
        })
    })
}

fn write_chunk_offsets(w: &mut BoxWriter, offsets: &[u64], wide: bool) -> Result<()> {
    let kind = if wide { b"co64" } else { b"stco" };
    w.full_box(kind, 0, 0, |w| {
        w.u32(offsets.len() as u32);
        for offset in offsets {
            if wide {
                w.u64(*offset);
            } else {
                w.u32(u32::try_from(*offset).unwrap_or(u32::MAX));
            }
        }
        Ok(())
    })
}

fn sample_size(sample: &MuxSample) -> Result<u32> {
    u32::try_from(sample.size()).map_err(|_| Error::limit("a sample over 4 GiB"))
}

/// A run of consecutive samples of one track, stored together.
#[derive(Debug, Clone, Copy)]
struct Run {
    track: usize,
    first: usize,
    count: usize,
}

/// Cuts every track into runs of about [`INTERLEAVE_SECONDS`], all runs in order of start time (ties: the
/// lower track first). Each track's runs already follow its decode order, so the tracks are merged: the next
/// run is always cut from the track whose next sample starts earliest.
fn interleave(tracks: &[TimedTrack]) -> Vec<Run> {
    let mut next = vec![0usize; tracks.len()];
    let mut runs = Vec::new();
    loop {
        // The track whose next sample starts earliest, its samples from there on. Start times compare
        // exactly across timescales: a/b < c/d  <=>  a*d < c*b.
        let mut earliest: Option<(usize, &[MuxSample], (i128, i128))> = None;
        for (track, (timed, &first)) in tracks.iter().zip(&next).enumerate() {
            let Some(samples @ [sample, ..]) = timed.samples().get(first..) else {
                continue;
            };
            let (n, d) = (i128::from(sample.dts - timed.base), i128::from(timed.track.timescale));
            if earliest.is_none_or(|(_, _, (en, ed))| n * ed < en * d) {
                earliest = Some((track, samples, (n, d)));
            }
        }
        let Some((track, samples @ [first, ..], _)) = earliest else {
            break;
        };
        let limit = first.dts + i64::from(tracks[track].track.timescale) * INTERLEAVE_SECONDS;
        let count = samples.iter().take_while(|s| s.dts < limit).count().max(1);
        runs.push(Run {
            track,
            first: next[track],
            count,
        });
        next[track] += count;
    }
    runs
}

/// A track's chunk tables: (first chunk, samples per chunk) where the count changes, and where each
/// chunk starts.
struct ChunkTable {
    stsc: Vec<(u32, u32)>,
    offsets: Vec<u64>,
    /// 64-bit offsets (`co64`).
    wide: bool,
}

fn chunk_tables(track: usize, runs: &[Run], run_offsets: &[u64], wide: bool) -> Result<ChunkTable> {
    let mut stsc: Vec<(u32, u32)> = Vec::new();
    let mut offsets = Vec::new();
    for (run, offset) in runs.iter().zip(run_offsets).filter(|(run, _)| run.track == track) {
        offsets.push(*offset);
        let chunk = u32::try_from(offsets.len()).map_err(|_| error("too many chunks"))?;
        let count = u32::try_from(run.count).map_err(|_| error("too many samples in a chunk"))?;
        if stsc.last().is_none_or(|(_, last)| *last != count) {
            stsc.push((chunk, count));
        }
    }
    Ok(ChunkTable { stsc, offsets, wide })
}

fn write_ftyp(w: &mut BoxWriter, fragmented: bool) -> Result<()> {
    let brands: [&[u8; 4]; 4] = if fragmented {
        [b"iso6", b"isom", b"avc1", b"mp41"]
    } else {
        [b"isom", b"iso2", b"avc1", b"mp41"]
    };
    w.boxed(b"ftyp", |w| {
        w.bytes(brands[0]);
        w.u32(512); // minor version
        brands.iter().for_each(|brand| w.bytes(*brand));
        Ok(())
    })
}

fn write_mvhd(w: &mut BoxWriter, tracks: &[TimedTrack], movie_timescale: u32) -> Result<()> {
    let duration = tracks.iter().map(|t| t.duration).max().unwrap_or(0);
    let version = version_for(&[duration]);
    let next_track_id = u32::try_from(tracks.len() + 1).unwrap_or(u32::MAX);
    w.full_box(b"mvhd", version, 0, |w| {
        w.u32_or_u64(version, 0); // creation time
        w.u32_or_u64(version, 0); // modification time
        w.u32(movie_timescale);
        w.u32_or_u64(version, duration);
        w.u32(0x0001_0000); // rate 1.0
        w.u16(0x0100); // volume 1.0
        w.zeros(10); // reserved
        w.unity_matrix();
        w.zeros(24); // pre-defined
        w.u32(next_track_id);
        Ok(())
    })
}

fn track_id(index: usize) -> Result<u32> {
    u32::try_from(index + 1).map_err(|_| error("too many tracks"))
}

/// Writes an `mdat` header for `payload` bytes (64-bit size past 4 GiB).
fn write_mdat_header(w: &mut BoxWriter, payload: u64) {
    match u32::try_from(payload + 8) {
        Ok(size) => {
            w.u32(size);
            w.bytes(b"mdat");
        }
        Err(_) => {
            w.u32(1);
            w.bytes(b"mdat");
            w.u64(payload + 16);
        }
    }
}

/// `ftyp`, `moov` with the complete index, then `mdat`.
fn lay_out_progressive(tracks: &[TimedTrack], movie_timescale: u32) -> Result<Vec<Piece>> {
    let runs = interleave(tracks);
    // Where each run starts inside the mdat payload.
    let mut relative = Vec::with_capacity(runs.len());
    let mut payload = 0u64;
    for run in &runs {
        relative.push(payload);
        for sample in &tracks[run.track].samples()[run.first..run.first + run.count] {
            payload += u64::from(sample_size(sample)?);
        }
    }
    // 64-bit chunk offsets once the data could pass 4 GiB (the index itself is a small fraction of that).
    let wide = payload > u64::from(u32::MAX / 2);
    let write_head = |w: &mut BoxWriter, data_start: u64| -> Result<()> {
        write_ftyp(w, false)?;
        let mut absolute = Vec::with_capacity(relative.len());
        for offset in &relative {
            absolute.push(offset + data_start);
        }
        w.boxed(b"moov", |w| {
            write_mvhd(w, tracks, movie_timescale)?;
            for (index, timed) in tracks.iter().enumerate() {
                let chunks = chunk_tables(index, &runs, &absolute, wide)?;
                timed.write_trak(w, track_id(index)?, |w| timed.write_sample_tables(w, &chunks))?;
            }
            Ok(())
        })?;
        write_mdat_header(w, payload);
        Ok(())
    };
    // The index holds the data's offsets, which depend on the index's own size: measure it once (offsets
    // have a fixed width), then write it for real.
    let mut probe = BoxWriter::default();
    write_head(&mut probe, 0)?;
    let data_start = probe.len() as u64;
    let mut w = BoxWriter::default();
    write_head(&mut w, data_start)?;
    if w.len() as u64 != data_start {
        return Err(error("the MP4 index changed size between measuring and writing it"));
    }
    let mut pieces = vec![Piece::Boxes(w.into_bytes())];
    for run in &runs {
        for index in run.first..run.first + run.count {
            pieces.push(Piece::Sample {
                track: run.track,
                index,
            });
        }
    }
    Ok(pieces)
}

/// `ftyp`, a `moov` without samples (`mvex`), then one `moof`+`mdat` per fragment: a fragment starts at
/// each video keyframe (so each can be decoded alone), or every [`INTERLEAVE_SECONDS`] without video.
fn lay_out_fragmented(tracks: &[TimedTrack], movie_timescale: u32) -> Result<Vec<Piece>> {
    let mut w = BoxWriter::default();
    write_ftyp(&mut w, true)?;
    w.boxed(b"moov", |w| {
        write_mvhd(w, tracks, movie_timescale)?;
        for (index, timed) in tracks.iter().enumerate() {
            // The init segment's tables are empty: every sample is in a fragment.
            timed.write_trak(w, track_id(index)?, |w| {
                write_pairs(w, b"stts", 0, &[])?;
                w.full_box(b"stsc", 0, 0, |w| {
                    w.u32(0);
                    Ok(())
                })?;
                w.full_box(b"stsz", 0, 0, |w| {
                    w.zeros(8); // sample size, sample count
                    Ok(())
                })?;
                write_chunk_offsets(w, &[], false)
            })?;
        }
        w.boxed(b"mvex", |w| {
            for index in 0..tracks.len() {
                w.full_box(b"trex", 0, 0, |w| {
                    w.u32(track_id(index)?);
                    w.u32(1); // sample description index
                    w.zeros(12); // default duration, size and flags: every fragment sample has its own
                    Ok(())
                })?;
            }
            Ok(())
        })
    })?;
    let mut pieces = vec![Piece::Boxes(w.into_bytes())];
    for (sequence, fragment) in (1..).zip(fragments(tracks)) {
        pieces.push(Piece::Boxes(fragment_head(tracks, &fragment, sequence)?));
        for (track, samples) in fragment.into_iter().enumerate() {
            for index in samples {
                pieces.push(Piece::Sample { track, index });
            }
        }
    }
    Ok(pieces)
}

/// Each fragment's sample range per track.
fn fragments(tracks: &[TimedTrack]) -> Vec<Vec<Range<usize>>> {
    // Fragment boundaries as (ticks, timescale) times, measured from each track's time 0.
    let leader = tracks
        .iter()
        .position(|t| t.track.kind == TrackKind::Video)
        .unwrap_or(0);
    let lead = &tracks[leader];
    let mut bounds: Vec<i128> = Vec::new();
    let span = i64::from(lead.track.timescale) * INTERLEAVE_SECONDS;
    let mut last = None;
    for sample in lead.samples() {
        let at = sample.dts - lead.base;
        // The first sample always opens a fragment, so none is left out.
        let cut = match last {
            None => true,
            Some(_) if lead.track.kind == TrackKind::Video => sample.key,
            Some(l) => at >= l + span,
        };
        if cut {
            bounds.push(i128::from(at));
            last = Some(at);
        }
    }
    let lead_scale = i128::from(lead.track.timescale);
    let mut fragments = vec![Vec::with_capacity(tracks.len()); bounds.len()];
    for timed in tracks {
        let scale = i128::from(timed.track.timescale);
        let samples = timed.samples();
        let mut first = 0;
        for (index, fragment) in fragments.iter_mut().enumerate() {
            // A sample goes to the last fragment that starts at or before it (the first fragment takes
            // anything earlier: audio pre-roll before the first keyframe).
            let end = match bounds.get(index + 1) {
                Some(next) => {
                    first
                        + samples[first..]
                            .iter()
                            .take_while(|s| i128::from(s.dts - timed.base) * lead_scale < next * scale)
                            .count()
                }
                None => samples.len(),
            };
            fragment.push(first..end);
            first = end;
        }
    }
    fragments
}

/// A fragment's `moof` and `mdat` header; its samples' bytes follow, track by track.
fn fragment_head(tracks: &[TimedTrack], ranges: &[Range<usize>], sequence: u32) -> Result<Vec<u8>> {
    let write_moof = |w: &mut BoxWriter, data_offsets: &[i32]| -> Result<()> {
        w.boxed(b"moof", |w| {
            w.full_box(b"mfhd", 0, 0, |w| {
                w.u32(sequence);
                Ok(())
            })?;
            for (index, (timed, range)) in tracks.iter().zip(ranges).enumerate() {
                let samples = &timed.samples()[range.clone()];
                let Some(first) = samples.first() else { continue };
                let decode_time = u64::try_from(first.dts - timed.base).map_err(|_| error("negative decode time"))?;
                w.boxed(b"traf", |w| {
                    w.full_box(b"tfhd", 0, DEFAULT_BASE_IS_MOOF, |w| {
                        w.u32(track_id(index)?);
                        Ok(())
                    })?;
                    w.full_box(b"tfdt", 1, 0, |w| {
                        w.u64(decode_time);
                        Ok(())
                    })?;
                    // Version 1 composition offsets are signed: needed when a sample shows before it decodes.
                    let version = u8::from(samples.iter().any(|s| s.pts < s.dts));
                    w.full_box(b"trun", version, TRUN_FIELDS, |w| {
                        w.u32(samples.len() as u32);
                        w.i32(data_offsets[index]);
                        for (sample, delta) in samples.iter().zip(&timed.deltas[range.clone()]) {
                            w.u32(*delta);
                            w.u32(sample_size(sample)?);
                            w.u32(if sample.key {
                                SYNC_SAMPLE_FLAGS
                            } else {
                                DELTA_SAMPLE_FLAGS
                            });
                            w.i32(
                                i32::try_from(sample.pts - sample.dts)
                                    .map_err(|_| error("a composition offset beyond 32 bits"))?,
                            );
                        }
                        Ok(())
                    })
                })?;
            }
            Ok(())
        })
    };
    // Data offsets count from the start of the `moof`: measure it with placeholders first.
    let mut probe = BoxWriter::default();
    write_moof(&mut probe, &vec![0; tracks.len()])?;
    let mut payload = 0u64;
    let mut offsets = Vec::with_capacity(tracks.len());
    for (timed, range) in tracks.iter().zip(ranges) {
        offsets.push(probe.len() as u64 + 8 + payload);
        for sample in &timed.samples()[range.clone()] {
            payload += u64::from(sample_size(sample)?);
        }
    }
    let mut data_offsets = Vec::with_capacity(offsets.len());
    for offset in offsets {
        data_offsets.push(i32::try_from(offset).map_err(|_| Error::limit("a fragment over 2 GiB"))?);
    }
    let mut w = BoxWriter::default();
    write_moof(&mut w, &data_offsets)?;
    write_mdat_header(&mut w, payload);
    Ok(w.into_bytes())
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::media::CodecConfig;
    use crate::mux::Unread;

    /// Pseudo-random bytes (a fixed linear congruential sequence).
    fn noise(seed: u32, len: usize) -> Vec<u8> {
        let mut state = seed;
        (0..len)
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                (state >> 16) as u8
            })
            .collect()
    }

    fn track(codec: &str, description: Option<Vec<u8>>) -> MuxTrack<'static> {
        MuxTrack {
            kind: if ["avc1", "hvc1", "av01"].iter().any(|v| codec.starts_with(v)) {
                TrackKind::Video
            } else {
                TrackKind::Audio
            },
            timescale: 1000,
            config: CodecConfig {
                codec: codec.to_owned(),
                description,
                width: 64,
                height: 64,
                sample_rate: 48_000,
                channels: 2,
            },
            samples: vec![MuxSample {
                dts: 0,
                pts: 0,
                duration: 10,
                key: true,
                data: Cow::Borrowed(&[1, 2, 3]),
                unread: None,
            }],
            shown: (0, 10),
            display: Display::default(),
        }
    }

    #[test]
    fn bad_decoder_configurations_are_typed_errors() {
        for container in [Container::Mp4, Container::Fmp4] {
            for codec in ["avc1.64001e", "mp4a.40.2", "opus"] {
                assert!(
                    write(&[track(codec, None)], container).is_err(),
                    "{codec} without description"
                );
                for seed in 0..200 {
                    let description = noise(seed, (seed as usize) % 40);
                    // Random bytes may happen to form a record; what matters is no panic.
                    let _ = write(&[track(codec, Some(description))], container);
                }
            }
            assert!(
                write(&[track("vp09.00.10.08", None)], container).is_err(),
                "unwritable codec"
            );
            assert!(write(&[], container).is_err(), "no tracks");
        }
    }

    #[test]
    fn decode_times_must_increase() {
        let mut bad = track(
            "opus",
            Some(
                crate::codec::opus::OpusHead {
                    channels: 2,
                    pre_skip: 0,
                    input_sample_rate: 48_000,
                    output_gain: 0,
                    mapping: None,
                }
                .to_bytes(),
            ),
        );
        bad.samples.push(bad.samples[0].clone());
        let error = write(&[bad.clone()], Container::Mp4).err().map(|e| e.code());
        assert_eq!(error, Some(ErrorCode::MalformedInput));

        // A decode step past 2^31 ticks is still an unsigned 32-bit `stts` delta.
        let mut long = bad;
        long.samples[1].dts = 3_000_000_000;
        long.samples[1].pts = 3_000_000_000;
        long.shown = (0, 3_000_000_010);
        let read = write(&[long], Container::Mp4).and_then(|file| crate::demux::mp4::demux(&file));
        let dts: Vec<i64> = read
            .map(|d| d.tracks[0].samples.iter().map(|s| s.dts).collect())
            .unwrap_or_default();
        assert_eq!(dts, [0, 3_000_000_000]);
    }

    #[test]
    fn every_writable_codec_reads_back_the_same() {
        let opus = crate::codec::opus::OpusHead {
            channels: 2,
            pre_skip: 312,
            input_sample_rate: 48_000,
            output_gain: 0,
            mapping: None,
        };
        let cases: [(&str, Vec<u8>); 5] = [
            // avcC: High 3.0, 4-byte lengths, one SPS, one PPS.
            (
                "avc1.64001e",
                vec![
                    1, 0x64, 0, 0x1E, 0xFF, 0xE1, 0, 4, 0x67, 0x64, 0, 0x1E, 1, 0, 2, 0x68, 0xEE,
                ],
            ),
            // hvcC: Main, level 3.1, no arrays.
            (
                "hvc1.1.6.L93.B0",
                vec![
                    1, 1, 0x60, 0, 0, 0, 0xB0, 0, 0, 0, 0, 0, 93, 0xF0, 0, 0xFC, 0xFD, 0xF8, 0xF8, 0, 0, 0x0F, 0,
                ],
            ),
            ("av01.0.08M.08", vec![0x81, 0x08, 0x0C, 0]),
            // AAC-LC, 44.1 kHz, stereo.
            ("mp4a.40.2", vec![0x12, 0x10]),
            ("opus", opus.to_bytes()),
        ];
        for container in [Container::Mp4, Container::Fmp4] {
            for (codec, description) in &cases {
                let mut written = track(codec, Some(description.clone()));
                if codec.starts_with("mp4a") {
                    written.config.sample_rate = 44_100;
                }
                written.samples.push(MuxSample {
                    dts: 10,
                    pts: 30,
                    duration: 10,
                    key: false,
                    data: Cow::Borrowed(&[4, 5]),
                    unread: None,
                });
                written.shown = (0, 40);
                let file = write(std::slice::from_ref(&written), container);
                let demuxed = file.and_then(|file| crate::demux::mp4::demux(&file));
                let read = demuxed.as_ref().map(|d| &d.tracks[0]);
                let read = match read {
                    Ok(read) => read,
                    Err(e) => panic!("{codec} in {container:?}: {e}"),
                };
                assert_eq!(read.config.codec, *codec, "{container:?}");
                assert_eq!(read.config.description.as_ref(), Some(description), "{codec}");
                let video = written.kind == TrackKind::Video;
                assert_eq!(
                    (read.config.width, read.config.height),
                    if video { (64, 64) } else { (0, 0) }
                );
                if !video {
                    let rate = if *codec == "opus" { 48_000 } else { 44_100 };
                    assert_eq!((read.config.sample_rate, read.config.channels), (rate, 2), "{codec}");
                }
                let times: Vec<_> = read.samples.iter().map(|s| (s.dts, s.pts, s.size, s.key)).collect();
                // The fragment reader takes every audio sample as a sync sample, whatever its flags say.
                let second_key = !video && container == Container::Fmp4;
                assert_eq!(
                    times,
                    [(0, 0, 3, true), (10, 30, 2, second_key)],
                    "{codec} in {container:?}"
                );
            }
        }
    }

    /// A minute of 30 fps video in 1 s groups of pictures (B-frames: shown one frame later than decoded)
    /// and of 48 kHz audio packets, with pseudo-random bytes of varying sizes.
    fn minute() -> Vec<MuxTrack<'static>> {
        let mut video = track(
            "avc1.64001e",
            Some(vec![
                1, 0x64, 0, 0x1E, 0xFF, 0xE1, 0, 4, 0x67, 0x64, 0, 0x1E, 1, 0, 2, 0x68, 0xEE,
            ]),
        );
        video.timescale = 30;
        video.samples = (0..1800)
            .map(|n| MuxSample {
                dts: n,
                pts: n + 1,
                duration: 1,
                key: n % 30 == 0,
                data: Cow::Owned(noise(n as u32, 50 + (n as usize * 7) % 300)),
                unread: None,
            })
            .collect();
        video.shown = (1, 1801);
        let mut audio = track("mp4a.40.2", Some(vec![0x11, 0x90]));
        audio.timescale = 48_000;
        audio.samples = (0..2812)
            .map(|n| MuxSample {
                dts: n * 1024,
                pts: n * 1024,
                duration: 1024,
                key: true,
                data: Cow::Owned(noise(9000 + n as u32, 20 + (n as usize * 3) % 90)),
                unread: None,
            })
            .collect();
        audio.shown = (1024, 2812 * 1024);
        vec![video, audio]
    }

    #[test]
    fn a_layout_written_piece_by_piece_is_the_file_written_at_once() {
        let whole = minute();
        // The same tracks with their bytes left in a "source" (in reverse order, so the writer's order is
        // not the source's), every 30th video sample with a prefix the edit adds.
        let mut source = Vec::new();
        let mut lazy = whole.clone();
        for track in lazy.iter_mut().rev() {
            for (n, sample) in track.samples.iter_mut().enumerate().rev() {
                let split = if n % 30 == 0 { 4 } else { 0 };
                sample.unread = Some(Unread {
                    at: source.len() as u64,
                    len: (sample.data.len() - split) as u32,
                });
                source.extend_from_slice(&sample.data[split..]);
                sample.data = Cow::Owned(sample.data[..split].to_vec());
            }
        }
        for container in [Container::Mp4, Container::Fmp4] {
            let expected = write(&whole, container).unwrap();
            let layout = layout(&lazy, container).unwrap();
            assert_eq!(layout.size(), expected.len() as u64);
            // Written in pieces: boxes as made, each sample read from the source when reached.
            let mut streamed = Vec::new();
            for part in layout.parts() {
                match part {
                    Part::Boxes(bytes) => streamed.extend_from_slice(bytes),
                    Part::Sample(sample) => {
                        let Unread { at, len } = sample.unread.unwrap();
                        let read = &source[at as usize..(at + u64::from(len)) as usize];
                        sample.write_to(read, &mut streamed).unwrap();
                    }
                }
            }
            assert!(streamed == expected, "{container:?}: the streamed file differs");
            // Bytes not at hand cannot be written at once; a sample that comes shorter than its index
            // said is refused.
            assert!(write(&lazy, container).is_err());
            let sample = layout.parts().find_map(|p| match p {
                Part::Sample(s) => Some(s),
                Part::Boxes(_) => None,
            });
            let short = sample.map(|s| s.write_to(&[1], &mut Vec::new()).map_err(|e| e.code()));
            assert_eq!(short, Some(Err(ErrorCode::MalformedInput)));
        }
    }
}
