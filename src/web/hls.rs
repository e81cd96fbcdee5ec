//! An HLS stream as chunks, one per media segment, or per run of parts near a low-latency live edge (see
//! `hls::units`): master or media playlist, VOD or live.
//!
//! Each variant of a master playlist is a rendition with its own segment list ([`LiveWindow`], which for
//! VOD is simply the whole list) on one shared media timeline. Before each segment is fetched the variant
//! is chosen again from the measured throughput. A variant whose sound is an audio rendition with a playlist
//! of its own (`EXT-X-MEDIA:TYPE=AUDIO` with a `URI`: the chosen track of its group, else the group's
//! default) plays it with its pictures: each chunk takes the sound of the audio units (segments, or parts
//! near the edge) that overlap it, placed on the variant's clock, each sample in one chunk only. A live playlist is reloaded while the `Media` lives: at
//! once after each answer from a server that holds reloads until there is news (`CAN-BLOCK-RELOAD`), else
//! at the RFC 8216 cadence; by delta updates where the server offers them. The seekable window is what the
//! latest playlist lists.

use std::cell::{Cell, Ref, RefCell};
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::rc::{Rc, Weak};
use std::task::Poll;

use js_sys::{Array, Promise};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use super::cell::Access;
use super::chunk::{Chunk, ChunkCache, Next, Problem};
use super::clock::now_ms;
use super::fetch::Fetcher;
use super::job::aborted;
use super::promise::to_promise;
use crate::demux::ts::Damage;
use crate::error::{Error, ErrorCode, Result};
use crate::hls::iframes::{self, IFrame};
use crate::hls::live::{LiveWindow, MergeEvent};
use crate::hls::placement::SegmentPlacer;
use crate::hls::playlist::{self, ByteRange, InitSection, MediaPlaylist, Playlist, RenditionKind, MAX_PLAYLIST_BYTES};
use crate::hls::segments::{ReadSegment, SegmentReader};
use crate::hls::units::{Unit, UnitFetch};
use crate::media::{Sample, Track, TrackKind};
use crate::player::catch_up::LiveEdge;
use crate::player::hls::{reload_delay, Abr};
use crate::time::MPEG_TS_TIMESCALE;

/// A segment or initialization section larger than this is refused (`limit_exceeded`): a 2 s segment of
/// 4K video at 50 Mbit/s is 12.5 MB.
const MAX_SEGMENT_BYTES: u64 = 256 << 20;

/// Segments kept in memory: the playing one, the next, and a couple a seek may come back to.
const CACHED_SEGMENTS: usize = 4;

/// A media playlist played from: a variant's, or an audio rendition's.
struct Stream {
    uri: String,
    /// Its segments on the shared timeline, once its playlist has been loaded.
    window: Option<LiveWindow>,
    /// Its segments, demuxed with what carries over between them.
    segments: SegmentReader,
    /// The last initialization section fetched, with its bytes.
    init: Option<(InitSection, Rc<Vec<u8>>)>,
    /// When the live playlist last merged was fetched (ms), which says whether the next reload may ask for a
    /// delta update; `None` after a delta update the window could not use: the next reload asks for the
    /// whole playlist.
    fetched: Option<f64>,
}

/// One variant stream of the HLS source.
struct Rendition {
    stream: Stream,
    /// Its `AUDIO` group (`EXT-X-STREAM-INF`), which may name audio renditions with playlists of their own.
    audio_group: Option<String>,
    /// Puts its segments, and its audio rendition's, on the timeline.
    placer: SegmentPlacer,
}

/// The audio rendition being played, and its units read: an audio segment's sound is shared out between
/// the chunks whose time it overlaps.
struct Sound {
    stream: Stream,
    read: Vec<(u64, Rc<ReadSound>)>,
}

/// An audio unit read: its sound placed on the timeline, and the bytes its sample offsets index.
struct ReadSound {
    track: Track,
    data: Vec<u8>,
}

/// Chunk spans remembered with their variant: more than the player keeps loaded ahead and behind.
const LOADED: usize = 8;

/// Audio units kept after reading: those the current and the next chunks share (parts near the edge).
const CACHED_SOUND_UNITS: usize = 8;

/// How far past a chunk's playlist times its sound may lie on the media timeline: playlist durations are
/// rounded, the samples' times are exact.
const SOUND_REACH: f64 = 0.5;

