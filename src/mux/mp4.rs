//! The MP4 writer: sample tables (or fragments) from [`MuxTrack`]s, an edit list per track that shows
//! exactly its `shown` interval, and the sample bytes in one `mdat`.
//!
//! Times in the file start at each track's first decode time: a sample's composition time is
//! `pts - first dts`, and the edit list starts presentation at `shown.0 - first dts`, so every track's
//! `shown.0` lands on the movie's time 0 and the tracks stay in sync whatever their pre-roll.

use mp4_atom::{
    Co64, Ctts, CttsEntry, Dinf, Dref, Edts, Elst, ElstEntry, Encode, FourCC, Ftyp, Hdlr, Mdhd, Mdia, Mfhd, Minf, Moof,
    Moov, Mvex, Mvhd, Smhd, Stbl, Stco, Stsc, StscEntry, Stsd, Stss, Stsz, StszSamples, Stts, SttsEntry, Tfdt, Tfhd,
    Tkhd, Traf, Trak, Trex, Trun, TrunEntry, Url, Vmhd,
};

use super::sample_entry::sample_entry;
use super::{Container, MuxSample, MuxTrack};
use crate::error::{Error, ErrorCode, Result};
use crate::media::TrackKind;
use crate::time::rescale_ticks;

/// Samples of a track are written in runs ("chunks") of about this long, alternating between tracks in
/// time order, so a player reading the file front to back finds sound and pictures together.
const INTERLEAVE_SECONDS: i64 = 1;

/// `trun` sample flags (ISO/IEC 14496-12 8.8.3.1): a sync sample depends on no other...
const SYNC_SAMPLE_FLAGS: u32 = 0x0200_0000;
/// ...a delta frame depends on others and is not a sync sample.
const DELTA_SAMPLE_FLAGS: u32 = 0x0101_0000;

/// Writes `tracks` as one MP4 file.
pub fn write(tracks: &[MuxTrack], container: Container) -> Result<Vec<u8>> {
    let timed: Vec<TimedTrack> = tracks.iter().map(TimedTrack::new).collect::<Result<_>>()?;
    let movie_timescale = movie_timescale(tracks)?;
    match container {
        Container::Mp4 => write_progressive(&timed, movie_timescale),
        Container::Fmp4 => write_fragmented(&timed, movie_timescale),
    }
}

fn error(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::MalformedInput, message)
}

fn encode_failed(e: mp4_atom::Error) -> Error {
    Error::new(ErrorCode::Unsupported, format!("cannot write the MP4 index: {e}"))
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

/// A track with its decode durations worked out and its times checked.
struct TimedTrack<'a> {
    track: &'a MuxTrack<'a>,
    /// Decode time of the first sample: the track's time 0 in the file.
    base: i64,
    /// Each sample's decode duration: the gap to the next sample's decode time (see `new` for the last).
    deltas: Vec<u32>,
}

