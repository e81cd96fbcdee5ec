//! A media file as chunks. An MP4's index is read once at open (box headers walked to `moov`, sample data
//! not read), then each chunk's samples are fetched with one or two Range reads. An MPEG-TS or raw audio
//! file (ADTS AAC, MP3) has no index: it is read and demuxed whole at open, its samples kept in memory.

use std::cell::RefCell;
use std::ops::Range;
use std::rc::Rc;

use super::cell::Access;
use super::chunk::{Chunk, ChunkCache};
use super::job::Job;
use super::source::{Source, HEAD_BYTES};
use crate::demux::boxes::{BoxLocator, Locate};
use crate::demux::movie::Movie;
use crate::demux::{detect_format, mp4, packed_audio, ts, Format};
use crate::edit::footage::Footage;
use crate::edit::trim::{self, TrimMode, TrimPlan};
use crate::error::{Error, ErrorCode, Result};
use crate::media::{Sample, Track, TrackKind};
use crate::player::chunks::{chunk_at, chunk_spans, ChunkSpan};
use crate::player::{keyframe_times, timeline_origin};
use crate::time::Time;

/// Chunks kept in memory: the one playing, the one ahead, and a couple a seek may come back to.
const CACHED_CHUNKS: usize = 4;

/// A chunk (one group of pictures and its sound), or the samples an export decodes, spanning more file
/// bytes than this is refused (`limit_exceeded`) rather than read into memory: a 10 s GOP of 4K video at
/// 50 Mbit/s is 62.5 MB.
const MAX_CHUNK_BYTES: u64 = 256 << 20;

/// A file without an index to read by ranges is read whole into memory, up to this size (`limit_exceeded`
/// past it): 1 GiB is over half an hour of 4 Mbit/s 1080p.
const MAX_WHOLE_FILE_BYTES: u64 = 1 << 30;

/// Video and audio byte runs closer than this are read in one request (the bytes between them are
/// wasted, a request saved); further apart, in two.
const MAX_READ_GAP: u64 = 256 * 1024;

/// An opened media file: MP4 (progressive or fragmented), MPEG-TS or raw audio.
pub(crate) struct FileContent {
    source: Source,
    /// Tracks with every sample, times as stored.
    pub(crate) tracks: Vec<Track>,
    /// Media timeline origin, seconds.
    origin: f64,
    /// Length of the media timeline, seconds: to the end of the latest sample of any track.
    duration: f64,
    spans: Vec<ChunkSpan>,
    cache: RefCell<ChunkCache>,
}

impl FileContent {
    /// Reads the index of the file in `source`.
    pub(crate) async fn open(source: Source) -> Result<FileContent> {
        let (tracks, source) = index(source).await?;
        let origin = timeline_origin(&tracks);
        let spans = chunk_spans(&tracks, origin);
        let mut end = 0.0f64;
        for track in &tracks {
            if let Some((_, last)) = track.presentation_span() {
                end = end.max(last as f64 / f64::from(track.timescale));
            }
        }
        if spans.is_empty() {
            return Err(Error::malformed("the file has no video or audio samples"));
        }
        Ok(FileContent {
            source,
            tracks,
            origin,
            duration: end - origin,
            spans,
            cache: RefCell::new(ChunkCache::new(CACHED_CHUNKS)),
        })
    }

    fn track(&self, kind: TrackKind) -> Option<&Track> {
        self.tracks.iter().find(|t| t.kind == kind)
    }

    /// Where the media timeline starts in the tracks' own times, seconds.
    pub(crate) fn origin(&self) -> f64 {
        self.origin
    }

    /// Length of the media timeline, seconds.
    pub(crate) fn duration(&self) -> f64 {
        self.duration
    }

    /// Presentation times of the video keyframes on the media timeline.
    pub(crate) fn keyframe_times(&self) -> Vec<f64> {
        self.track(TrackKind::Video)
            .map(|video| keyframe_times(video, self.origin))
            .unwrap_or_default()
    }

    /// The chunk that holds media time `t`.
    pub(crate) fn chunk_at(&self, t: f64) -> Option<u64> {
        chunk_at(&self.spans, t).map(|k| k as u64)
    }

    /// The chunk after `key`, `None` at the end.
    pub(crate) fn chunk_after(&self, key: u64) -> Option<u64> {
        let next = key.checked_add(1)?;
        ((next as usize) < self.spans.len()).then_some(next)
    }

