//! The movie index: a `moov` box's sample tables into [`Sample`]s with file offsets, edit lists applied.
//!
//! Range I/O needs only the `moov` box: walk the top-level box headers with [`read_header`] (a few 16-byte
//! reads, wherever `moov` sits), fetch `moov`, and [`Movie::parse_moov`] indexes every sample without touching
//! `mdat`. A `moov` with `mvex` announces a fragmented file, whose samples are in `moof` boxes (see `fmp4`).
//!
//! [`read_header`]: super::boxes::read_header

use super::boxes::read_header;
pub use super::moov::TrackDefaults;
use super::moov::{read_moov, ChunkOffsets, SampleSizes, SampleTables, TrakBoxes};
use super::reader::{be_u32, BoxReader, Table};
use super::sample_entry::read_sample_entry;
use crate::error::{Error, ErrorCode, Result};
use crate::isobmff::{matrix, VIDEO_HANDLER};
use crate::media::{Demuxed, Display, Payload, Sample, Track, TrackKind};
use crate::time::rescale_ticks;

/// Most samples one track may have: a day of 120 fps video. Larger counts are hostile input.
pub const MAX_SAMPLES_PER_TRACK: u64 = 10_368_000;

/// A track of a movie: its samples so far plus what fragments need to add more.
#[derive(Debug, Clone, PartialEq)]
pub struct MovieTrack {
    /// The track with the samples of the `moov` sample tables (none for a fragmented file's init segment).
    pub track: Track,
    /// Ticks added to every stored decode/presentation time: the edit list's empty edits (a delay)
    /// minus the media time of its first real edit (B-frame delay, AAC priming).
    pub shift: i64,
    /// `trex` defaults, for fragmented files.
    pub defaults: TrackDefaults,
}

/// The tracks of a `moov` box.
#[derive(Debug, Clone, PartialEq)]
pub struct Movie {
    /// Video and audio tracks in `moov` order; other tracks (text, metadata) are left out.
    pub tracks: Vec<MovieTrack>,
    /// The movie has `mvex`: its samples come in `moof` fragments.
    pub fragmented: bool,
}

impl Movie {
    /// Parses a `moov` box (its bytes, header included). `file_len` (the size of the whole file, as far as
    /// it is known) bounds the sample counts a hostile file can claim.
    pub fn parse_moov(moov: &[u8], file_len: u64) -> Result<Movie> {
        let header = read_header(moov, 0)?
            .filter(|h| &h.kind == b"moov")
            .ok_or_else(|| Error::malformed("not a 'moov' box"))?;
        let end = usize::try_from(header.end(moov.len() as u64)).unwrap_or(usize::MAX);
        let body = moov
            .get(header.header_len as usize..end)
            .ok_or_else(|| Error::malformed("the 'moov' box is cut short"))?;
        let moov = read_moov(&BoxReader::new(header.kind, body))?;
        let mut tracks = Vec::new();
        // A track without a usable sample description (no `stsd`, a broken sample entry) is dropped and the
        // others play; the file is refused only when no track is left.
        let mut broken = None;
        for trak in &moov.tracks {
            match read_track(trak, moov.movie_timescale, file_len, moov.trex.as_deref())? {
                Ok(track) => tracks.push(track),
                Err(error) => {
                    broken.get_or_insert(error);
                }
            }
        }
        if let (true, Some(error)) = (tracks.is_empty(), broken) {
            return Err(error);
        }
        Ok(Movie {
            tracks,
            fragmented: moov.trex.is_some(),
        })
    }

    /// The demuxed tracks; sample offsets are offsets in the file.
    pub fn into_demuxed(self) -> Demuxed {
        let mut tracks = Vec::with_capacity(self.tracks.len());
        for movie_track in self.tracks {
            tracks.push(movie_track.track);
        }
        Demuxed {
            tracks,
            payload: Payload::Source,
        }
    }
}

impl Movie {
    /// Every sample must lie inside a file of `file_len` bytes: a sample past the end means a truncated
    /// file (or sample tables that lie).
    pub fn check_sample_data(&self, file_len: u64) -> Result<()> {
        for movie_track in &self.tracks {
            let track = &movie_track.track;
            if let Some(sample) = track.samples.iter().find(|s| s.offset + u64::from(s.size) > file_len) {
                return Err(Error::malformed(format!(
                    "track {}: a sample's data ends at byte {}, but the file has {file_len} bytes (truncated?)",
                    track.id,
                    sample.offset + u64::from(sample.size)
                )));
            }
        }
        Ok(())
    }
}

