//! A chunk of media in memory: the unit playback and seeking fetch, decode and cache.
//!
//! Whatever the source, a chunk holds the samples of a stretch of media with their bytes, and its
//! samples' `pts`/`dts` are already on the media timeline (`ticks / timescale` seconds from time 0), so
//! the decoders' timestamps are media time in microseconds.

use std::rc::Rc;

use crate::decimal::Fixed;
use crate::error::{Error, ErrorCode, Result};
use crate::media::{first_video_and_audio, Sample, Track};
use crate::player::{plan_frame, presentation_order, FramePlan};
use crate::time::Time;

/// A decodable stretch of media: an HLS segment, or a file's group of pictures with its audio.
pub(crate) struct Chunk {
    /// Where it ends on the media timeline, seconds.
    pub(crate) end: f64,
    /// The video samples (decode order), starting at a keyframe when the source does.
    pub(crate) video: Option<Track>,
    /// The audio samples (decode order).
    pub(crate) audio: Option<Track>,
    /// The bytes the samples' offsets index.
    pub(crate) data: Vec<u8>,
    /// Damage in the source that demuxing passed over.
    pub(crate) problems: Vec<Problem>,
}

/// Something wrong with the media that playback passes over: reported to the app, not fatal.
#[derive(Clone)]
pub(crate) struct Problem {
    pub(crate) error: Error,
    /// Where on the media timeline, seconds, when known.
    pub(crate) time: Option<f64>,
}

impl Chunk {
    /// A chunk ending at `end` of the first video and first audio track among `tracks`, whose samples'
    /// offsets index `data`.
    pub(crate) fn new(end: f64, tracks: Vec<Track>, data: Vec<u8>) -> Chunk {
        let (video, audio) = first_video_and_audio(tracks);
        Chunk {
            end,
            video,
            audio,
            data,
            problems: Vec::new(),
        }
    }

    /// Where the chunk starts on the media timeline: its earliest sample of either track, seconds.
    pub(crate) fn start(&self) -> Option<f64> {
        let mut start: Option<f64> = None;
        for track in [&self.video, &self.audio].into_iter().flatten() {
            if let Some((first, _)) = track.presentation_span() {
                let first = first as f64 / f64::from(track.timescale);
                start = Some(start.map_or(first, |known| known.min(first)));
            }
        }
        start
    }

    /// The bytes of one of the chunk's samples.
    pub(crate) fn sample_data(&self, sample: &Sample) -> Result<&[u8]> {
        sample
            .data_in(&self.data)
            .ok_or_else(|| Error::malformed("a sample lies outside its chunk's bytes"))
    }

    /// The video frame shown at media time `t` and the samples to decode for it.
    pub(crate) fn plan_frame(&self, t: f64) -> Result<(&Track, FramePlan)> {
        let video = self
            .video
            .as_ref()
            .ok_or_else(|| Error::unsupported("the media has no video track"))?;
        let ticks = Time::from_seconds(t, video.timescale)
            .ok_or_else(|| Error::new(ErrorCode::OutOfRange, format!("cannot show time {}", Fixed(t, 3))))?
            .ticks;
        let plan = plan_frame(video, &presentation_order(video), ticks)
            .ok_or_else(|| Error::malformed("no keyframe to decode this frame from"))?;
        Ok((video, plan))
    }
}

/// The chunk that follows another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    /// This one.
    Chunk(u64),
    /// None yet: a live stream has not published it.
    NotYet,
    /// None: the media ends.
    End,
}

/// The last few chunks loaded, most recent last: a seek back and forth, or playback after a seek, reuses
/// them instead of fetching again.
pub(crate) struct ChunkCache {
    chunks: Vec<(u64, Rc<Chunk>)>,
    capacity: usize,
}

impl ChunkCache {
    /// A cache of at most `capacity` chunks.
    pub(crate) fn new(capacity: usize) -> ChunkCache {
        ChunkCache {
            chunks: Vec::new(),
            capacity,
        }
    }

    /// The chunk cached under `id`, now the most recent.
    pub(crate) fn get(&mut self, id: u64) -> Option<Rc<Chunk>> {
        let at = self.chunks.iter().position(|(key, _)| *key == id)?;
        let entry = self.chunks.remove(at);
        let chunk = Rc::clone(&entry.1);
        self.chunks.push(entry);
        Some(chunk)
    }

    /// Caches `chunk` under `id`, forgetting the least recent when full.
    pub(crate) fn put(&mut self, id: u64, chunk: Rc<Chunk>) {
        self.chunks.retain(|(key, _)| *key != id);
        if self.chunks.len() >= self.capacity {
            self.chunks.remove(0);
        }
        self.chunks.push((id, chunk));
    }
}
