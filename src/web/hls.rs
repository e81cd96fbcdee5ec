//! An HLS stream as chunks, one per media segment, or per run of parts near a low-latency live edge (see
//! `hls::units`): master or media playlist, VOD or live.
//!
//! Each variant of a master playlist is a rendition with its own segment list ([`LiveWindow`], which for
//! VOD is simply the whole list) on one shared media timeline. Before each segment is fetched the variant
//! is chosen again from the measured throughput. A live playlist is reloaded while the `Media` lives: at
//! once after each answer from a server that holds reloads until there is news (`CAN-BLOCK-RELOAD`), else
//! at the RFC 8216 cadence; by delta updates where the server offers them. The seekable window is what the
//! latest playlist lists.

use std::cell::{Ref, RefCell};
use std::rc::{Rc, Weak};

use super::cell::Access;
use super::chunk::{Chunk, ChunkCache, Next, Problem};
use super::clock::now_ms;
use super::fetch::Fetcher;
use crate::demux::ts::Damage;
use crate::error::{Error, ErrorCode, Result};
use crate::hls::live::{LiveWindow, MergeEvent};
use crate::hls::placement::SegmentPlacer;
use crate::hls::playlist::{self, ByteRange, InitSection, MediaPlaylist, Playlist, MAX_PLAYLIST_BYTES};
use crate::hls::segments::SegmentReader;
use crate::hls::units::Unit;
use crate::media::Track;
use crate::player::catch_up::LiveEdge;
use crate::player::hls::{choose_variant, reload_delay, Throughput};
use crate::time::MPEG_TS_TIMESCALE;

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
    /// Its segments, demuxed with what carries over between them.
    segments: SegmentReader,
    /// Puts its segments on the timeline.
    placer: SegmentPlacer,
    /// The last initialization section fetched, with its bytes.
    init: Option<(InitSection, Rc<Vec<u8>>)>,
    /// When the live playlist last merged was fetched (ms), which says whether the next reload may ask for a
    /// delta update; `None` after a delta update the window could not use: the next reload asks for the
    /// whole playlist.
    fetched: Option<f64>,
}

struct HlsState {
    renditions: Vec<Rendition>,
    current: usize,
    throughput: Throughput,
    /// Keyed by rendition index and media sequence number.
    cache: ChunkCache,
    /// Codec descriptions of the first segment loaded (samples left empty), for `media.tracks`.
    tracks: Vec<Track>,
    /// Where the live edge is, from the playlists received (the renditions share one timeline).
    edge: LiveEdge,
}

impl HlsState {
    /// Rendition `index`'s playlist was just received: where its newest part ends tells the live edge.
    fn received(&mut self, index: usize) {
        if let Some((_, end)) = self.renditions[index].window.as_ref().and_then(LiveWindow::range) {
            self.edge.received(end, now_ms() / 1000.0);
        }
    }
}

/// What a live stream tells the players showing it.
pub(crate) enum LiveEvent {
    /// A reload moved the replay window.
    WindowMoved,
    /// A reload failed; the segments already listed keep playing and the next reload tries again.
    ReloadFailed(Error),
}

/// A listener of [`LiveEvent`]s; one returning `false` is dropped.
pub(crate) type LiveListener = Box<dyn Fn(&LiveEvent) -> bool>;

/// An opened HLS stream.
pub(crate) struct HlsContent {
    fetcher: Fetcher,
    state: RefCell<HlsState>,
    listeners: RefCell<Vec<LiveListener>>,
}

impl HlsContent {
    /// Loads the playlist at `url` (and, for a master playlist, its first variant's), then the first
    /// segment to play, which tells the tracks. A live stream starts reloading its playlist.
    pub(crate) async fn open(url: &str, fetcher: Fetcher) -> Result<Rc<HlsContent>> {
        let renditions = match fetch_playlist(&fetcher, url).await? {
            Playlist::Master(master) => {
                if master.variants.is_empty() {
                    return Err(Error::malformed("the master playlist lists no variant"));
                }
                master
                    .variants
                    .iter()
                    .map(|v| rendition(&v.uri, v.bandwidth, None))
                    .collect()
            }
            Playlist::Media(media) => vec![rendition(url, 0, Some(&media))],
        };
        let content = Rc::new(HlsContent {
            fetcher,
            state: RefCell::new(HlsState {
                renditions,
                current: 0,
                throughput: Throughput::default(),
                cache: ChunkCache::new(CACHED_SEGMENTS),
                tracks: Vec::new(),
                edge: LiveEdge::default(),
            }),
            listeners: RefCell::new(Vec::new()),
        });
        content.state.write().received(0);
        // A master playlist's first variant: its playlist is loaded now.
        if content.state.read().renditions[0].window.is_none() {
            content.switch_to(0).await?;
        }
        let first = content
            .chunk_at(content.start_time())
            .ok_or_else(|| Error::malformed("the playlist lists no segment"))?;
        let chunk = content.load(first).await?;
        let mut tracks = Vec::new();
        for track in [&chunk.video, &chunk.audio].into_iter().flatten() {
            tracks.push(Track {
                samples: Vec::new(),
                ..track.clone()
            });
        }
        content.state.write().tracks = tracks;
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
        self.window().is_some_and(|w| !w.ended())
    }