impl<'a> TimedTrack<'a> {
    fn new(track: &'a MuxTrack<'a>) -> Result<TimedTrack<'a>> {
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
        Ok(TimedTrack {
            track,
            base: first.dts,
            deltas,
        })
    }

    fn samples(&self) -> &[MuxSample<'a>] {
        &self.track.samples
    }

    /// Sum of the decode durations: the media's length in its own ticks.
    fn media_duration(&self) -> u64 {
        self.deltas.iter().map(|d| u64::from(*d)).sum()
    }

    /// The edit list that shows `shown` and nothing else, and its length in movie ticks.
    fn edits(&self, movie_timescale: u32) -> Result<(Elst, u64)> {
        let timescale = self.track.timescale;
        let (start, end) = self.track.shown;
        let to_movie = |ticks: i64| -> Result<u64> {
            u64::try_from(rescale_ticks(ticks, timescale, movie_timescale)?)
                .map_err(|_| error("negative edit duration"))
        };
        let mut entries = Vec::new();
        // Media starting after the clip's time 0 (sound that begins a little after the first picture)
        // waits behind an empty edit; otherwise presentation starts `start - base` into the media.
        let media_start = if start < self.base {
            entries.push(ElstEntry {
                segment_duration: to_movie(self.base - start)?,
                media_time: None,
                media_rate: 1.into(),
            });
            self.base
        } else {
            start
        };
        entries.push(ElstEntry {
            segment_duration: to_movie(end - media_start)?,
            media_time: Some(u64::try_from(media_start - self.base).map_err(|_| error("negative media time"))?),
            media_rate: 1.into(),
        });
        let total = entries.iter().map(|e| e.segment_duration).sum();
        Ok((Elst { entries }, total))
    }

    /// The `trak` box; `tables` fills in its sample tables (empty for a fragmented file).
    fn trak(&self, id: u32, movie_timescale: u32, stbl: Stbl) -> Result<(Trak, u64)> {
        let track = self.track;
        let (elst, duration) = self.edits(movie_timescale)?;
        let video = track.kind == TrackKind::Video;
        let size = |pixels: u32| u16::try_from(pixels).unwrap_or(u16::MAX).into();
        let trak = Trak {
            tkhd: Tkhd {
                track_id: id,
                duration,
                enabled: true,
                in_movie: true,
                volume: if video { 0.into() } else { 1.into() },
                width: if video { size(track.config.width) } else { 0.into() },
                height: if video { size(track.config.height) } else { 0.into() },
                ..Default::default()
            },
            edts: Some(Edts { elst: Some(elst) }),
            mdia: Mdia {
                mdhd: Mdhd {
                    timescale: track.timescale,
                    duration: self.media_duration(),
                    language: "und".into(),
                    ..Default::default()
                },
                hdlr: Hdlr {
                    handler: FourCC::new(if video { b"vide" } else { b"soun" }),
                    name: if video { "VideoHandler" } else { "SoundHandler" }.into(),
                },
                minf: Minf {
                    vmhd: video.then(Vmhd::default),
                    smhd: (!video).then(Smhd::default),
                    dinf: Dinf {
                        dref: Dref {
                            entries: vec![Url::default().into()],
                        },
                    },
                    stbl,
                    ..Default::default()
                },
            },
            ..Default::default()
        };
        Ok((trak, duration))
    }

    /// The sample description box: one entry, from the track's configuration.
    fn stsd(&self) -> Result<Stsd> {
        Ok(Stsd {
            codecs: vec![sample_entry(&self.track.config)?],
        })
    }

    /// `stts`, `ctts`, `stss` and `stsz`, run-length coded where the format allows.
    fn sample_tables(&self, chunks: ChunkTable) -> Result<Stbl> {
        let samples = self.samples();
        let mut stts: Vec<SttsEntry> = Vec::new();
        for delta in &self.deltas {
            match stts.last_mut() {
                Some(last) if last.sample_delta == *delta => last.sample_count += 1,
                _ => stts.push(SttsEntry {
                    sample_count: 1,
                    sample_delta: *delta,
                }),
            }
        }
        let mut ctts: Vec<CttsEntry> = Vec::new();
        for sample in samples {
            let offset = sample.pts - sample.dts;
            match ctts.last_mut() {
                Some(last) if last.sample_offset == offset => last.sample_count += 1,
                _ => ctts.push(CttsEntry {
                    sample_count: 1,
                    sample_offset: offset,
                }),
            }
        }
        let all_key = samples.iter().all(|s| s.key);
        let sync: Vec<u32> = (1..)
            .zip(samples)
            .filter(|(_, s)| s.key)
            .map(|(number, _)| number)
            .collect();
        let sizes = samples.iter().map(|s| sample_size(s)).collect::<Result<Vec<u32>>>()?;
        let (stco, co64) = chunks.offsets;
        Ok(Stbl {
            stsd: self.stsd()?,
            stts: Stts { entries: stts },
            ctts: (ctts.len() > 1 || ctts.first().is_some_and(|c| c.sample_offset != 0))
                .then_some(Ctts { entries: ctts }),
            stss: (!all_key).then_some(Stss { entries: sync }),
            stsc: Stsc { entries: chunks.stsc },
            stsz: Stsz {
                samples: StszSamples::Different { sizes },
            },
            stco,
            co64,
            ..Default::default()
        })
    }
}

fn sample_size(sample: &MuxSample) -> Result<u32> {
    u32::try_from(sample.data.len()).map_err(|_| Error::new(ErrorCode::LimitExceeded, "a sample over 4 GiB"))
}

/// A run of consecutive samples of one track, stored together.
#[derive(Debug, Clone, Copy)]
struct Run {
    track: usize,
    first: usize,
    count: usize,
}

/// Cuts every track into runs of about [`INTERLEAVE_SECONDS`] and orders all runs by start time.
fn interleave(tracks: &[TimedTrack]) -> Vec<Run> {
    let mut runs = Vec::new();
    for (index, timed) in tracks.iter().enumerate() {
        let span = i64::from(timed.track.timescale) * INTERLEAVE_SECONDS;
        let samples = timed.samples();
        let mut first = 0;
        while first < samples.len() {
            let limit = samples[first].dts + span;
            let count = samples[first..].iter().take_while(|s| s.dts < limit).count().max(1);
            runs.push(Run {
                track: index,
                first,
                count,
            });
            first += count;
        }
    }
    // Compare start times exactly across timescales: a/b < c/d  <=>  a*d < c*b.
    runs.sort_by(|a, b| {
        let start = |run: &Run| {
            let t = &tracks[run.track];
            (
                i128::from(t.samples()[run.first].dts - t.base),
                i128::from(t.track.timescale),
            )
        };
        let ((an, ad), (bn, bd)) = (start(a), start(b));
        (an * bd).cmp(&(bn * ad)).then(a.track.cmp(&b.track))
    });
    runs
}