    /// Forgets the cached chunks.
    pub(crate) fn clear(&self) {
        *self.cache.write() = ChunkCache::new(CACHED_CHUNKS);
    }

    /// Loads chunk `key`: its samples' bytes, read with Range requests.
    pub(crate) async fn load(&self, key: u64) -> Result<Rc<Chunk>> {
        if let Some(chunk) = self.cache.write().get(key) {
            return Ok(chunk);
        }
        let index = usize::try_from(key)
            .ok()
            .filter(|&k| k < self.spans.len())
            .ok_or_else(|| Error::new(ErrorCode::OutOfRange, format!("no chunk {key}")))?;
        let span = &self.spans[index];
        // The tracks with samples in this chunk, and the file bytes each one's samples span.
        let mut parts: Vec<(&Track, &[Sample])> = Vec::new();
        let mut runs: Vec<Range<u64>> = Vec::new();
        for (kind, range) in [(TrackKind::Video, &span.video), (TrackKind::Audio, &span.audio)] {
            let Some(track) = self.track(kind) else { continue };
            let samples = &track.samples[range.clone()];
            if let Some(run) = byte_run(samples) {
                parts.push((track, samples));
                runs.push(run);
            }
        }
        let (data, placed) = read_runs(&self.source, &runs, MAX_CHUNK_BYTES, "a group of pictures").await?;
        let mut tracks = Vec::with_capacity(parts.len());
        for (&(track, samples), (run, at)) in parts.iter().zip(placed) {
            tracks.push(self.chunk_track(track, samples, run.start, at));
        }
        let end = self.spans.get(index + 1).map_or(self.duration, |next| next.start);
        let chunk = Rc::new(Chunk::new(end, tracks, data));
        self.cache.write().put(key, Rc::clone(&chunk));
        Ok(chunk)
    }

    /// A chunk of the video keyframe shown at or before media time `t` alone (the first keyframe for times
    /// before it): its bytes are all that is read.
    pub(crate) async fn keyframe_chunk(&self, t: f64) -> Result<Chunk> {
        let video = self
            .track(TrackKind::Video)
            .ok_or_else(|| Error::unsupported("the media has no video track"))?;
        // A time past any representable one is after the last keyframe.
        let ticks = Time::from_seconds(t + self.origin, video.timescale).map_or(i64::MAX, |t| t.ticks);
        let samples = &video.samples;
        let key = samples
            .iter()
            .rposition(|s| s.key && s.pts <= ticks)
            .or_else(|| samples.iter().position(|s| s.key))
            .ok_or_else(|| Error::malformed("the video has no keyframe"))?;
        let sample = &samples[key];
        let run = sample.offset..sample.offset + u64::from(sample.size);
        let (data, placed) = read_runs(&self.source, &[run], MAX_CHUNK_BYTES, "a keyframe").await?;
        let (run, at) = placed
            .first()
            .ok_or_else(|| Error::malformed("a keyframe lies outside the file"))?;
        let track = self.chunk_track(video, &samples[key..=key], run.start, *at);
        Ok(Chunk::new(self.duration, vec![track], data))
    }

    /// The footage of the clip `[start, end)` (media timeline) and its plan: the part of the index around
    /// the clip (see [`around`]), planned on, its offsets positions in the file. Nothing is read: an export
    /// reads the planned samples as it writes them (`assemble::tracks_at_source`), and what it decodes with
    /// [`FileContent::read_samples`]. Its sound is the audio track with id `sound`, or the first.
    pub(crate) fn clip_footage(
        &self,
        start: f64,
        end: f64,
        mode: TrimMode,
        sound: Option<u32>,
    ) -> Result<(Footage, TrimPlan)> {
        let on_timeline = |kind| {
            let track = match (kind, sound) {
                (TrackKind::Audio, Some(id)) => self.tracks.iter().find(|t| t.kind == kind && t.id == id),
                _ => self.track(kind),
            }?;
            let ticks = |t: f64| Time::from_seconds(t + self.origin, track.timescale).map_or(0, |t| t.ticks);
            let samples = around(&track.samples, ticks(start), ticks(end), i64::from(track.timescale));
            Some(self.on_timeline(track, samples))
        };
        let footage = Footage {
            video: on_timeline(TrackKind::Video),
            audio: on_timeline(TrackKind::Audio),
            ..Footage::default()
        };
        let plan = trim::plan(&footage, start, end, mode)?;
        Ok((footage, plan))
    }

