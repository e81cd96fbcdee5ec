//! What a `Media` plays, whatever the source: a file or an HLS stream, both seen as a sequence of chunks
//! (see [`Chunk`]) on the media timeline, and the lifetime of everything it fetches.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};

use super::chunk::{Chunk, Next};
use super::fetch::Fetcher;
use super::file::FileContent;
use super::hls::{HlsContent, Prefetch};
use super::life::Life;
use super::source::Source;
use super::waveform::Summary;
use crate::decimal::Fixed;
use crate::error::{Error, ErrorCode, Result};
use crate::hls::uri::query_start;
use crate::media::{Track, TrackKind};

/// An opened source. Closed (its requests aborted, its live reloads stopped, its cache dropped) by
/// [`Content::close`] or when the last owner lets go of it.
pub(crate) struct Content {
    life: Rc<Life>,
    kind: Kind,
    /// The summary of the sound `media.waveform` made last, which later calls within its span read.
    pub(crate) waveform: RefCell<Option<Summary>>,
}

/// What the source is.
pub(crate) enum Kind {
    File(FileContent),
    Hls(Rc<HlsContent>),
}

impl Content {
    /// Opens `src`: a URL string (MP4, or `.m3u8` HLS), a `Blob` or a `Uint8Array`, with the fetch
    /// timeouts of `options` (`{ firstByteTimeout, stallTimeout }`), its requests and timers under `life`
    /// (closing it while this runs aborts the opening).
    pub(crate) async fn open(src: &JsValue, options: &JsValue, life: Rc<Life>) -> Result<Content> {
        let fetcher = Fetcher::new(Rc::clone(&life), options)?;
        let source = if let Some(url) = src.as_string() {
            let path = url.get(..query_start(&url)).unwrap_or_default();
            if path.ends_with(".m3u8") {
                let kind = Kind::Hls(HlsContent::open(&url, fetcher).await?);
                return Ok(Content::new(life, kind));
            }
            Source::open_url(&url, fetcher).await?
        } else if let Some(bytes) = src.dyn_ref::<Uint8Array>() {
            Source::Bytes(bytes.clone())
        } else if let Some(blob) = src.dyn_ref::<web_sys::Blob>() {
            Source::Blob {
                blob: blob.clone(),
                life: Rc::clone(&life),
                buffer: Rc::default(),
            }
        } else {
            return Err(Error::malformed("src must be a URL string, a Blob or a Uint8Array"));
        };
        let kind = Kind::File(FileContent::open(source).await?);
        Ok(Content::new(life, kind))
    }

    /// A file already opened (a dub's preview, read from memory), its lifetime `life`.
    pub(crate) fn from_file(file: FileContent, life: Rc<Life>) -> Content {
        Content::new(life, Kind::File(file))
    }

    fn new(life: Rc<Life>, kind: Kind) -> Content {
        Content {
            life,
            kind,
            waveform: RefCell::default(),
        }
    }

    /// What the source is.
    pub(crate) fn kind(&self) -> &Kind {
        &self.kind
    }

    /// Whether it has been closed.
    pub(crate) fn is_closed(&self) -> bool {
        self.life.is_closed()
    }

    /// `invalid_state` once closed.
    pub(crate) fn check(&self) -> Result<()> {
        self.life.check()
    }

    /// The lifetime of what it fetches (a long job on it stops when it ends).
    pub(crate) fn life(&self) -> &Rc<Life> {
        &self.life
    }

    /// Closes it: requests in flight are aborted, a live playlist is no longer reloaded, cached chunks and
    /// the waveform's summary are dropped, and later loads fail with `invalid_state`. Idempotent.
    pub(crate) fn close(&self) {
        self.life.close();
        self.waveform.take();
        match &self.kind {
            Kind::File(file) => file.clear(),
            Kind::Hls(hls) => hls.clear(),
        }
    }

    /// Calls `f` with the tracks (a file's with their whole sample index; an HLS stream's without samples).
    pub(crate) fn with_tracks<T>(&self, f: impl FnOnce(&[Track]) -> T) -> T {
        match &self.kind {
            Kind::File(file) => f(&file.tracks),
            Kind::Hls(hls) => hls.with_tracks(f),
        }
    }

    /// Whether it has a track of `kind`.
    pub(crate) fn has_track(&self, kind: TrackKind) -> bool {
        self.with_tracks(|tracks| tracks.iter().any(|t| t.kind == kind))
    }

    /// The seekable span of the media timeline, seconds: all of a file or VOD stream, the replay window
    /// of a live one.
    pub(crate) fn range(&self) -> (f64, f64) {
        match &self.kind {
            Kind::File(file) => (0.0, file.duration()),
            Kind::Hls(hls) => hls.range(),
        }
    }

    /// `out_of_range` unless `start < end` and both lie in the seekable span (a clip's, a waveform's).
    pub(crate) fn check_span(&self, start: f64, end: f64) -> Result<()> {
        let (first, last) = self.range();
        // Times read back from `seekable` or the player may differ from the range in the last bits.
        const SLACK: f64 = 1e-6;
        // Comparisons with NaN are false and the range is finite: a NaN or infinite time is refused too.
        let inside = start >= first - SLACK && end <= last + SLACK;
        if !(start < end && inside) {
            return Err(Error::new(
                ErrorCode::OutOfRange,
                format!(
                    "start < end inside the media's range [{}, {}] is needed (got {} and {})",
                    Fixed(first, 3),
                    Fixed(last, 3),
                    Fixed(start, 3),
                    Fixed(end, 3)
                ),
            ));
        }
        Ok(())
    }