/// The track of a video or sound `trak`; the inner error when its sample description cannot be used
/// (the track is dropped, see [`Movie::parse_moov`]), the outer one for any other fault (the file is
/// refused).
fn read_track(
    trak: &TrakBoxes,
    movie_timescale: u32,
    file_len: u64,
    trex: Option<&[(u32, TrackDefaults)]>,
) -> Result<Result<MovieTrack>> {
    let kind = if trak.handler == VIDEO_HANDLER {
        TrackKind::Video
    } else {
        TrackKind::Audio
    };
    let track_id = trak.track_id;
    let timescale = trak.timescale;
    if timescale == 0 {
        return Err(Error::malformed(format!("track {track_id} has a zero timescale")));
    }
    let Some(entry) = trak.sample_entry.as_ref() else {
        return Ok(Err(Error::malformed(format!(
            "track {track_id} has no sample description"
        ))));
    };
    let entry = match read_sample_entry(entry, kind, trak.stsd_version) {
        Ok(entry) => entry,
        // Encrypted media is refused whole (unsupported), not played without its encrypted tracks.
        Err(error) if error.code() == ErrorCode::MalformedInput => return Ok(Err(error)),
        Err(error) => return Err(error),
    };
    let (shift, presentation_start, edit_end) = edit_list(trak, movie_timescale, timescale)?;
    let mut samples = match entry.pcm_frame_bytes {
        Some(frame_bytes) if counts_single_frames(&trak.tables) => pcm_packets(trak, file_len, frame_bytes, shift)?,
        _ => sample_table(trak, file_len, shift)?,
    };
    if let Some(end) = edit_end {
        cut_at_edit_end(&mut samples, end, shift, kind, trak.tables.ctts.len() > 0);
    }
    let defaults = trex
        .unwrap_or_default()
        .iter()
        .find(|(id, _)| *id == track_id)
        .map(|(_, defaults)| *defaults)
        .unwrap_or_default();
    let display = match kind {
        TrackKind::Video => Display {
            pixel_aspect: entry.pixel_aspect,
            ..matrix::display_of(trak.matrix)
        },
        TrackKind::Audio => Display::default(),
    };
    Ok(Ok(MovieTrack {
        track: Track {
            id: track_id,
            kind,
            timescale,
            config: entry.config,
            presentation_start,
            display,
            samples,
        },
        shift,
        defaults,
    }))
}

/// The edit list's effect, in media ticks (as ffmpeg applies it): the shift of every stored time (empty
/// edits at the start delay the track; the first real edit's media time is where presentation starts),
/// where presentation starts after the shift (`None` without an edit list), and, when that edit is the
/// list's last, where it ends in stored composition time (`None`: it runs to the end of the media).
fn edit_list(trak: &TrakBoxes, movie_timescale: u32, media_timescale: u32) -> Result<(i64, Option<i64>, Option<i64>)> {
    let Some(edits) = &trak.edits else {
        return Ok((0, None, None));
    };
    let mut delay = 0i64;
    for (index, edit) in edits.iter().enumerate() {
        let duration =
            i64::try_from(edit.segment_duration).map_err(|_| Error::malformed("edit list: edit too long"))?;
        match edit.media_time {
            None => {
                if movie_timescale == 0 {
                    return Err(Error::malformed("movie header has a zero timescale"));
                }
                let ticks = rescale_ticks(duration, movie_timescale, media_timescale)?;
                delay = delay
                    .checked_add(ticks)
                    .ok_or_else(|| Error::malformed("edit list: delay overflows"))?;
            }
            Some(media_time) => {
                // A zero duration (or no movie timescale to count it in) leaves the end open.
                let end = if index + 1 == edits.len() && duration > 0 && movie_timescale > 0 {
                    rescale_ticks(duration, movie_timescale, media_timescale)?.checked_add(media_time)
                } else {
                    None
                };
                return Ok((delay - media_time, Some(delay), end));
            }
        }
    }
    Ok((delay, None, None))
}

/// Drops the samples after the end of the edit list, as ffmpeg does: samples are kept in decode order up to
/// the first sync sample (any sound packet) that reaches the end; with reordered pictures (`ctts`), up to
/// the next sync sample after that, as B-frames decoded after a key frame may still be shown before the
/// end. `end` is in stored composition time; `shift` is what the samples' times were moved by.
fn cut_at_edit_end(samples: &mut Vec<Sample>, end: i64, shift: i64, kind: TrackKind, reordered: bool) {
    let mut waited = kind == TrackKind::Audio || !reordered;
    let last = samples.iter().position(|s| {
        let reaches = s.pts.saturating_sub(shift).saturating_add(i64::from(s.duration)) >= end;
        if !reaches || !(s.key || kind == TrackKind::Audio) {
            return false;
        }
        std::mem::replace(&mut waited, true)
    });
    if let Some(last) = last {
        samples.truncate(last + 1);
    }
}