/// A track's chunk tables: how many samples each chunk holds, and where each chunk starts.
struct ChunkTable {
    stsc: Vec<StscEntry>,
    offsets: (Option<Stco>, Option<Co64>),
}

fn chunk_tables(track: usize, runs: &[Run], run_offsets: &[u64], wide: bool) -> Result<ChunkTable> {
    let mut stsc: Vec<StscEntry> = Vec::new();
    let mut offsets = Vec::new();
    for (run, offset) in runs.iter().zip(run_offsets).filter(|(run, _)| run.track == track) {
        offsets.push(*offset);
        let chunk = u32::try_from(offsets.len()).map_err(|_| error("too many chunks"))?;
        let count = u32::try_from(run.count).map_err(|_| error("too many samples in a chunk"))?;
        if stsc.last().is_none_or(|last| last.samples_per_chunk != count) {
            stsc.push(StscEntry {
                first_chunk: chunk,
                samples_per_chunk: count,
                sample_description_index: 1,
            });
        }
    }
    let offsets = if wide {
        (None, Some(Co64 { entries: offsets }))
    } else {
        let narrow = offsets.iter().map(|o| u32::try_from(*o).unwrap_or(u32::MAX)).collect();
        (Some(Stco { entries: narrow }), None)
    };
    Ok(ChunkTable { stsc, offsets })
}

fn ftyp(fragmented: bool) -> Ftyp {
    let brands: &[&[u8; 4]] = if fragmented {
        &[b"iso6", b"isom", b"avc1", b"mp41"]
    } else {
        &[b"isom", b"iso2", b"avc1", b"mp41"]
    };
    Ftyp {
        major_brand: FourCC::new(brands[0]),
        minor_version: 512,
        compatible_brands: brands.iter().map(|b| FourCC::new(b)).collect(),
    }
}

fn mvhd(movie_timescale: u32, duration: u64, track_count: usize) -> Mvhd {
    Mvhd {
        timescale: movie_timescale,
        duration,
        rate: 1.into(),
        volume: 1.into(),
        next_track_id: u32::try_from(track_count + 1).unwrap_or(u32::MAX),
        ..Default::default()
    }
}

fn encode(atom: &impl Encode, out: &mut Vec<u8>) -> Result<()> {
    atom.encode(out).map_err(encode_failed)
}

/// Writes an `mdat` header for `payload` bytes (64-bit size past 4 GiB).
fn mdat_header(payload: u64, out: &mut Vec<u8>) {
    match u32::try_from(payload + 8) {
        Ok(size) => out.extend_from_slice(&size.to_be_bytes()),
        Err(_) => {
            out.extend_from_slice(&1u32.to_be_bytes());
            out.extend_from_slice(b"mdat");
            out.extend_from_slice(&(payload + 16).to_be_bytes());
            return;
        }
    }
    out.extend_from_slice(b"mdat");
}

/// `ftyp`, `moov` with the complete index, then `mdat`.
fn write_progressive(tracks: &[TimedTrack], movie_timescale: u32) -> Result<Vec<u8>> {
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
    let moov = |data_start: u64| -> Result<Moov> {
        let absolute: Vec<u64> = relative.iter().map(|r| r + data_start).collect();
        let mut traks = Vec::with_capacity(tracks.len());
        let mut duration = 0;
        for (index, timed) in tracks.iter().enumerate() {
            let tables = timed.sample_tables(chunk_tables(index, &runs, &absolute, wide)?)?;
            let id = u32::try_from(index + 1).map_err(|_| error("too many tracks"))?;
            let (trak, length) = timed.trak(id, movie_timescale, tables)?;
            duration = duration.max(length);
            traks.push(trak);
        }
        Ok(Moov {
            mvhd: mvhd(movie_timescale, duration, tracks.len()),
            trak: traks,
            ..Default::default()
        })
    };
    let mut head = Vec::new();
    encode(&ftyp(false), &mut head)?;
    // The index holds the data's offsets, which depend on the index's own size: measure it once (offsets
    // have a fixed width), then write it for real.
    let mut mdat = Vec::new();
    mdat_header(payload, &mut mdat);
    let header = mdat.len() as u64;
    let mut probe = Vec::new();
    encode(&moov(0)?, &mut probe)?;
    let data_start = head.len() as u64 + probe.len() as u64 + header;
    let mut out = Vec::with_capacity(usize::try_from(data_start + payload).unwrap_or(0));
    out.extend_from_slice(&head);
    encode(&moov(data_start)?, &mut out)?;
    if out.len() as u64 + header != data_start {
        return Err(error("the MP4 index changed size between measuring and writing it"));
    }
    out.extend_from_slice(&mdat);
    for run in &runs {
        for sample in &tracks[run.track].samples()[run.first..run.first + run.count] {
            out.extend_from_slice(&sample.data);
        }
    }
    Ok(out)
}