    /// The seekable range on the media timeline, seconds.
    pub(crate) fn range(&self) -> (f64, f64) {
        self.window().and_then(|w| w.range()).unwrap_or((0.0, 0.0))
    }

    /// Where playback starts: the beginning for VOD, near the live edge for live.
    pub(crate) fn start_time(&self) -> f64 {
        if self.is_live() {
            self.live_edge()
        } else {
            self.range().0
        }
    }

    /// Where a player at the live edge plays now (the start time a fresh join uses): the hold-back behind
    /// the edge, estimated from the newest parts and when they were received.
    pub(crate) fn live_edge(&self) -> f64 {
        let edge = self.state.read().edge.at(now_ms() / 1000.0);
        self.window().and_then(|w| w.live_start(edge)).unwrap_or(0.0)
    }

    /// `EXT-X-TARGETDURATION`, seconds.
    pub(crate) fn target_duration(&self) -> f64 {
        self.window().map_or(0.0, |w| w.target_duration())
    }

    /// Segment start times (segments start with a keyframe in streams tagged INDEPENDENT-SEGMENTS).
    pub(crate) fn segment_starts(&self) -> Vec<f64> {
        self.window()
            .map(|w| w.segments().iter().map(|s| s.start).collect())
            .unwrap_or_default()
    }

    /// Wall-clock time (Unix ms) of media time `t`, from `EXT-X-PROGRAM-DATE-TIME`.
    pub(crate) fn wall_clock_at(&self, t: f64) -> Option<f64> {
        self.window()?.wall_clock_at(t)
    }

    /// Media time of wall-clock time `unix_ms`.
    pub(crate) fn time_at_wall_clock(&self, unix_ms: f64) -> Option<f64> {
        self.window()?.time_at_wall_clock(unix_ms)
    }

