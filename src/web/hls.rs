//! An HLS stream as chunks, one per media segment: master or media playlist, VOD or live.
//!
//! Each variant of a master playlist is a rendition with its own segment list ([`LiveWindow`], which for
//! VOD is simply the whole list) on one shared media timeline. Before each segment is fetched the variant
//! is chosen again from the measured throughput. A live playlist is reloaded at the RFC 8216 cadence while
//! the `Media` lives; the seekable window is what the latest playlist lists.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use super::cell::Access;
use super::chunk::{Chunk, ChunkCache};
use super::clock::now_ms;
use super::content::Next;
use super::source::{body, fetch_with_retries, sleep_ms};
use crate::demux::{detect_format, Format};
use crate::error::{Error, ErrorCode, Result};
use crate::hls::live::LiveWindow;
use crate::hls::playlist::{self, ByteRange, InitSection, Playlist, Segment, MAX_PLAYLIST_BYTES};
use crate::hls::segments::SegmentDemuxer;
use crate::media::Track;
use crate::player::hls::{choose_variant, live_start, reload_delay, Throughput};
use crate::player::placement::SegmentPlacer;

/// A segment or initialization section larger than this is refused (`limit_exceeded`): a 2 s segment of
/// 4K video at 50 Mbit/s is 12.5 MB.
const MAX_SEGMENT_BYTES: u64 = 256 << 20;

/// Segments kept in memory: the playing one, the next, and a couple a seek may come back to.
const CACHED_SEGMENTS: usize = 4;

/// One variant stream of the HLS source.
struct Rendition {
    uri: String,
    bandwidth: u64,
    /// Its segments on the shared timeline, once its playlist has been loaded.
    window: Option<LiveWindow>,
    placer: SegmentPlacer,
    /// The last initialization section fetched, with its bytes.
    init: Option<(InitSection, Rc<Vec<u8>>)>,
}

struct HlsState {
    renditions: Vec<Rendition>,
    current: usize,
    throughput: Throughput,
    /// Keyed by rendition index and media sequence number.
    cache: ChunkCache,
    /// Codec descriptions of the first segment loaded (samples left empty), for `media.tracks`.
    tracks: Vec<Track>,
}

/// An opened HLS stream.
pub(crate) struct HlsContent {
    state: RefCell<HlsState>,
    /// Called after each live reload that changed the window; a callback returning `false` is dropped.
    window_listeners: RefCell<Vec<Box<dyn Fn() -> bool>>>,
}

impl HlsContent {
    /// Loads the playlist at `url` (and, for a master playlist, its first variant's), then the first
    /// segment to play, which tells the tracks. A live stream starts reloading its playlist.
    pub(crate) async fn open(url: &str) -> Result<Rc<HlsContent>> {
        let renditions = match fetch_playlist(url).await? {
            Playlist::Master(master) => {
                if master.variants.is_empty() {
                    return Err(Error::new(
                        ErrorCode::MalformedInput,
                        "the master playlist lists no variant",
                    ));
                }
                master
                    .variants
                    .iter()
                    .map(|v| rendition(&v.uri, v.bandwidth, None))
                    .collect()
            }
            Playlist::Media(media) => vec![rendition(url, 0, Some(LiveWindow::new(&media)))],
        };
        let content = Rc::new(HlsContent {
            state: RefCell::new(HlsState {
                renditions,
                current: 0,
                throughput: Throughput::default(),
                cache: ChunkCache::new(CACHED_SEGMENTS),
                tracks: Vec::new(),
            }),
            window_listeners: RefCell::new(Vec::new()),
        });
        content.ensure_window(0).await?;
        let first = content
            .chunk_at(content.start_time())
            .ok_or_else(|| Error::new(ErrorCode::MalformedInput, "the playlist lists no segment"))?;
        let chunk = content.load(first).await?;
        content.state.write().tracks = [&chunk.video, &chunk.audio]
            .into_iter()
            .flatten()
            .map(|t| Track {
                samples: Vec::new(),
                ..t.clone()
            })
            .collect();
        if content.is_live() {
            start_reloading(Rc::downgrade(&content));
        }
        Ok(content)
    }

    /// Calls `f` with the tracks of the stream, as the first segment loaded described them (no samples).
    pub(crate) fn with_tracks<T>(&self, f: impl FnOnce(&[Track]) -> T) -> T {
        f(&self.state.read().tracks)
    }

    /// Whether the playlist is still growing (no `EXT-X-ENDLIST` yet).
    pub(crate) fn is_live(&self) -> bool {
        self.with_window(|w| !w.ended()).unwrap_or(false)
    }

    /// The seekable range on the media timeline, seconds.
    pub(crate) fn range(&self) -> (f64, f64) {
        self.with_window(LiveWindow::range).flatten().unwrap_or((0.0, 0.0))
    }