/// The number of samples `stsz` lists, checked against the file's size and the per-track limit.
fn sample_count(trak: &TrakBoxes, file_len: u64) -> Result<u64> {
    let track_id = trak.track_id;
    let count = match &trak.tables.sizes {
        SampleSizes::Identical { count, size } => {
            // Each sample takes at least one byte of the file: a count beyond that is a lie.
            let claimed = u64::from(*count) * u64::from((*size).max(1));
            if claimed > file_len {
                return Err(Error::limit(format!(
                    "track {track_id}: {count} samples of {size} bytes cannot fit in {file_len} bytes"
                )));
            }
            u64::from(*count)
        }
        SampleSizes::Different(sizes) => sizes.len() as u64,
    };
    if count > MAX_SAMPLES_PER_TRACK {
        return Err(Error::limit(format!(
            "track {track_id}: {count} samples is more than the limit"
        )));
    }
    Ok(count)
}

/// Frames of uncompressed sound per packet when a chunk is cut into packets: ffmpeg's choice, so the
/// packets are the ones `ffprobe -show_packets` lists.
const PCM_FRAMES_PER_PACKET: u64 = 1024;

/// Whether the tables count single frames of sound: one `stts` entry of one tick per sample, as QuickTime
/// and ISO/IEC 23003-5 write uncompressed sound (the test ffmpeg applies before regrouping it).
fn counts_single_frames(tables: &SampleTables) -> bool {
    tables.stts.len() == 1 && tables.stts.u32_at(0, 4) == Some(1)
}

/// Uncompressed sound whose tables list every frame as a sample (five seconds at 8 kHz: 40,000 samples of
/// two bytes) is read in packets, as ffmpeg and ExoPlayer read it: each chunk's frames, in packets of at
/// most [`PCM_FRAMES_PER_PACKET`] frames of `frame_bytes` each (the size the sample entry gives; `stsz`
/// often says 1 whatever the format).
fn pcm_packets(trak: &TrakBoxes, file_len: u64, frame_bytes: u32, shift: i64) -> Result<Vec<Sample>> {
    let mut frames_left = sample_count(trak, file_len)?;
    let mut chunks = ChunkWalker::new(&trak.tables);
    let mut samples = Vec::new();
    let mut dts = shift;
    while frames_left > 0 {
        let (mut offset, in_chunk) = chunks.next_chunk()?;
        let mut chunk_left = in_chunk.min(frames_left);
        frames_left -= chunk_left;
        while chunk_left > 0 {
            let frames = chunk_left.min(PCM_FRAMES_PER_PACKET);
            chunk_left -= frames;
            // At most 1024 frames of at most 2^32 bytes: within u64; the size must fit the sample's u32.
            let size = u32::try_from(frames * u64::from(frame_bytes))
                .map_err(|_| Error::malformed(format!("track {}: sound frames too large", trak.track_id)))?;
            samples.push(Sample {
                pts: dts,
                dts,
                duration: frames as u32,
                key: true,
                offset,
                size,
                stored_size: size,
            });
            dts = dts.saturating_add(frames as i64);
            offset = offset
                .checked_add(u64::from(size))
                .ok_or_else(|| Error::malformed("sample offsets overflow"))?;
        }
    }
    Ok(samples)
}