/// Which stream: a variant's (by index), or the audio rendition's.
#[derive(Clone, Copy)]
enum Which {
    Variant(usize),
    Sound,
}

struct HlsState {
    renditions: Vec<Rendition>,
    current: usize,
    /// The master playlist's audio renditions (`EXT-X-MEDIA:TYPE=AUDIO`), of every group.
    audio_renditions: Vec<playlist::Rendition>,
    /// The `NAME` of the audio track chosen (`player.audioTrack`); `None`: each group's default.
    audio_track: Option<String>,
    /// The audio rendition the current variant plays, when its sound has a playlist of its own.
    sound: Option<Sound>,
    /// The master playlist's variants (none for a media playlist), in its order: the renditions'.
    variants: Vec<playlist::Variant>,
    /// Which variant each segment is fetched from.
    abr: Abr,
    /// Where a player plays: the media time it showed last, and when (ms), to tell how much is buffered.
    playhead: Option<(f64, f64)>,
    /// The spans of the chunks loaded last (start, end, variant): which variant's pictures show when. A
    /// ring: the next span goes at `next_loaded`, over the oldest.
    loaded: [(f64, f64, usize); LOADED],
    next_loaded: usize,
    /// Keyed by rendition index and media sequence number.
    cache: ChunkCache,
    /// Codec descriptions of the first segment loaded (samples left empty), for `media.tracks`.
    tracks: Vec<Track>,
    /// Where the live edge is, from the playlists received (the renditions share one timeline).
    edge: LiveEdge,
    /// The key frames of the I-frame playlist that goes with the first variant, when the master playlist
    /// offers one and it loaded; else the key frame times are the segment starts.
    i_frames: Vec<IFrame>,
    /// The bytes of the unit about to be loaded, fetched ahead ([`HlsContent::offer`]).
    offered: Option<Prefetch>,
}

impl HlsState {
    /// The window of the rendition playing, once its playlist has been loaded.
    fn playing_window(&self) -> Option<&LiveWindow> {
        self.renditions.get(self.current)?.stream.window.as_ref()
    }