    /// Where playback starts: the beginning for VOD, near the live edge for live.
    pub(crate) fn start_time(&self) -> f64 {
        if self.is_live() {
            self.live_edge()
        } else {
            self.range().0
        }
    }

    /// Where the live edge is: the start time a fresh join would use.
    pub(crate) fn live_edge(&self) -> f64 {
        let (start, end) = self.range();
        live_start(start, end, self.target_duration())
    }

    fn target_duration(&self) -> f64 {
        self.with_window(LiveWindow::target_duration).unwrap_or(0.0)
    }

    /// Segment start times (segments start with a keyframe in streams tagged INDEPENDENT-SEGMENTS).
    pub(crate) fn segment_starts(&self) -> Vec<f64> {
        self.with_window(|w| w.segments().iter().map(|s| s.start).collect())
            .unwrap_or_default()
    }

    /// Wall-clock time (Unix ms) of media time `t`, from `EXT-X-PROGRAM-DATE-TIME`.
    pub(crate) fn wall_clock_at(&self, t: f64) -> Option<f64> {
        self.with_window(|w| w.wall_clock_at(t)).flatten()
    }

    /// Media time of wall-clock time `unix_ms`.
    pub(crate) fn time_at_wall_clock(&self, unix_ms: f64) -> Option<f64> {
        self.with_window(|w| w.time_at_wall_clock(unix_ms)).flatten()
    }

    fn with_window<T>(&self, f: impl FnOnce(&LiveWindow) -> T) -> Option<T> {
        let state = self.state.read();
        state.renditions[state.current].window.as_ref().map(f)
    }

    /// The segment that holds media time `t` (its media sequence number).
    pub(crate) fn chunk_at(&self, t: f64) -> Option<u64> {
        let (start, _) = self.range();
        self.with_window(|w| w.segment_at(t.max(start)).map(|s| s.segment.sequence))
            .flatten()
    }

    /// The segment listed after `sequence`.
    pub(crate) fn chunk_after(&self, sequence: u64) -> Next {
        self.with_window(|w| match w.segments().iter().find(|s| s.segment.sequence > sequence) {
            Some(next) => Next::Chunk(next.segment.sequence),
            None if w.ended() => Next::End,
            None => Next::NotYet,
        })
        .unwrap_or(Next::End)
    }

    /// Registers `listener`, called after each live reload that moved the window.
    pub(crate) fn on_window_change(&self, listener: Box<dyn Fn() -> bool>) {
        self.window_listeners.write().push(listener);
    }