/// `ftyp`, a `moov` without samples (`mvex`), then one `moof`+`mdat` per fragment: a fragment starts at
/// each video keyframe (so each can be decoded alone), or every [`INTERLEAVE_SECONDS`] without video.
fn write_fragmented(tracks: &[TimedTrack], movie_timescale: u32) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    encode(&ftyp(true), &mut out)?;
    let mut traks = Vec::with_capacity(tracks.len());
    let mut trex = Vec::with_capacity(tracks.len());
    let mut duration = 0;
    for (index, timed) in tracks.iter().enumerate() {
        let id = u32::try_from(index + 1).map_err(|_| error("too many tracks"))?;
        let stbl = Stbl {
            stsd: timed.stsd()?,
            stco: Some(Stco::default()),
            ..Default::default()
        };
        let (trak, length) = timed.trak(id, movie_timescale, stbl)?;
        duration = duration.max(length);
        traks.push(trak);
        trex.push(Trex {
            track_id: id,
            default_sample_description_index: 1,
            ..Default::default()
        });
    }
    let moov = Moov {
        mvhd: mvhd(movie_timescale, duration, tracks.len()),
        mvex: Some(Mvex { mehd: None, trex }),
        trak: traks,
        ..Default::default()
    };
    encode(&moov, &mut out)?;
    for (sequence, fragment) in (1..).zip(fragments(tracks)) {
        write_fragment(tracks, &fragment, sequence, &mut out)?;
    }
    Ok(out)
}

/// Each fragment's sample range per track.
fn fragments(tracks: &[TimedTrack]) -> Vec<Vec<std::ops::Range<usize>>> {
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

fn write_fragment(
    tracks: &[TimedTrack],
    ranges: &[std::ops::Range<usize>],
    sequence: u32,
    out: &mut Vec<u8>,
) -> Result<()> {
    let moof = |data_offsets: &[i32]| -> Result<Moof> {
        let mut traf = Vec::new();
        for (index, (timed, range)) in tracks.iter().zip(ranges).enumerate() {
            let samples = &timed.samples()[range.clone()];
            let Some(first) = samples.first() else { continue };
            let entries = samples
                .iter()
                .zip(&timed.deltas[range.clone()])
                .map(|(s, delta)| {
                    Ok(TrunEntry {
                        duration: Some(*delta),
                        size: Some(sample_size(s)?),
                        flags: Some(if s.key { SYNC_SAMPLE_FLAGS } else { DELTA_SAMPLE_FLAGS }),
                        cts: Some(s.pts - s.dts),
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            traf.push(Traf {
                tfhd: Tfhd {
                    track_id: u32::try_from(index + 1).map_err(|_| error("too many tracks"))?,
                    default_base_is_moof: true,
                    ..Default::default()
                },
                tfdt: Some(Tfdt {
                    base_media_decode_time: u64::try_from(first.dts - timed.base)
                        .map_err(|_| error("negative decode time"))?,
                }),
                trun: vec![Trun {
                    data_offset: Some(data_offsets[index]),
                    samples: entries.into(),
                }],
                ..Default::default()
            });
        }
        Ok(Moof {
            mfhd: Mfhd {
                sequence_number: sequence,
            },
            traf,
        })
    };
    // Data offsets count from the start of the `moof`: measure it with placeholders first.
    let mut probe = Vec::new();
    encode(&moof(&vec![0; tracks.len()])?, &mut probe)?;
    let mut payload = 0u64;
    let mut offsets = Vec::with_capacity(tracks.len());
    for (timed, range) in tracks.iter().zip(ranges) {
        offsets.push(probe.len() as u64 + 8 + payload);
        for sample in &timed.samples()[range.clone()] {
            payload += u64::from(sample_size(sample)?);
        }
    }
    let offsets = offsets
        .into_iter()
        .map(|o| i32::try_from(o).map_err(|_| Error::new(ErrorCode::LimitExceeded, "a fragment over 2 GiB")))
        .collect::<Result<Vec<i32>>>()?;
    encode(&moof(&offsets)?, out)?;
    mdat_header(payload, out);
    for (timed, range) in tracks.iter().zip(ranges) {
        for sample in &timed.samples()[range.clone()] {
            out.extend_from_slice(&sample.data);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::media::CodecConfig;

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
            kind: if codec.starts_with("avc") {
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
            }],
            shown: (0, 10),
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
        let error = write(&[bad], Container::Mp4).err().map(|e| e.code());
        assert_eq!(error, Some(ErrorCode::MalformedInput));
    }
}