    /// Rendition `index`'s playlist was just received: where its newest part ends tells the live edge.
    fn received(&mut self, index: usize) {
        if let Some((_, end)) = self.renditions[index]
            .stream
            .window
            .as_ref()
            .and_then(LiveWindow::range)
        {
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
        let (mut audio_renditions, mut variants) = (Vec::new(), Vec::new());
        let mut i_frame_uri = None;
        let renditions = match fetch_playlist(&fetcher, url).await? {
            Playlist::Master(master) => {
                if master.variants.is_empty() {
                    return Err(Error::malformed("the master playlist lists no variant"));
                }
                i_frame_uri = iframes::i_frame_variant_for(&master.i_frame_variants, &master.variants[0])
                    .map(|stream| stream.uri.clone());
                let mut renditions = Vec::with_capacity(master.variants.len());
                for variant in &master.variants {
                    let mut rendition = rendition(&variant.uri, None);
                    rendition.audio_group = variant.audio_group.clone();
                    renditions.push(rendition);
                }
                variants = master.variants;
                for alternative in master.renditions {
                    if alternative.kind == RenditionKind::Audio {
                        audio_renditions.push(alternative);
                    }
                }
                renditions
            }
            Playlist::Media(media) => vec![rendition(url, Some(&media))],
        };
        let mut bandwidths = Vec::with_capacity(renditions.len());
        for variant in &variants {
            bandwidths.push(variant.bandwidth);
        }
        let content = Rc::new(HlsContent {
            fetcher,
            state: RefCell::new(HlsState {
                renditions,
                current: 0,
                audio_renditions,
                audio_track: None,
                sound: None,
                variants,
                abr: Abr::new(bandwidths),
                playhead: None,
                loaded: [(0.0, 0.0, 0); LOADED],
                next_loaded: 0,
                cache: ChunkCache::new(CACHED_SEGMENTS),
                tracks: Vec::new(),
                edge: LiveEdge::default(),
                i_frames: Vec::new(),
                offered: None,
            }),
            listeners: RefCell::new(Vec::new()),
        });
        content.state.write().received(0);
        // A master playlist's first variant: its playlist is loaded now.
        if content.state.read().renditions[0].stream.window.is_none() {
            content.switch_to(0).await?;
        }
        let first = content
            .chunk_at(content.start_time())
            .ok_or_else(|| Error::malformed("the playlist lists no segment"))?;
        // The I-frame playlist (a line or two per key frame) comes beside the first segment, not after it.
        let chunk = beside(content.load(first), content.load_i_frames(i_frame_uri)).await?;
        let mut tracks = Vec::new();
        for track in [&chunk.video, &chunk.audio].into_iter().flatten() {
            tracks.push(Track {
                samples: Vec::new(),
                ..track.clone()
            });
        }
        let mut state = content.state.write();
        if sound_only(&tracks) {
            for rendition in &mut state.renditions {
                if let Some(window) = rendition.stream.window.as_mut() {
                    window.set_sound_only();
                }
            }
        }
        state.tracks = tracks;
        drop(state);
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

    /// Key frame times in the seekable range: the I-frame playlist's where it was loaded (and as far as it
    /// reaches), else segment starts (segments start with a key frame in streams tagged
    /// INDEPENDENT-SEGMENTS).
    pub(crate) fn keyframe_times(&self) -> Vec<f64> {
        let i_frames = &self.state.read().i_frames;
        self.window()
            .map(|window| iframes::keyframe_times(i_frames, &window))
            .unwrap_or_default()
    }

    /// Loads I-frame playlist `uri` and places its I-frames on the current variant's timeline. A playlist
    /// that fails to load or is not an I-frame playlist leaves the key frame times to the segment starts:
    /// they are coarser, not wrong, so playback goes on without a word.
    async fn load_i_frames(&self, uri: Option<String>) {
        let Some(uri) = uri else { return };
        let Ok(Playlist::Media(media)) = fetch_playlist(&self.fetcher, &uri).await else {
            return;
        };
        if !media.i_frames_only {
            return;
        }
        let placed = self.window().map(|window| iframes::place(&media, &window));
        self.state.write().i_frames = placed.unwrap_or_default();
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
        Ref::filter_map(self.state.read(), HlsState::playing_window).ok()
    }

    /// The audio renditions a listener may choose among: those of the current variant's group, as
    /// `(NAME, LANGUAGE, whether it plays)`.
    pub(crate) fn audio_tracks(&self) -> Vec<(String, Option<String>, bool)> {
        let state = self.state.read();
        let playing = audio_choice(&state, state.current).map(|chosen| chosen.name.clone());
        let mut tracks = Vec::new();
        for member in group_members(&state, state.current) {
            tracks.push((
                member.name.clone(),
                member.language.clone(),
                playing.as_ref() == Some(&member.name),
            ));
        }
        tracks
    }

    /// Chooses the audio track named `name` (of each variant's group); forgets the chunks loaded with the
    /// other one's sound.
    pub(crate) fn set_audio_track(&self, name: String) {
        let mut state = self.state.write();
        state.audio_track = Some(name);
        state.cache = ChunkCache::new(CACHED_SEGMENTS);
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

    /// Loads chunk `key` (a segment, or a run of parts) of the variant the adaptive bitrate policy
    /// ([`Abr`]) chooses: fetched (initialization section too, when new), demuxed and placed on the media
    /// timeline. A segment that fails to arrive from a variant with a lower one is fetched from that one
    /// instead, the failure a non-fatal problem of the chunk.
    pub(crate) async fn load(&self, key: u64) -> Result<Rc<Chunk>> {
        let unit = Unit::from_key(key);
        let sequence = unit.msn();
        let mut index = {
            let state = self.state.read();
            state
                .abr
                .choose(state.current, self.ahead(unit), self.target_duration())
        };
        let mut failures = Vec::new();
        let (cache_key, fetch, fetched) = loop {
            if index != self.state.read().current {
                self.switch_to(index).await?;
            }
            // Unit keys stay under 2^56 (media sequence numbers under 2^40): the rendition goes above them.
            let cache_key = (index as u64) << 56 | key;
            if let Some(chunk) = self.state.write().cache.get(cache_key) {
                return Ok(chunk);
            }
            let fetch = self.window().and_then(|w| w.unit_fetch(unit)).ok_or_else(|| {
                Error::new(
                    ErrorCode::OutOfRange,
                    format!("segment {sequence} is no longer in the playlist"),
                )
            })?;
            if fetch.segment.gap {
                return Err(Error::new(
                    ErrorCode::Network,
                    format!("segment {sequence} is marked EXT-X-GAP"),
                ));
            }
            let started = now_ms();
            match self.fetch_unit(Which::Variant(index), &fetch).await {
                Ok(fetched) => {
                    let took = now_ms() - started;
                    let abr = &mut self.state.write().abr;
                    abr.downloaded(index, fetched.1.len(), took, fetch.segment.duration);
                    break (cache_key, fetch, fetched);
                }
                Err(error) if error.code() == ErrorCode::Network && !self.fetcher.life().is_closed() => {
                    let Some(lower) = self.state.write().abr.failed(index) else {
                        return Err(error);
                    };
                    failures.push(Problem {
                        error: Error::new(
                            ErrorCode::Network,
                            format!(
                                "{}; segment {sequence} fetched from variant {lower} instead",
                                error.message()
                            ),
                        ),
                        time: Some(fetch.start),
                    });
                    index = lower;
                }
                Err(error) => return Err(error),
            }
        };
        let (segment, start) = (&fetch.segment, fetch.start);
        let read = self.read_unit(Which::Variant(index), &fetch, fetched)?;
        let (mut tracks, mut data, stored_start) = (read.tracks, read.data, read.stored_start);
        self.ensure_sound(index).await?;
        if let Some(sound) = self.sound_for(start, start + segment.duration, &mut data).await? {
            tracks.retain(|t| t.kind != TrackKind::Audio);
            tracks.push(sound);
        }
        let mut chunk = Chunk::new(start + segment.duration, tracks, data);
        for damage in &read.damage {
            chunk.problems.push(Problem {
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
            });
        }
        chunk.problems.append(&mut failures);
        let chunk = Rc::new(chunk);
        self.state.write().cache.put(cache_key, Rc::clone(&chunk));
        self.shown(start, start + segment.duration, index);
        Ok(chunk)
    }

    /// Seconds of media buffered ahead of the playhead as `unit` is about to be fetched (it starts where
    /// the buffer ends), while a player plays; `None` otherwise.
    fn ahead(&self, unit: Unit) -> Option<f64> {
        let (time, at) = self.state.read().playhead?;
        let elapsed = (now_ms() - at) / 1000.0;
        // A player that plays tells its time at every animation frame.
        if elapsed > 1.0 {
            return None;
        }
        Some(self.window()?.unit_fetch(unit)?.start - time - elapsed)
    }

    /// A chunk of variant `index` from `start` to `end` was loaded: the pictures of that time are that
    /// variant's (a chunk taken from the cache again was noted when it was loaded).
    fn shown(&self, start: f64, end: f64, index: usize) {
        let mut state = self.state.write();
        let at = state.next_loaded;
        state.loaded[at] = (start, end, index);
        state.next_loaded = (at + 1) % LOADED;
    }

    /// A player shows media time `time` now (a few seconds behind the segments fetched).
    pub(crate) fn playing_at(&self, time: f64) {
        self.state.write().playhead = Some((time, now_ms()));
    }

    /// The master playlist's variants; none for a media playlist.
    pub(crate) fn variants(&self) -> Ref<'_, [playlist::Variant]> {
        Ref::map(self.state.read(), |state| state.variants.as_slice())
    }

    /// The variant whose pictures show at media time `time`: of the chunk loaded last that holds it, else
    /// the variant fetched last; `None` for a media playlist.
    pub(crate) fn variant_at(&self, time: f64) -> Option<usize> {
        let state = self.state.read();
        if state.variants.is_empty() {
            return None;
        }
        let mut index = state.current;
        // Oldest first: a time loaded again is the newer load's.
        for k in state.next_loaded..state.next_loaded + LOADED {
            let (start, end, loaded) = state.loaded[k % LOADED];
            if (start..end).contains(&time) {
                index = loaded;
            }
        }
        Some(index)
    }

    /// Fetches variant `index` from the next segment on, whatever the throughput; `None`: chosen by the
    /// throughput again.
    pub(crate) fn pin_variant(&self, index: Option<usize>) {
        self.state.write().abr.pin(index);
    }

    /// What reading a unit of stream `which` needs: its segment's initialization section (fetched once per
    /// stream), and its bytes: those [`HlsContent::offer`] offered for it, else fetched now.
    async fn fetch_unit(&self, which: Which, fetch: &UnitFetch) -> Result<(Option<Rc<Vec<u8>>>, Vec<u8>)> {
        let offered = match which {
            Which::Variant(index) => self
                .state
                .write()
                .offered
                .take_if(|ahead| ahead.index == index && ahead.pieces == fetch.pieces),
            Which::Sound => None,
        };
        // The unit's bytes and a new initialization section come over two requests at once.
        let unit = offered.unwrap_or_else(|| self.start_fetch(0, fetch.pieces.clone(), None));
        let mut init = None;
        if let Some(section) = &fetch.segment.init {
            let known = stream_of(&mut self.state.write(), which)
                .and_then(|stream| stream.init.clone())
                .filter(|(known, _)| known == section);
            init = Some(match known {
                Some((_, bytes)) => bytes,
                None => {
                    let piece = vec![(section.uri.clone(), section.range)];
                    let bytes = Rc::new(self.start_fetch(0, piece, None).bytes().await?);
                    if let Some(stream) = stream_of(&mut self.state.write(), which) {
                        stream.init = Some((section.clone(), Rc::clone(&bytes)));
                    }
                    bytes
                }
            });
        }
        Ok((init, unit.bytes().await?))
    }

    /// Starts fetching the bytes of unit `key` of the current variant, unless it starts at `until` or later
    /// (or is a gap): the request runs while the units before it are read, and stops when `signal` fires or
    /// the [`Prefetch`] is dropped.
    pub(crate) fn prefetch(&self, key: u64, until: f64, signal: Option<&web_sys::AbortSignal>) -> Option<Prefetch> {
        let index = self.state.read().current;
        let fetch = self.window()?.unit_fetch(Unit::from_key(key))?;
        if fetch.start >= until || fetch.segment.gap {
            return None;
        }
        Some(self.start_fetch(index, fetch.pieces, signal))
    }

    /// Starts fetching `pieces` (of variant `index`) and joining their bytes, by a request that runs by
    /// itself until done, `signal` fires or the [`Prefetch`] is dropped.
    fn start_fetch(
        &self,
        index: usize,
        pieces: Vec<(String, Option<ByteRange>)>,
        signal: Option<&web_sys::AbortSignal>,
    ) -> Prefetch {
        let stop = web_sys::AbortController::new().ok();
        let mut fetcher = self.fetcher.clone();
        if let Some(stop) = &stop {
            let mut stopped_by = stop.signal();
            if let Some(job) = signal {
                stopped_by = web_sys::AbortSignal::any(&Array::of2(job, &stopped_by));
            }
            fetcher = fetcher.with_signal(Some(&stopped_by));
        }
        let bytes: Rc<Cell<Option<Result<Vec<u8>>>>> = Rc::default();
        let (slot, wanted) = (Rc::clone(&bytes), pieces.clone());
        let done = to_promise(async move {
            slot.set(Some(fetch_pieces(&fetcher, &wanted).await));
            Ok(JsValue::UNDEFINED)
        });
        Prefetch {
            index,
            pieces,
            stop,
            done,
            bytes,
        }
    }

    /// Offers `ahead` to the next load of its unit; `None` withdraws what was offered (and not taken).
    pub(crate) fn offer(&self, ahead: Option<Prefetch>) {
        self.state.write().offered = ahead;
    }

    /// Demuxes the unit `fetch` of stream `which` from what [`HlsContent::fetch_unit`] fetched, and places it
    /// with the current variant's placer.
    fn read_unit(
        &self,
        which: Which,
        fetch: &UnitFetch,
        (init, bytes): (Option<Rc<Vec<u8>>>, Vec<u8>),
    ) -> Result<ReadSegment> {
        let mut state = self.state.write();
        let state = &mut *state;
        let current = state.current;
        let (stream, placer) = match which {
            Which::Variant(index) => {
                let rendition = &mut state.renditions[index];
                (&mut rendition.stream, &mut rendition.placer)
            }
            Which::Sound => {
                let sound = state
                    .sound
                    .as_mut()
                    .ok_or_else(|| Error::malformed("no audio rendition is playing"))?;
                (&mut sound.stream, &mut state.renditions[current].placer)
            }
        };
        let init = init.as_deref().map(Vec::as_slice);
        stream.segments.read(&fetch.segment, fetch.start, init, bytes, placer)
    }

    /// Makes `state.sound` the audio rendition variant `index` plays (its playlist loaded, aligned with the
    /// variant's), or nothing when its sound is in its own segments.
    async fn ensure_sound(&self, index: usize) -> Result<()> {
        let (uri, chosen) = {
            let state = self.state.read();
            let uri = audio_choice(&state, index).and_then(|chosen| chosen.uri.clone());
            let chosen = state
                .sound
                .as_ref()
                .filter(|sound| Some(&sound.stream.uri) == uri.as_ref());
            match chosen {
                Some(sound) if sound.stream.window.is_some() => return Ok(()),
                None if uri.is_none() && state.sound.is_none() => return Ok(()),
                _ => {}
            }
            (uri, chosen.is_some())
        };
        let Some(uri) = uri else {
            self.state.write().sound = None;
            return Ok(());
        };
        // A rendition just chosen whose playlist another chunk's load is still fetching is fetched for this
        // chunk too: without it the chunk would have no sound.
        if !chosen {
            self.state.write().sound = Some(Sound {
                stream: stream(&uri, None),
                read: Vec::new(),
            });
        }
        if let Err(error) = self.load_stream(Which::Sound, true, false).await {
            self.state.write().sound = None;
            return Err(error);
        }
        Ok(())
    }

    /// The sound of the audio rendition presented in `[start, end)` on the media timeline (and before it,
    /// for the stream's first chunk), from the audio units around that time: a track whose sample offsets
    /// follow `data`'s bytes, which it extends. `None` when the variant's own segments carry its sound.
    async fn sound_for(&self, start: f64, end: f64, data: &mut Vec<u8>) -> Result<Option<Track>> {
        let Some(units) = self.sound_units(start, end) else {
            return Ok(None);
        };
        let first_chunk = self.range().0 >= start;
        let mut sound: Option<Track> = None;
        for (key, fetch) in units {
            let read = self.sound_unit(key, fetch).await?;
            let track = &read.track;
            let shift = data.len() as u64;
            let scale = f64::from(track.timescale);
            let mut kept = Vec::new();
            for sample in &track.samples {
                let pts = sample.pts as f64 / scale;
                if pts < end && (pts >= start || first_chunk) {
                    kept.push(Sample {
                        offset: sample.offset + shift,
                        ..*sample
                    });
                }
            }
            if kept.is_empty() {
                continue;
            }
            data.extend_from_slice(&read.data);
            match &mut sound {
                Some(sound) => sound.samples.extend(kept),
                None => {
                    sound = Some(Track {
                        samples: kept,
                        ..track.clone()
                    })
                }
            }
        }
        Ok(sound)
    }

    /// The audio rendition's units that may hold sound presented in `[start, end)`, with their fetches.
    fn sound_units(&self, start: f64, end: f64) -> Option<Vec<(u64, UnitFetch)>> {
        let state = self.state.read();
        let window = state.sound.as_ref()?.stream.window.as_ref()?;
        let mut units = Vec::new();
        let mut unit = window.unit_at((start - SOUND_REACH).max(window.range()?.0));
        while let Some(at) = unit {
            let Some(fetch) = window.unit_fetch(at) else { break };
            if fetch.start >= end + SOUND_REACH {
                break;
            }
            if !fetch.segment.gap {
                units.push((at.key(), fetch));
            }
            unit = window.unit_after(at);
        }
        Some(units)
    }

    /// An audio unit, read once and kept for the chunks that share it.
    async fn sound_unit(&self, key: u64, fetch: UnitFetch) -> Result<Rc<ReadSound>> {
        let known = self.state.read().sound.as_ref().and_then(|sound| {
            let (_, read) = sound.read.iter().find(|(k, _)| *k == key)?;
            Some(Rc::clone(read))
        });
        if let Some(read) = known {
            return Ok(read);
        }
        let fetched = self.fetch_unit(Which::Sound, &fetch).await?;
        let read = self.read_unit(Which::Sound, &fetch, fetched)?;
        let Some(track) = read.tracks.into_iter().find(|t| t.kind == TrackKind::Audio) else {
            return Err(Error::malformed(format!(
                "audio segment {} has no sound",
                fetch.segment.uri
            )));
        };
        let read = Rc::new(ReadSound { track, data: read.data });
        if let Some(sound) = self.state.write().sound.as_mut() {
            if sound.read.len() >= CACHED_SOUND_UNITS {
                sound.read.remove(0);
            }
            sound.read.push((key, Rc::clone(&read)));
        }
        Ok(read)
    }

    /// Makes rendition `index` the current one, its playlist loaded (live: again) and aligned with the
    /// current one's.
    async fn switch_to(&self, index: usize) -> Result<()> {
        if self.is_live() || self.state.read().renditions[index].stream.window.is_none() {
            self.load_stream(Which::Variant(index), true, false).await?;
        }
        self.state.write().current = index;
        Ok(())
    }

    /// Reloads the current rendition's live playlist, and its audio rendition's, and merges them,
    /// `block`ing where the server holds reloads until there is news. Returns whether the window moved.
    async fn reload(&self, block: bool) -> Result<bool> {
        let current = self.state.read().current;
        let moved = self.load_stream(Which::Variant(current), false, block).await?;
        if self.state.read().sound.is_some() {
            self.load_stream(Which::Sound, false, block).await?;
        }
        Ok(moved)
    }

    /// Loads stream `which`'s playlist: `afresh` (or the first time), into a new window aligned with the
    /// current variant's; else as a live reload (delta requests where the server offers them, held until
    /// there is news where it can and `block`) merged into its window. Returns whether its window moved.
    async fn load_stream(&self, which: Which, afresh: bool, block: bool) -> Result<bool> {
        let (uri, fetcher) = {
            let mut state = self.state.write();
            let Some(stream) = stream_of(&mut state, which) else {
                return Ok(false);
            };
            let age = stream
                .fetched
                .map_or(f64::INFINITY, |fetched| (now_ms() - fetched) / 1000.0);
            let mut fetcher = self.fetcher.clone();
            let uri = match &stream.window {
                Some(window) if !afresh => {
                    // A held reload is answered once the next part (segment) is out: one that waits three
                    // times as long went unanswered, and the next reload is a plain one.
                    if block && window.blocks_reloads() {
                        fetcher = fetcher.with_first_byte_timeout(3000.0 * window.reload_interval());
                    }
                    window.reload_uri(&stream.uri, age, block)
                }
                _ => stream.uri.clone(),
            };
            (uri, fetcher)
        };
        let fetched = now_ms();
        let Playlist::Media(media) = fetch_playlist(&fetcher, &uri).await? else {
            return Err(Error::malformed(format!(
                "{uri}: a variant or audio rendition is a master playlist"
            )));
        };
        let mut state = self.state.write();
        let state = &mut *state;
        let mut fresh = None;
        if afresh || stream_of(state, which).is_some_and(|stream| stream.window.is_none()) {
            let mut window = LiveWindow::new(&media);
            if let Some(reference) = state.playing_window() {
                window.align_to(reference);
            }
            if matches!(which, Which::Sound) || sound_only(&state.tracks) {
                window.set_sound_only();
            }
            fresh = Some(window);
        }
        let Some(stream) = stream_of(state, which) else {
            return Ok(false);
        };
        let moved = match (fresh, stream.window.as_mut()) {
            (Some(window), _) => {
                stream.window = Some(window);
                stream.fetched = Some(fetched);
                true
            }
            (None, Some(window)) => {
                let before = window.range();
                let events = window.merge(&media);
                // The replay window is what the server still lists (a delta update lists its skipped
                // segments by reference): older segments may be deleted.
                window.forget_before(media.media_sequence);
                let unusable = events.iter().any(|e| matches!(e, MergeEvent::SkippedUnknown { .. }));
                let moved = window.range() != before;
                stream.fetched = (!unusable).then_some(fetched);
                moved
            }
            (None, None) => false,
        };
        if let Which::Variant(index) = which {
            state.received(index);
        }
        Ok(moved)
    }

    /// How long to wait before the next reload: nothing when the server holds a reload until there is news
    /// (after one that worked), else the RFC cadence, by parts when the playlist has them.
    fn reload_delay(&self, changed: bool, failed: bool) -> f64 {
        let state = self.state.read();
        match state.playing_window() {
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
}

/// The bytes of a unit fetched ahead of its load, by a request that runs by itself; dropping it stops the
/// request.
pub(crate) struct Prefetch {
    /// The variant fetched from.
    index: usize,
    pieces: Vec<(String, Option<ByteRange>)>,
    stop: Option<web_sys::AbortController>,
    /// Settles once `bytes` holds the outcome.
    done: Promise,
    bytes: Rc<Cell<Option<Result<Vec<u8>>>>>,
}

impl Prefetch {
    /// The bytes, once they are in.
    async fn bytes(mut self) -> Result<Vec<u8>> {
        let _ = JsFuture::from(self.done.clone()).await;
        // The request has ended: there is nothing left to stop (an abort would still run its listeners).
        self.stop = None;
        self.bytes.take().unwrap_or_else(|| Err(aborted()))
    }
}

impl Drop for Prefetch {
    fn drop(&mut self) {
        if let Some(stop) = &self.stop {
            stop.abort();
        }
    }
}

/// A unit's bytes (or an initialization section's): its pieces, whole or their byte ranges, fetched one
/// after another and joined (a whole segment, or a run of parts in one request, is the only piece: kept,
/// not copied). A body cut short (the connection dropped) is fetched again, like a failed request.
async fn fetch_pieces(fetcher: &Fetcher, pieces: &[(String, Option<ByteRange>)]) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    for (uri, range) in pieces {
        let range = range.map(|r| (r.start, r.start.saturating_add(r.len)));
        let piece = fetcher.get(uri, range, MAX_SEGMENT_BYTES).await?.bytes;
        if bytes.is_empty() {
            bytes = piece;
        } else {
            bytes.extend_from_slice(&piece);
        }
    }
    Ok(bytes)
}

/// What the MPEG-TS demuxer passed over, in words.
fn describe(damage: &Damage) -> String {
    match damage {
        Damage::LostSync { offset, skipped, .. } => {
            format!("no sync byte at byte {offset}, {skipped} bytes skipped")
        }
        Damage::TruncatedPacket { offset, .. } => format!("the last packet, at byte {offset}, is cut short"),
        Damage::ContinuityGap { pid, offset, .. } => {
            format!("packets of PID {} are missing before byte {offset}", u32::from(*pid))
        }
        Damage::BadPes {
            pid, offset, reason, ..
        } => {
            format!(
                "a PES packet of PID {} ending at byte {offset} is unusable ({reason})",
                u32::from(*pid)
            )
        }
    }
}

/// A stream of playlist `uri`, with its window when the playlist has been loaded.
fn stream(uri: &str, media: Option<&MediaPlaylist>) -> Stream {
    Stream {
        uri: uri.to_owned(),
        window: media.map(LiveWindow::new),
        segments: SegmentReader::new(),
        init: None,
        fetched: media.map(|_| now_ms()),
    }
}

/// A rendition of the stream, with its playlist when it has been loaded.
fn rendition(uri: &str, media: Option<&MediaPlaylist>) -> Rendition {
    Rendition {
        stream: stream(uri, media),
        audio_group: None,
        placer: SegmentPlacer::new(),
    }
}

fn stream_of(state: &mut HlsState, which: Which) -> Option<&mut Stream> {
    match which {
        Which::Variant(index) => state.renditions.get_mut(index).map(|r| &mut r.stream),
        Which::Sound => state.sound.as_mut().map(|s| &mut s.stream),
    }
}

/// Runs `side` while `main` runs (their requests in flight together) and gives `main`'s result once both
/// are done.
async fn beside<F: Future>(main: F, side: impl Future<Output = ()>) -> F::Output {
    let (mut main, mut side) = (pin!(main), pin!(side));
    let (mut out, mut side_done) = (None, false);
    poll_fn(|context| {
        side_done = side_done || side.as_mut().poll(context).is_ready();
        if out.is_none() {
            if let Poll::Ready(result) = main.as_mut().poll(context) {
                out = Some(result);
            }
        }
        match out.take() {
            Some(result) if side_done => Poll::Ready(result),
            result => {
                out = result;
                Poll::Pending
            }
        }
    })
    .await
}

/// Whether `tracks` (a stream's, once known) are sound only: its parts may all be started on.
fn sound_only(tracks: &[Track]) -> bool {
    !tracks.is_empty() && tracks.iter().all(|t| t.kind == TrackKind::Audio)
}

/// The audio renditions of variant `index`'s group.
fn group_members(state: &HlsState, index: usize) -> Vec<&playlist::Rendition> {
    let group = state.renditions[index].audio_group.as_deref();
    let mut members = Vec::new();
    for member in &state.audio_renditions {
        if Some(member.group.as_str()) == group {
            members.push(member);
        }
    }
    members
}

/// The audio rendition variant `index` plays: the chosen track of its group, else the group's default (else
/// its first).
fn audio_choice(state: &HlsState, index: usize) -> Option<&playlist::Rendition> {
    let members = group_members(state, index);
    let chosen = state.audio_track.as_ref();
    let mut pick = members.iter().find(|m| Some(&m.name) == chosen);
    pick = pick.or_else(|| members.iter().find(|m| m.is_default));
    pick.or(members.first()).copied()
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
            // A failed reload is tried again at the next tick, without blocking; segments already known keep
            // playing.
            (changed, failed) = match live.reload(!failed).await {
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