    /// Where the file's bytes come from.
    pub(crate) fn source(&self) -> &Source {
        &self.source
    }

    /// A copy of `footage` (from [`FileContent::clip_footage`]) holding the bytes of its `kind` track's
    /// samples `range`, their offsets moved into them (the other samples' pointing nowhere): what decoding
    /// them needs. Samples close together in the file are read in one request.
    pub(crate) async fn read_samples(
        &self,
        footage: &Footage,
        kind: TrackKind,
        range: Range<usize>,
        job: &Job,
    ) -> Result<Footage> {
        let mut read = footage.clone();
        let samples = match kind {
            TrackKind::Video => read.video.as_mut(),
            TrackKind::Audio => read.audio.as_mut(),
        }
        .map(|track| &mut track.samples)
        .filter(|samples| range.end <= samples.len())
        .ok_or_else(|| Error::new(ErrorCode::OutOfRange, "no such samples to read"))?;
        // Runs of samples close together in the file, and which run each sample is in.
        let mut runs: Vec<Range<u64>> = Vec::new();
        let mut run_of = Vec::with_capacity(range.len());
        for sample in &samples[range.clone()] {
            let (start, end) = (sample.offset, sample.offset + u64::from(sample.size));
            match runs.last_mut() {
                Some(run) if start >= run.start && start <= run.end + MAX_READ_GAP => run.end = run.end.max(end),
                _ => runs.push(start..end),
            }
            run_of.push(runs.len() - 1);
        }
        let source = self.source.with_signal(job.signal());
        let (data, placed) = read_runs(&source, &runs, MAX_CHUNK_BYTES, "the samples to decode").await?;
        for (index, sample) in samples.iter_mut().enumerate() {
            let run = index.checked_sub(range.start).and_then(|i| placed.get(*run_of.get(i)?));
            sample.offset = run.map_or(u64::MAX, |(run, at)| sample.offset - run.start + at);
        }
        read.data = data;
        Ok(read)
    }

    /// A copy of `track` holding `samples`, their times moved onto the media timeline (offsets unchanged).
    fn on_timeline(&self, track: &Track, samples: &[Sample]) -> Track {
        let shift = Time::from_seconds(self.origin, track.timescale).map_or(0, |t| t.ticks);
        let mut moved = Vec::with_capacity(samples.len());
        for sample in samples {
            moved.push(Sample {
                pts: sample.pts - shift,
                dts: sample.dts - shift,
                ..*sample
            });
        }
        Track {
            samples: moved,
            presentation_start: track.presentation_start.map(|p| p - shift),
            config: track.config.clone(),
            ..*track
        }
    }

    /// A copy of `track` holding `samples` on the media timeline, with offsets into the chunk's buffer (the
    /// run starting at file offset `run_start` sits at `at` in it).
    fn chunk_track(&self, track: &Track, samples: &[Sample], run_start: u64, at: u64) -> Track {
        let mut moved = self.on_timeline(track, samples);
        for sample in &mut moved.samples {
            sample.offset = sample.offset - run_start + at;
        }
        moved
    }
}

/// Reads byte runs of `source` into one buffer: runs close together in one request. Returns the
/// buffer and, per run, the run and where its first byte landed in the buffer. More than `limit`
/// bytes in all is refused (`limit_exceeded`), naming `what` was read.
async fn read_runs(
    source: &Source,
    runs: &[Range<u64>],
    limit: u64,
    what: &str,
) -> Result<(Vec<u8>, Vec<(Range<u64>, u64)>)> {
    if runs.iter().map(|run| run.end - run.start).sum::<u64>() > limit {
        return Err(Error::limit(format!(
            "{what} spans more than {limit} bytes of the file"
        )));
    }
    let mut data = Vec::new();
    let mut placed = Vec::new();
    let merged = match runs {
        [a, b] if a.end.max(b.end) - a.start.min(b.start) <= (a.end - a.start) + (b.end - b.start) + MAX_READ_GAP => {
            Some(a.start.min(b.start)..a.end.max(b.end))
        }
        _ => None,
    };
    if let Some(all) = merged {
        data = source.read_exact(all.start, all.end - all.start).await?;
        placed.extend(runs.iter().map(|run| (run.clone(), run.start - all.start)));
    } else {
        for run in runs {
            placed.push((run.clone(), data.len() as u64));
            let read = source.read_exact(run.start, run.end - run.start).await?;
            // A single run (the usual case) is the buffer itself, not copied into one.
            if data.is_empty() {
                data = read;
            } else {
                data.extend(read);
            }
        }
    }
    Ok((data, placed))
}