    /// The current rendition's window, once its playlist has been loaded.
    fn window(&self) -> Option<Ref<'_, LiveWindow>> {
        Ref::filter_map(self.state.read(), |state| {
            state.renditions[state.current].window.as_ref()
        })
        .ok()
    }

    /// The chunk that holds media time `t` (the key of its [`Unit`]).
    pub(crate) fn chunk_at(&self, t: f64) -> Option<u64> {
        let (start, _) = self.range();
        self.window()?.unit_at(t.max(start)).map(Unit::key)
    }

    /// The chunk played after chunk `key`.
    pub(crate) fn chunk_after(&self, key: u64) -> Next {
        self.window()
            .map(|w| match w.unit_after(Unit::from_key(key)) {
                Some(next) => Next::Chunk(next.key()),
                None if w.ended() => Next::End,
                None => Next::NotYet,
            })
            .unwrap_or(Next::End)
    }

    /// Registers `listener`, told of each live reload that moved the window or failed.
    pub(crate) fn listen(&self, listener: LiveListener) {
        self.listeners.write().push(listener);
    }

    /// Forgets the cached segments and the listeners (the stream is closed).
    pub(crate) fn clear(&self) {
        self.state.write().cache = ChunkCache::new(CACHED_SEGMENTS);
        self.listeners.write().clear();
    }

    /// Loads chunk `key` (a segment, or a run of parts) of the variant the throughput affords: fetched
    /// (initialization section too, when new), demuxed and placed on the media timeline.
    pub(crate) async fn load(&self, key: u64) -> Result<Rc<Chunk>> {
        let index = {
            let state = self.state.read();
            let bandwidths: Vec<u64> = state.renditions.iter().map(|r| r.bandwidth).collect();
            choose_variant(&bandwidths, state.throughput.bits_per_second(), state.current)
        };
        if index != self.state.read().current {
            self.switch_to(index).await?;
        }
        // Unit keys stay under 2^56 (media sequence numbers under 2^40): the rendition goes above them.
        let cache_key = (index as u64) << 56 | key;
        if let Some(chunk) = self.state.write().cache.get(cache_key) {
            return Ok(chunk);
        }
        let unit = Unit::from_key(key);
        let sequence = unit.msn();
        let fetch = self.window().and_then(|w| w.unit_fetch(unit)).ok_or_else(|| {
            Error::new(
                ErrorCode::OutOfRange,
                format!("segment {sequence} is no longer in the playlist"),
            )
        })?;
        let (segment, start) = (fetch.segment, fetch.start);
        if segment.gap {
            return Err(Error::new(
                ErrorCode::Network,
                format!("segment {sequence} is marked EXT-X-GAP"),
            ));
        }
        let init = match &segment.init {
            Some(init) => Some(self.init_bytes(index, init).await?),
            None => None,
        };
        let started = now_ms();
        let mut bytes = Vec::new();
        for (uri, range) in &fetch.pieces {
            let piece = self.fetch_bytes(uri, *range).await?;
            // A whole segment, or a run of parts in one request, is the only piece: kept, not copied.
            if bytes.is_empty() {
                bytes = piece;
            } else {
                bytes.extend_from_slice(&piece);
            }
        }
        self.state.write().throughput.add(bytes.len(), now_ms() - started);
        let read = {
            let mut state = self.state.write();
            let rendition = &mut state.renditions[index];
            let init = init.as_deref().map(Vec::as_slice);
            rendition
                .segments
                .read(&segment, start, init, bytes, &mut rendition.placer)?
        };
        let (tracks, data, stored_start) = (read.tracks, read.data, read.stored_start);
        let mut chunk = Chunk::new(start + segment.duration, tracks, data);
        chunk.problems = read
            .damage
            .iter()
            .map(|damage| Problem {
                error: Error::malformed(format!(
                    "segment {sequence} ({}) is damaged: {}",
                    segment.uri,
                    describe(damage)
                )),
                // Where in the segment, as far as the demuxer could tell.
                time: Some(match (damage.time(), stored_start) {
                    (Some(at), Some(from)) => {
                        let into = (at - from) as f64 / f64::from(MPEG_TS_TIMESCALE);
                        start + into.max(0.0).min(segment.duration)
                    }
                    _ => start,
                }),
            })
            .collect();
        let chunk = Rc::new(chunk);
        self.state.write().cache.put(cache_key, Rc::clone(&chunk));
        Ok(chunk)
    }

    /// The bytes of initialization section `init` in rendition `index`, fetched once.
    async fn init_bytes(&self, index: usize, init: &InitSection) -> Result<Rc<Vec<u8>>> {
        if let Some((known, bytes)) = &self.state.read().renditions[index].init {
            if known == init {
                return Ok(Rc::clone(bytes));
            }
        }
        let bytes = Rc::new(self.fetch_bytes(&init.uri, init.range).await?);
        self.state.write().renditions[index].init = Some((init.clone(), Rc::clone(&bytes)));
        Ok(bytes)
    }

    /// Makes rendition `index` the current one, its playlist loaded and aligned with the current one's.
    async fn switch_to(&self, index: usize) -> Result<()> {
        let live = self.is_live();
        let loaded = self.state.read().renditions[index].window.is_some();
        if live || !loaded {
            let uri = self.state.read().renditions[index].uri.clone();
            let Playlist::Media(media) = fetch_playlist(&self.fetcher, &uri).await? else {
                return Err(Error::malformed(format!("{uri}: a variant is a master playlist")));
            };
            let mut window = LiveWindow::new(&media);
            let mut state = self.state.write();
            if let Some(reference) = state.renditions[state.current].window.as_ref() {
                window.align_to(reference);
            }
            state.renditions[index].window = Some(window);
            state.renditions[index].fetched = Some(now_ms());
            state.received(index);
        }
        self.state.write().current = index;
        Ok(())
    }

    /// Reloads the current rendition's live playlist and merges it. Returns whether the window moved.
    async fn reload(&self) -> Result<bool> {
        let (index, uri) = {
            let state = self.state.read();
            let rendition = &state.renditions[state.current];
            let age = rendition
                .fetched
                .map_or(f64::INFINITY, |fetched| (now_ms() - fetched) / 1000.0);
            let uri = match &rendition.window {
                Some(window) => window.reload_uri(&rendition.uri, age),
                None => rendition.uri.clone(),
            };
            (state.current, uri)
        };
        let fetched = now_ms();
        let Playlist::Media(media) = fetch_playlist(&self.fetcher, &uri).await? else {
            return Ok(false);
        };
        let mut state = self.state.write();
        let rendition = &mut state.renditions[index];
        let Some(window) = rendition.window.as_mut() else {
            return Ok(false);
        };
        let before = window.range();
        let events = window.merge(&media);
        // The replay window is what the server still lists (a delta update lists its skipped segments by
        // reference): older segments may be deleted.
        window.forget_before(media.media_sequence);
        let moved = window.range() != before;
        let unusable = events.iter().any(|e| matches!(e, MergeEvent::SkippedUnknown { .. }));
        rendition.fetched = (!unusable).then_some(fetched);
        state.received(index);
        Ok(moved)
    }

    /// How long to wait before the next reload: nothing when the server holds a reload until there is news
    /// (after one that worked), else the RFC cadence, by parts when the playlist has them.
    fn reload_delay(&self, changed: bool, failed: bool) -> f64 {
        let state = self.state.read();
        match &state.renditions[state.current].window {
            Some(window) if window.blocks_reloads() && !failed => 0.0,
            Some(window) => reload_delay(window.reload_interval(), changed),
            None => reload_delay(self.target_duration(), changed),
        }
    }

    fn tell(&self, event: &LiveEvent) {
        let mut kept = std::mem::take(&mut *self.listeners.write());
        kept.retain(|listener| listener(event));
        // A listener may have closed the stream, which dropped the listeners: they stay dropped. Those
        // registered meanwhile come after the ones kept.
        if !self.fetcher.life().is_closed() {
            let mut listeners = self.listeners.write();
            let added = std::mem::replace(&mut *listeners, kept);
            listeners.extend(added);
        }
    }

    /// The bytes of a segment or initialization section, whole or its byte range. A body cut short (the
    /// connection dropped) is fetched again, like a failed request.
    async fn fetch_bytes(&self, url: &str, range: Option<ByteRange>) -> Result<Vec<u8>> {
        let range = range.map(|r| (r.start, r.start.saturating_add(r.len)));
        Ok(self.fetcher.get(url, range, MAX_SEGMENT_BYTES).await?.bytes)
    }
}