    /// `media.duration`: the timeline's length, or the replay window's for live.
    pub(crate) fn duration(&self) -> f64 {
        let (start, end) = self.range();
        end - start
    }

    /// Whether the source is an HLS stream (whose segments may fail one by one) rather than one file.
    pub(crate) fn is_stream(&self) -> bool {
        matches!(self.kind, Kind::Hls(_))
    }

    pub(crate) fn is_live(&self) -> bool {
        matches!(&self.kind, Kind::Hls(hls) if hls.is_live())
    }

    /// Where playback starts when nothing was sought: 0, or near the live edge.
    pub(crate) fn start_time(&self) -> f64 {
        match &self.kind {
            Kind::File(_) => 0.0,
            Kind::Hls(hls) => hls.start_time(),
        }
    }

    /// Video keyframe times (for HLS, the I-frame playlist's where the master playlist has one, else segment
    /// starts).
    pub(crate) fn keyframe_times(&self) -> Vec<f64> {
        match &self.kind {
            Kind::File(file) => file.keyframe_times(),
            Kind::Hls(hls) => hls.keyframe_times(),
        }
    }

    /// The chunk holding media time `t`.
    pub(crate) fn chunk_at(&self, t: f64) -> Option<u64> {
        match &self.kind {
            Kind::File(file) => file.chunk_at(t),
            Kind::Hls(hls) => hls.chunk_at(t),
        }
    }

    /// The chunk after `key`.
    pub(crate) fn chunk_after(&self, key: u64) -> Next {
        match &self.kind {
            Kind::File(file) => file.chunk_after(key).map_or(Next::End, Next::Chunk),
            Kind::Hls(hls) => hls.chunk_after(key),
        }
    }

    /// Fetches (or takes from the cache) chunk `key`; `invalid_state` once closed.
    pub(crate) async fn load(&self, key: u64) -> Result<Rc<Chunk>> {
        self.life.check()?;
        match &self.kind {
            Kind::File(file) => file.load(key).await,
            Kind::Hls(hls) => hls.load(key).await,
        }
    }

    /// A chunk from which the frame shown at media time `t` decodes (`keyframe`: the keyframe at or before
    /// it): a file's keyframe alone when that is all that is asked for (only its bytes read), else the
    /// chunk holding `t`.
    pub(crate) async fn frame_chunk(&self, t: f64, keyframe: bool) -> Result<Rc<Chunk>> {
        if let (Kind::File(file), true) = (&self.kind, keyframe) {
            self.life.check()?;
            return Ok(Rc::new(file.keyframe_chunk(t).await?));
        }
        let key = self
            .chunk_at(t)
            .ok_or_else(|| Error::new(ErrorCode::OutOfRange, "nothing to show at that time"))?;
        self.load(key).await
    }
}

/// HLS units fetched at once by a [`ChunkRun`]: the one being read and those after it.
const FETCH_AHEAD: usize = 4;

/// Chunks loaded in order, from a first one, while they start before a time: an HLS stream's next units
/// are fetched (up to [`FETCH_AHEAD`] requests at once) while the earlier ones are read. What was fetched
/// ahead and not loaded is stopped when the run is dropped, or by the job's signal.
pub(crate) struct ChunkRun<'c> {
    content: &'c Content,
    ahead: Vec<(u64, Prefetch)>,
    /// The next chunk to fetch ahead.
    next: Option<u64>,
    until: f64,
    signal: Option<web_sys::AbortSignal>,
}

impl<'c> ChunkRun<'c> {
    /// A run from chunk `first` up to media time `until`, its requests stopped by `signal`.
    pub(crate) fn new(
        content: &'c Content,
        first: Option<u64>,
        until: f64,
        signal: Option<&web_sys::AbortSignal>,
    ) -> ChunkRun<'c> {
        ChunkRun {
            content,
            ahead: Vec::new(),
            next: first,
            until,
            signal: signal.cloned(),
        }
    }

    /// Loads chunk `key` (the run's next), as [`Content::load`] does.
    pub(crate) async fn load(&mut self, key: u64) -> Result<Rc<Chunk>> {
        self.offer(Some(key));
        let chunk = self.content.load(key).await;
        self.offer(None);
        chunk
    }

    /// Fetches ahead what the run will load next, and offers chunk `key`'s bytes to its load (taken as the
    /// load starts, before it waits on anything); `None` withdraws them.
    fn offer(&mut self, key: Option<u64>) {
        let Kind::Hls(hls) = &self.content.kind else { return };
        while self.ahead.len() < FETCH_AHEAD {
            let Some(next) = self.next else { break };
            let Some(prefetch) = hls.prefetch(next, self.until, self.signal.as_ref()) else {
                self.next = None;
                break;
            };
            self.ahead.push((next, prefetch));
            self.next = match self.content.chunk_after(next) {
                Next::Chunk(after) => Some(after),
                Next::NotYet | Next::End => None,
            };
        }
        let mut offered = None;
        if let Some(key) = key {
            // What was fetched for chunks passed over is dropped, its requests stopped.
            while !self.ahead.is_empty() && offered.is_none() {
                let (fetched, prefetch) = self.ahead.remove(0);
                offered = (fetched == key).then_some(prefetch);
            }
        }
        hls.offer(offered);
    }
}

impl Drop for Content {
    fn drop(&mut self) {
        self.close();
    }
}