/// The samples a cut of `[start, end)` (the track's ticks) can use, so that an export of a long file copies
/// a clip's share of its index, not all of it: from the keyframe before the one at or before `start` (a
/// group of pictures to spare) to the second keyframe decoded after `end`, and at least `reach` ticks
/// (a second: audio pre-roll) on each side.
fn around(samples: &[Sample], start: i64, end: i64, reach: i64) -> &[Sample] {
    // The last two keyframes at or before `start`, and the keyframes decoded after `end` so far.
    let (mut spare, mut at, mut after) = (0, 0, 0);
    let mut last = samples.len();
    for (index, sample) in samples.iter().enumerate().filter(|(_, s)| s.key) {
        if sample.pts <= start {
            (spare, at) = (at, index);
        } else if sample.dts > end {
            after += 1;
            if after == 2 {
                last = index;
                break;
            }
        }
    }
    let first = spare.min(samples.partition_point(|s| s.dts < start - reach));
    &samples[first..last.max(samples.partition_point(|s| s.dts < end + reach))]
}

/// File bytes from the first sample's start to the last one's end.
fn byte_run(samples: &[Sample]) -> Option<Range<u64>> {
    let (mut start, mut end) = (u64::MAX, 0);
    for sample in samples {
        start = start.min(sample.offset);
        end = end.max(sample.offset + u64::from(sample.size));
    }
    (!samples.is_empty()).then_some(start..end)
}

/// The sample index of an MP4 source: box headers walked to `moov`, `moov` parsed, sample data not read.
/// A fragmented file has its index spread over the file, so it is read whole.
async fn index(source: Source) -> Result<(Vec<Track>, Source)> {
    let head = source.read(0, source.len().min(HEAD_BYTES)).await?;
    let format = detect_format(&head);
    if let Some(format @ (Format::Ts | Format::PackedAudio)) = format {
        let bytes = read_whole(&source).await?;
        let demuxed = match format {
            // MPEG-TS damage is passed over as in a segment; the samples that remain play.
            Format::Ts => ts::demux(&bytes)?.demuxed,
            _ => packed_audio::demux(&bytes)?,
        };
        // The samples were rewritten (PES packets joined, start codes made lengths): they are read from
        // the demuxer's buffer from now on.
        let (tracks, data) = demuxed.into_parts(bytes);
        return Ok((tracks, Source::Memory(data.into())));
    }
    let mut locator = BoxLocator::new(*b"moov", source.len());
    let mut step = locator.start();
    let (offset, size) = loop {
        match step {
            Locate::Read { offset, len } => {
                // The box headers in the head are not read again.
                let bytes = match head.get(offset as usize..(offset + len) as usize) {
                    Some(known) => known.to_vec(),
                    None => source.read(offset, len).await?,
                };
                step = locator.feed(&bytes)?;
            }
            Locate::Found { offset, size } => break (offset, size),
        }
    };
    let movie = Movie::parse_moov(&source.read(offset, size).await?, source.len())?;
    if movie.fragmented {
        let tracks = mp4::demux(&read_whole(&source).await?)?.tracks;
        return Ok((tracks, source));
    }
    movie.check_sample_data(source.len())?;
    Ok((movie.into_demuxed().tracks, source))
}

/// The whole file, for containers without an index to read by ranges (MPEG-TS, raw audio, and fragmented
/// MP4, whose samples are listed in fragments all through the file); refused past `MAX_WHOLE_FILE_BYTES`.
async fn read_whole(source: &Source) -> Result<Vec<u8>> {
    if source.len() > MAX_WHOLE_FILE_BYTES {
        return Err(Error::limit(format!(
            "a file without an index to read by ranges (MPEG-TS, raw audio, fragmented MP4) is read whole, \
             and this one is larger than {} MiB",
            MAX_WHOLE_FILE_BYTES >> 20
        )));
    }
    source.read(0, source.len()).await
}