/// Expands a track's sample tables (`stsz`, `stts`, `ctts`, `stss`, `stsc`, `stco`/`co64`) into samples.
fn sample_table(trak: &TrakBoxes, file_len: u64, shift: i64) -> Result<Vec<Sample>> {
    let tables = &trak.tables;
    let count = sample_count(trak, file_len)?;
    let sizes = match &tables.sizes {
        SampleSizes::Identical { .. } => None,
        SampleSizes::Different(sizes) => Some(sizes),
    };
    let mut sizes = sizes.map(|table| table.u32s());
    let identical_size = match tables.sizes {
        SampleSizes::Identical { size, .. } => size,
        SampleSizes::Different(_) => 0,
    };
    let count = count as usize;
    let mut samples = Vec::with_capacity(count);

    // Decode times from the run-length `stts`; a table that runs short repeats its last delta.
    let mut deltas = run_lengths(&tables.stts);
    let last_delta = tables.stts.entries().last().map_or(0, |e| be_u32(e, 4));
    // Composition offsets from `ctts` (absent: presentation order is decode order). Read signed whatever
    // the box version, as ffmpeg does: version 0 boxes with negative offsets exist.
    let mut offsets = run_lengths(&tables.ctts);
    // Sync samples from `stss` (1-based, increasing); absent: every sample is a sync sample.
    let mut sync = tables.stss.map(|stss| stss.u32s().peekable());

    let mut chunks = ChunkWalker::new(tables);
    let mut dts = 0i64;
    for index in 0..count {
        let delta = deltas.next().unwrap_or(last_delta);
        let composition = offsets.next().map_or(0, |offset| i64::from(offset as i32));
        let number = (index + 1) as u32;
        let key = match &mut sync {
            None => true,
            Some(sync) => {
                while sync.next_if(|n| *n < number).is_some() {}
                sync.peek() == Some(&number)
            }
        };
        let size = sizes.as_mut().and_then(Iterator::next).unwrap_or(identical_size);
        let offset = chunks.next_sample_offset(size)?;
        let stored_dts = dts;
        dts = dts
            .checked_add(i64::from(delta))
            .ok_or_else(|| Error::malformed("decode time overflows"))?;
        samples.push(Sample {
            pts: stored_dts.saturating_add(composition).saturating_add(shift),
            dts: stored_dts.saturating_add(shift),
            duration: delta,
            key,
            offset,
            size,
            stored_size: size,
        });
    }
    // Negative composition offsets show a picture before its stored decode time. Decode times move back by
    // the largest such lead, so that every picture is decoded no later than it is shown; presentation
    // times stay (ffmpeg's `dts_shift`; a `cslg` box states the same shift).
    // Saturating, as the times above: a hostile table may have pushed them to the ends of `i64`.
    let lead = samples.iter().map(|s| s.dts.saturating_sub(s.pts)).max().unwrap_or(0);
    if lead > 0 {
        samples.iter_mut().for_each(|s| s.dts = s.dts.saturating_sub(lead));
    }
    Ok(samples)
}

/// The values of a run-length table of (count, value) pairs (`stts`, `ctts`), one per sample.
fn run_lengths<'a>(table: &Table<'a>) -> impl Iterator<Item = u32> + 'a {
    let mut entries = table.entries();
    let (mut count, mut value) = (0, 0);
    std::iter::from_fn(move || {
        while count == 0 {
            let entry = entries.next()?;
            (count, value) = (be_u32(entry, 0), be_u32(entry, 4));
        }
        count -= 1;
        Some(value)
    })
}

/// Walks `stsc` and the chunk offset table: samples sit back to back inside chunks.
struct ChunkWalker<'a> {
    offsets: &'a ChunkOffsets<'a>,
    stsc: Table<'a>,
    /// Index of the current chunk (0-based), or `None` before the first.
    chunk: Option<usize>,
    stsc_index: usize,
    left_in_chunk: u64,
    next_offset: u64,
}

impl<'a> ChunkWalker<'a> {
    fn new(tables: &'a SampleTables<'a>) -> Self {
        ChunkWalker {
            offsets: &tables.chunk_offsets,
            stsc: tables.stsc,
            chunk: None,
            stsc_index: 0,
            left_in_chunk: 0,
            next_offset: 0,
        }
    }

    /// The next chunk: its offset and how many samples `stsc` puts in it.
    fn next_chunk(&mut self) -> Result<(u64, u64)> {
        let chunk = self.chunk.map_or(0, |c| c + 1);
        self.chunk = Some(chunk);
        let offset = self
            .offsets
            .get(chunk)
            .ok_or_else(|| Error::malformed("the chunk tables hold fewer samples than the sample size table"))?;
        // stsc entries (first chunk, samples per chunk, description) name their first chunk 1-based;
        // the last entry that started at or before this chunk applies.
        while self
            .stsc
            .u32_at(self.stsc_index + 1, 0)
            .is_some_and(|first_chunk| (first_chunk as usize) <= chunk + 1)
        {
            self.stsc_index += 1;
        }
        Ok((offset, self.stsc.u32_at(self.stsc_index, 4).map_or(0, u64::from)))
    }

    /// The offset of the next sample, `size` bytes long.
    fn next_sample_offset(&mut self, size: u32) -> Result<u64> {
        while self.left_in_chunk == 0 {
            (self.next_offset, self.left_in_chunk) = self.next_chunk()?;
        }
        self.left_in_chunk -= 1;
        let offset = self.next_offset;
        self.next_offset = offset
            .checked_add(u64::from(size))
            .ok_or_else(|| Error::malformed("sample offsets overflow"))?;
        Ok(offset)
    }
}