    /// Loads segment `sequence` of the variant the throughput affords: fetched (initialization section
    /// too, when new), demuxed and placed on the media timeline.
    pub(crate) async fn load(&self, sequence: u64) -> Result<Rc<Chunk>> {
        let index = {
            let state = self.state.read();
            let bandwidths: Vec<u64> = state.renditions.iter().map(|r| r.bandwidth).collect();
            choose_variant(&bandwidths, state.throughput.bits_per_second(), state.current)
        };
        if index != self.state.read().current {
            self.switch_to(index).await?;
        }
        let cache_key = (index as u64) << 32 | (sequence & 0xffff_ffff);
        if let Some(chunk) = self.state.write().cache.get(cache_key) {
            return Ok(chunk);
        }
        let (segment, start) = self
            .with_window(|w| {
                w.segments()
                    .iter()
                    .find(|s| s.segment.sequence == sequence)
                    .map(|s| (s.segment.clone(), s.start))
            })
            .flatten()
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::OutOfRange,
                    format!("segment {sequence} is no longer in the playlist"),
                )
            })?;
        if segment.gap {
            return Err(Error::new(
                ErrorCode::Network,
                format!("segment {sequence} is marked EXT-X-GAP"),
            ));
        }
        let mut demuxer = SegmentDemuxer::new();
        if demuxer.needs_init(&segment) {
            let init = self.init_bytes(index, &segment).await?;
            demuxer.load_init(&segment, &init)?;
        }
        let started = now_ms();
        let bytes = fetch_bytes(&segment.uri, segment.range).await?;
        self.state.write().throughput.add(bytes.len(), now_ms() - started);
        let mpeg_ts = detect_format(&bytes) == Some(Format::Ts);
        let (mut tracks, data) = demuxer.demux(&segment, &bytes)?.into_parts(bytes);
        self.state.write().renditions[index]
            .placer
            .place(segment.discontinuity, start, &mut tracks, mpeg_ts)?;
        let chunk = Rc::new(Chunk::new(start + segment.duration, tracks, data));
        self.state.write().cache.put(cache_key, Rc::clone(&chunk));
        Ok(chunk)
    }

    /// The initialization section of `segment` in rendition `index`, fetched once.
    async fn init_bytes(&self, index: usize, segment: &Segment) -> Result<Rc<Vec<u8>>> {
        let init = segment
            .init
            .clone()
            .ok_or_else(|| Error::new(ErrorCode::MalformedInput, "segment without initialization section"))?;
        if let Some((known, bytes)) = &self.state.read().renditions[index].init {
            if *known == init {
                return Ok(Rc::clone(bytes));
            }
        }
        let bytes = Rc::new(fetch_bytes(&init.uri, init.range).await?);
        self.state.write().renditions[index].init = Some((init, Rc::clone(&bytes)));
        Ok(bytes)
    }

    /// Makes rendition `index` the current one, its playlist loaded and aligned with the current one's.
    async fn switch_to(&self, index: usize) -> Result<()> {
        let live = self.is_live();
        let loaded = self.state.read().renditions[index].window.is_some();
        if live || !loaded {
            let uri = self.state.read().renditions[index].uri.clone();
            let Playlist::Media(media) = fetch_playlist(&uri).await? else {
                return Err(Error::new(
                    ErrorCode::MalformedInput,
                    format!("{uri}: a variant is a master playlist"),
                ));
            };
            let mut window = LiveWindow::new(&media);
            let mut state = self.state.write();
            if let Some(reference) = state.renditions[state.current].window.as_ref() {
                window.align_to(reference);
            }
            state.renditions[index].window = Some(window);
        }
        self.state.write().current = index;
        Ok(())
    }

    /// Loads rendition `index`'s playlist if it has not been.
    async fn ensure_window(&self, index: usize) -> Result<()> {
        if self.state.read().renditions[index].window.is_none() {
            self.switch_to(index).await?;
        }
        Ok(())
    }

    /// Reloads the current rendition's live playlist and merges it. Returns whether the window moved.
    async fn reload(&self) -> Result<bool> {
        let (index, uri) = {
            let state = self.state.read();
            (state.current, state.renditions[state.current].uri.clone())
        };
        let Playlist::Media(media) = fetch_playlist(&uri).await? else {
            return Ok(false);
        };
        let mut state = self.state.write();
        let Some(window) = state.renditions[index].window.as_mut() else {
            return Ok(false);
        };
        let before = window.range();
        window.merge(&media);
        // The replay window is what the server still lists: older segments may be deleted.
        if let Some(first) = media.segments.first() {
            window.forget_before(first.sequence);
        }
        Ok(window.range() != before)
    }

    fn notify_window_change(&self) {
        let listeners = std::mem::take(&mut *self.window_listeners.write());
        let kept: Vec<_> = listeners.into_iter().filter(|listener| listener()).collect();
        self.window_listeners.write().splice(0..0, kept);
    }
}

fn rendition(uri: &str, bandwidth: u64, window: Option<LiveWindow>) -> Rendition {
    Rendition {
        uri: uri.to_owned(),
        bandwidth,
        window,
        placer: SegmentPlacer::new(),
        init: None,
    }
}

/// Reloads the live playlist while the content lives and the stream has not ended.
fn start_reloading(content: Weak<HlsContent>) {
    wasm_bindgen_futures::spawn_local(async move {
        let mut changed = true;
        loop {
            let Some(target) = content.upgrade().map(|c| c.target_duration()) else {
                return;
            };
            sleep_ms(reload_delay(target, changed) * 1000.0).await;
            let Some(live) = content.upgrade() else { return };
            // A failed reload is tried again at the next tick; segments already known keep playing.
            changed = live.reload().await.unwrap_or(false);
            if changed {
                live.notify_window_change();
            }
            if !live.is_live() {
                return;
            }
        }
    });
}

async fn fetch_playlist(url: &str) -> Result<Playlist> {
    let response = fetch_with_retries(url, None).await?;
    let text = String::from_utf8(body(&response, url, MAX_PLAYLIST_BYTES as u64).await?).map_err(|_| {
        Error::new(
            ErrorCode::MalformedInput,
            format!("{url}: the playlist is not UTF-8 text"),
        )
    })?;
    playlist::parse(&text, url)
}

/// The bytes of a segment or initialization section, whole or its byte range. A body cut short (the
/// connection dropped) is fetched again, like a failed request.
async fn fetch_bytes(url: &str, range: Option<ByteRange>) -> Result<Vec<u8>> {
    let range = range.map(|r| (r.start, r.start.saturating_add(r.len)));
    let mut last = None;
    for _ in 0..2 {
        let response = fetch_with_retries(url, range).await?;
        match body(&response, url, MAX_SEGMENT_BYTES).await {
            Ok(bytes) => return Ok(bytes),
            Err(error) => last = Some(error),
        }
    }
    Err(last.unwrap_or_else(|| Error::new(ErrorCode::Network, format!("{url}: no response"))))
}
