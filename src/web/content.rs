//! What a `Media` plays, whatever the source: a file or an HLS stream, both seen as a sequence of chunks
//! (see [`Chunk`]) on the media timeline.

use std::rc::Rc;

use super::chunk::Chunk;
use super::file::FileContent;
use super::hls::HlsContent;
use crate::error::Result;
use crate::media::Track;

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

/// An opened source.
pub(crate) enum Content {
    File(FileContent),
    Hls(Rc<HlsContent>),
}

impl Content {
    /// Calls `f` with the tracks (a file's with their whole sample index; an HLS stream's without samples).
    pub(crate) fn with_tracks<T>(&self, f: impl FnOnce(&[Track]) -> T) -> T {
        match self {
            Content::File(file) => f(&file.tracks),
            Content::Hls(hls) => hls.with_tracks(f),
        }
    }

    /// The seekable span of the media timeline, seconds: all of a file or VOD stream, the replay window
    /// of a live one.
    pub(crate) fn range(&self) -> (f64, f64) {
        match self {
            Content::File(file) => (0.0, file.duration()),
            Content::Hls(hls) => hls.range(),
        }
    }

    /// `media.duration`: the timeline's length, or the replay window's for live.
    pub(crate) fn duration(&self) -> f64 {
        let (start, end) = self.range();
        end - start
    }

    /// Whether the source is an HLS stream (whose segments may fail one by one) rather than one file.
    pub(crate) fn is_stream(&self) -> bool {
        matches!(self, Content::Hls(_))
    }

    pub(crate) fn is_live(&self) -> bool {
        matches!(self, Content::Hls(hls) if hls.is_live())
    }

    /// Where playback starts when nothing was sought: 0, or near the live edge.
    pub(crate) fn start_time(&self) -> f64 {
        match self {
            Content::File(_) => 0.0,
            Content::Hls(hls) => hls.start_time(),
        }
    }

    /// Video keyframe times (for HLS, segment starts).
    pub(crate) fn keyframe_times(&self) -> Vec<f64> {
        match self {
            Content::File(file) => file.keyframe_times(),
            Content::Hls(hls) => hls.segment_starts(),
        }
    }

    /// The chunk holding media time `t`.
    pub(crate) fn chunk_at(&self, t: f64) -> Option<u64> {
        match self {
            Content::File(file) => file.chunk_at(t),
            Content::Hls(hls) => hls.chunk_at(t),
        }
    }

    /// The chunk after `key`.
    pub(crate) fn chunk_after(&self, key: u64) -> Next {
        match self {
            Content::File(file) => file.chunk_after(key).map_or(Next::End, Next::Chunk),
            Content::Hls(hls) => hls.chunk_after(key),
        }
    }

    /// Fetches (or takes from the cache) chunk `key`.
    pub(crate) async fn load(&self, key: u64) -> Result<Rc<Chunk>> {
        match self {
            Content::File(file) => file.load(key).await,
            Content::Hls(hls) => hls.load(key).await,
        }
    }
}