/// What the MPEG-TS demuxer passed over, in words.
fn describe(damage: &Damage) -> String {
    match damage {
        Damage::LostSync { offset, skipped, .. } => {
            format!("no sync byte at byte {offset}, {skipped} bytes skipped")
        }
        Damage::TruncatedPacket { offset, .. } => format!("the last packet, at byte {offset}, is cut short"),
        Damage::ContinuityGap { pid, offset, .. } => {
            format!("packets of PID {pid} are missing before byte {offset}")
        }
        Damage::BadPes {
            pid, offset, reason, ..
        } => {
            format!("a PES packet of PID {pid} ending at byte {offset} is unusable ({reason})")
        }
    }
}

/// A rendition of the stream, with its playlist when it has been loaded.
fn rendition(uri: &str, bandwidth: u64, media: Option<&MediaPlaylist>) -> Rendition {
    Rendition {
        uri: uri.to_owned(),
        bandwidth,
        window: media.map(LiveWindow::new),
        segments: SegmentReader::new(),
        placer: SegmentPlacer::new(),
        init: None,
        fetched: media.map(|_| now_ms()),
    }
}

/// Reloads the live playlist while the content lives and the stream has not ended; stops when it is closed.
fn start_reloading(content: Weak<HlsContent>) {
    wasm_bindgen_futures::spawn_local(async move {
        let (mut changed, mut failed) = (true, false);
        loop {
            let Some((life, delay)) = content
                .upgrade()
                .map(|c| (Rc::clone(c.fetcher.life()), c.reload_delay(changed, failed)))
            else {
                return;
            };
            if life.sleep(delay * 1000.0).await.is_err() {
                return; // closed
            }
            let Some(live) = content.upgrade() else { return };
            // A failed reload is tried again at the next tick; segments already known keep playing.
            (changed, failed) = match live.reload().await {
                Ok(changed) => (changed, false),
                Err(_) if life.is_closed() => return,
                Err(error) => {
                    live.tell(&LiveEvent::ReloadFailed(error));
                    (false, true)
                }
            };
            if changed {
                live.tell(&LiveEvent::WindowMoved);
            }
            if !live.is_live() {
                return;
            }
        }
    });
}

async fn fetch_playlist(fetcher: &Fetcher, url: &str) -> Result<Playlist> {
    let bytes = fetcher.get(url, None, MAX_PLAYLIST_BYTES as u64).await?.bytes;
    let text =
        String::from_utf8(bytes).map_err(|_| Error::malformed(format!("{url}: the playlist is not UTF-8 text")))?;
    playlist::parse(&text, url)
}
