//! The player engine: shows a [`Content`] on a canvas and plays its sound. Seeking is frame-exact: it
//! decodes from the keyframe before the asked time and draws the frame whose display interval holds it.
//! Playing runs a [`Playback`] pipeline on `requestAnimationFrame`, timed by the audio clock (or
//! `performance.now()` when there is no sound to play).
//!
//! Its state is one [`Phase`]; destroying it stops the pipeline, cancels the pending animation frame,
//! closes the audio context, releases the WebGL context and closes a media it opened itself. After that it
//! fires nothing and every call fails with `invalid_state`.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::audio::AudioOutput;
use super::cell::Access;
use super::chunk::Problem;
use super::clock::now_ms;
use super::codec::video_decoder::VideoDecoder;
use super::content::{Content, Kind};
use super::error::to_js;
use super::hls::LiveEvent;
use super::life::{closed_error, Life, MEDIA};
use super::options::set_property;
use super::playback::{Playback, Tick};
use super::render::{Choice, Renderer};
use crate::decimal::Fixed;
use crate::error::{Error, ErrorCode, Result};
use crate::hls::playlist::Variant;
use crate::media::TrackKind;

/// Seconds of media between two `timeupdate` events while playing (HTML media elements fire them every
/// 15 to 250 ms).
const TIMEUPDATE_INTERVAL: f64 = 0.25;

/// A `requestAnimationFrame` callback: gets the frame's timestamp in milliseconds.
type FrameCallback = Closure<dyn FnMut(f64)>;

/// The media a player shows, and whether the player opened it (and so closes it when done with it).
pub(crate) struct Loaded {
    content: Rc<Content>,
    owned: bool,
}

impl Loaded {
    /// `content`, opened by the player itself when `owned`.
    pub(crate) fn new(content: Rc<Content>, owned: bool) -> Loaded {
        Loaded { content, owned }
    }
}

impl Drop for Loaded {
    fn drop(&mut self) {
        if self.owned {
            self.content.close();
        }
    }
}

/// What the player is doing.
enum Phase {
    /// Nothing loaded yet.
    Idle,
    /// Showing a still frame of `media` (the last one, when `ended`).
    Paused { media: Loaded, ended: bool },
    /// Playing `media` through `playback`.
    Playing {
        media: Loaded,
        playback: Rc<RefCell<Playback>>,
    },
    /// Done for good; the media's timeline as it was last shown.
    Destroyed(Timeline),
}

/// What the player tells of the media's timeline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Timeline {
    /// The seekable span, seconds.
    pub(crate) range: (f64, f64),
    pub(crate) live: bool,
    /// Live streams: where `goLive` goes; `NaN` for other media.
    pub(crate) live_edge: f64,
}

impl Timeline {
    fn of(content: Option<&Content>) -> Timeline {
        let live_edge = match content.map(Content::kind) {
            Some(Kind::Hls(hls)) if hls.is_live() => hls.live_edge(),
            _ => f64::NAN,
        };
        Timeline {
            range: content.map_or((0.0, 0.0), Content::range),
            live: content.is_some_and(Content::is_live),
            live_edge,
        }
    }
}

struct State {
    phase: Phase,
    current_time: f64,
    volume: f64,
    muted: bool,
    looping: bool,
    /// Incremented by every load, seek, play and pause: an operation that finds a newer one started
    /// gives way to it.
    generation: u64,
    last_timeupdate: f64,
    /// The playback clock runs (`playing` fired, no `waiting` since).
    clock_running: bool,
    /// The playback rate last told (`ratechange`).
    rate: f64,
    /// A seek stopped playback, which resumes once the last seek has drawn its frame.
    resume_after_seek: bool,
    /// How many times a media was loaded (and so which load a live stream's events are for).
    loads: u64,
    dropped_frames: u32,
    error: Option<JsValue>,
    /// HLS: the variant whose pictures were shown last (`variantchange` fires when it changes); -1 for
    /// other media.
    variant: i32,
}

impl State {
    fn content(&self) -> Option<&Rc<Content>> {
        match &self.phase {
            Phase::Paused { media, .. } | Phase::Playing { media, .. } => Some(&media.content),
            Phase::Idle | Phase::Destroyed(_) => None,
        }
    }

    /// HLS: tells the stream where a player plays (`playing`), and notes the variant whose pictures show
    /// at `time`. Returns whether that variant changed.
    fn note_variant(&mut self, time: f64, playing: bool) -> bool {
        let shown = match self.content().map(|c| c.kind()) {
            Some(Kind::Hls(hls)) => {
                if playing {
                    hls.playing_at(time);
                }
                hls.variant_at(time).map_or(-1, |i| i as i32)
            }
            _ => -1,
        };
        shown != std::mem::replace(&mut self.variant, shown)
    }

    fn playback(&self) -> Option<&Rc<RefCell<Playback>>> {
        match &self.phase {
            Phase::Playing { playback, .. } => Some(playback),
            _ => None,
        }
    }

    /// Stops the pipeline (keeping the frame on screen and the media loaded); returns whether it played.
    fn stop(&mut self, ended: bool) -> bool {
        match std::mem::replace(&mut self.phase, Phase::Idle) {
            Phase::Playing { media, playback } => {
                let playback = playback.read();
                if !ended {
                    self.current_time = playback.time_at(now_ms());
                }
                self.dropped_frames += playback.dropped;
                self.phase = Phase::Paused { media, ended };
                true
            }
            other => {
                self.phase = other;
                false
            }
        }
    }
}

/// A player drawing on one canvas.
pub(crate) struct PlayerCore {
    /// `None` once destroyed (its GL objects deleted and its context lost).
    renderer: RefCell<Option<Renderer>>,
    events: web_sys::EventTarget,
    state: RefCell<State>,
    /// Made at the first `play` (inside the user's gesture, where browsers let sound start).
    audio: RefCell<Option<Rc<AudioOutput>>>,
    /// How frames are drawn (`"webgl2"` or `"2d"`).
    path: &'static str,
    /// The `requestAnimationFrame` callback, made once; it holds the player weakly.
    frame_callback: RefCell<Option<FrameCallback>>,
    /// The animation frame requested and not yet run.
    frame_request: Cell<Option<i32>>,
    /// The lifetimes of the media the player is opening itself (`load(url)`), ended if it is destroyed first.
    opening: RefCell<Vec<Weak<Life>>>,
}

impl PlayerCore {
    /// A player drawing on `canvas` with what `choice` says, with sound at `volume` (0..1), `muted` or not, `looping`
    /// or not.
    pub(crate) fn new(
        canvas: web_sys::HtmlCanvasElement,
        volume: f64,
        muted: bool,
        looping: bool,
        choice: Choice,
    ) -> Result<Rc<PlayerCore>> {
        let renderer = Renderer::new(canvas, choice)?;
        let events = web_sys::EventTarget::new()
            .map_err(|e| super::error::from_js(ErrorCode::Browser, "new EventTarget", &e))?;
        let player = Rc::new(PlayerCore {
            path: renderer.path(),
            renderer: RefCell::new(Some(renderer)),
            events,
            state: RefCell::new(State {
                phase: Phase::Idle,
                current_time: 0.0,
                volume: volume.clamp(0.0, 1.0),
                muted,
                looping,
                generation: 0,
                last_timeupdate: 0.0,
                clock_running: false,
                rate: 1.0,
                resume_after_seek: false,
                loads: 0,
                dropped_frames: 0,
                error: None,
                variant: -1,
            }),
            audio: RefCell::new(None),
            frame_callback: RefCell::new(None),
            frame_request: Cell::new(None),
            opening: RefCell::new(Vec::new()),
        });
        let weak = Rc::downgrade(&player);
        let callback = Closure::<dyn FnMut(f64)>::new(move |now: f64| {
            if let Some(player) = weak.upgrade() {
                player.frame_request.set(None);
                player.on_animation_frame(now);
            }
        });
        *player.frame_callback.write() = Some(callback);
        player.warm_audio();
        Ok(player)
    }

    /// `invalid_state` once destroyed.
    pub(crate) fn check(&self) -> Result<()> {
        match self.state.read().phase {
            Phase::Destroyed(_) => Err(closed_error("the player")),
            _ => Ok(()),
        }
    }

    /// Whether it has been destroyed.
    pub(crate) fn is_destroyed(&self) -> bool {
        self.check().is_err()
    }

    /// Ends the player: see the module documentation. Idempotent.
    pub(crate) fn destroy(&self) {
        if self.is_destroyed() {
            return;
        }
        let last = self.timeline();
        let phase = {
            let mut state = self.state.write();
            // Whatever was waiting to go on (a play waiting for its sound, a seek decoding) gives way.
            state.generation += 1;
            std::mem::replace(&mut state.phase, Phase::Destroyed(last))
        };
        for opening in std::mem::take(&mut *self.opening.write()) {
            if let Some(life) = opening.upgrade() {
                life.close();
            }
        }
        if let (Some(request), Some(window)) = (self.frame_request.take(), web_sys::window()) {
            let _ = window.cancel_animation_frame(request);
        }
        self.frame_callback.write().take();
        // The pipeline (its decoders, frames and scheduled sound), the media if the player opened it, the
        // audio context and the GL context go, in that order.
        drop(phase);
        self.audio.write().take();
        self.renderer.write().take();
    }

    /// A lifetime for a media the player opens itself, closed if the player is destroyed before it has
    /// loaded (after that, the player closes the media it owns).
    pub(crate) fn opening(&self) -> Rc<Life> {
        let life = Life::new(MEDIA);
        let mut opening = self.opening.write();
        opening.retain(|life| life.strong_count() > 0);
        opening.push(Rc::downgrade(&life));
        life
    }

    /// Shows `media` from now on (stopping what played before); fires `loadedmetadata`. Call `seek` or
    /// `play` to draw. A live stream starts near its live edge.
    pub(crate) fn load(self: &Rc<Self>, media: Loaded) -> Result<()> {
        self.check()?;
        media.content.check()?;
        let content = Rc::clone(&media.content);
        {
            let mut state = self.state.write();
            state.generation += 1;
            state.loads += 1;
            state.resume_after_seek = false;
            state.current_time = content.start_time();
            state.error = None;
            state.phase = Phase::Paused { media, ended: false };
            let start = state.current_time;
            state.note_variant(start, false);
        }
        if content.has_track(TrackKind::Audio) {
            self.warm_audio();
        }
        if let Kind::Hls(hls) = content.kind() {
            let weak = Rc::downgrade(self);
            let load = self.state.read().loads;
            hls.listen(Box::new(move |event| {
                let Some(player) = weak.upgrade() else { return false };
                // Until the next load (of this media again, or of another).
                let still_shown = player.state.read().loads == load;
                if still_shown {
                    match event {
                        LiveEvent::WindowMoved => player.fire("livewindowchange"),
                        LiveEvent::ReloadFailed(error) => player.report(error, false, None),
                    }
                }
                still_shown
            }));
        }
        self.fire("loadedmetadata");
        Ok(())
    }

    /// The timeline of the media shown (empty before `load`; after `destroy`, as it was then).
    pub(crate) fn timeline(&self) -> Timeline {
        let state = self.state.read();
        match &state.phase {
            Phase::Destroyed(last) => *last,
            _ => Timeline::of(state.content().map(|c| c.as_ref())),
        }
    }

    /// How frames are drawn: `"webgl2"`, or `"2d"` where WebGL2 is unavailable.
    pub(crate) fn path(&self) -> &'static str {
        self.path
    }

    pub(crate) fn current_time(&self) -> f64 {
        self.state.read().current_time
    }

    /// HLS: the audio tracks of the playing variant's group, as `(NAME, LANGUAGE, whether it plays)`;
    /// none for other media, or a stream whose sound is only in its variants' segments.
    pub(crate) fn audio_tracks(&self) -> Vec<(String, Option<String>, bool)> {
        match self.state.read().content().map(|c| c.kind()) {
            Some(Kind::Hls(hls)) => hls.audio_tracks(),
            _ => Vec::new(),
        }
    }

    /// Plays audio track `index` of [`PlayerCore::audio_tracks`] from now on (`out_of_range` when there is
    /// no such track). The caller seeks to the current time for it to be heard at once.
    pub(crate) fn set_audio_track(&self, index: i32) -> Result<()> {
        self.check()?;
        let state = self.state.read();
        let content = state.content();
        let (Some(Kind::Hls(hls)), Some(index)) = (content.map(|c| c.kind()), usize::try_from(index).ok()) else {
            return Err(Error::new(ErrorCode::OutOfRange, format!("no audio track {index}")));
        };
        let name = hls.audio_tracks().into_iter().nth(index).map(|(name, _, _)| name);
        let name = name.ok_or_else(|| Error::new(ErrorCode::OutOfRange, format!("no audio track {index}")))?;
        hls.set_audio_track(name);
        // The waveform kept was drawn of the other track's sound.
        if let Some(content) = content {
            content.waveform.take();
        }
        Ok(())
    }

    /// Calls `f` with the master playlist's variants (HLS); none for other media.
    pub(crate) fn with_variants<T>(&self, f: impl FnOnce(&[Variant]) -> T) -> T {
        match self.state.read().content().map(|c| c.kind()) {
            Some(Kind::Hls(hls)) => f(&hls.variants()),
            _ => f(&[]),
        }
    }

    /// HLS: the index of the variant whose pictures were shown last; -1 for other media.
    pub(crate) fn variant(&self) -> i32 {
        self.state.read().variant
    }

    /// HLS: fetches variant `index` from the next segment on (`-1`: chosen by the throughput again);
    /// `out_of_range` when there is no such variant.
    pub(crate) fn set_variant(&self, index: i32) -> Result<()> {
        self.check()?;
        let pin = usize::try_from(index).ok();
        match self.state.read().content().map(|c| c.kind()) {
            Some(Kind::Hls(hls)) if index == -1 || pin.is_some_and(|pin| pin < hls.variants().len()) => {
                hls.pin_variant(pin)
            }
            _ if index == -1 => {}
            _ => {
                return Err(Error::new(
                    ErrorCode::OutOfRange,
                    "player.variant: no such variant (-1 chooses by throughput)",
                ))
            }
        }
        Ok(())
    }

    pub(crate) fn paused(&self) -> bool {
        self.state.read().playback().is_none()
    }

    /// The speed playback runs at: 1, or a little more while a live stream catches up with its edge (1
    /// while paused).
    pub(crate) fn playback_rate(&self) -> f64 {
        let state = self.state.read();
        if state.playback().is_some() {
            state.rate
        } else {
            1.0
        }
    }

    pub(crate) fn ended(&self) -> bool {
        matches!(self.state.read().phase, Phase::Paused { ended: true, .. })
    }

    pub(crate) fn volume(&self) -> f64 {
        self.state.read().volume
    }

    pub(crate) fn muted(&self) -> bool {
        self.state.read().muted
    }

    pub(crate) fn looping(&self) -> bool {
        self.state.read().looping
    }

    pub(crate) fn error(&self) -> Option<JsValue> {
        self.state.read().error.clone()
    }

    pub(crate) fn dropped_frames(&self) -> u32 {
        let state = self.state.read();
        state.dropped_frames + state.playback().map_or(0, |p| p.read().dropped)
    }

    /// Sets the volume (clamped to 0..1; NaN is 1); fires `volumechange`.
    pub(crate) fn set_volume(&self, volume: f64) -> Result<()> {
        self.check()?;
        self.state.write().volume = if volume.is_nan() { 1.0 } else { volume.clamp(0.0, 1.0) };
        self.apply_gain();
        self.fire("volumechange");
        Ok(())
    }

    /// Mutes or unmutes; fires `volumechange`.
    pub(crate) fn set_muted(&self, muted: bool) -> Result<()> {
        self.check()?;
        self.state.write().muted = muted;
        self.apply_gain();
        self.fire("volumechange");
        Ok(())
    }

    pub(crate) fn set_looping(&self, looping: bool) -> Result<()> {
        self.check()?;
        self.state.write().looping = looping;
        Ok(())
    }

    /// The listeners' target.
    pub(crate) fn events(&self) -> &web_sys::EventTarget {
        &self.events
    }

    fn fire(&self, kind: &str) {
        if self.is_destroyed() {
            return;
        }
        if let Ok(event) = web_sys::Event::new(kind) {
            let _ = self.events.dispatch_event(&event);
        }
    }

    /// Records `error` as `player.error` (with `fatal`, and the media `time` it concerns when known) and
    /// fires `error`, a `CustomEvent` whose `detail` is the error.
    fn report(&self, error: &Error, fatal: bool, time: Option<f64>) {
        if self.is_destroyed() {
            return;
        }
        let js = to_js(error);
        // Data properties on a fresh Error object.
        set_property(&js, "fatal", &fatal.into());
        if let Some(time) = time {
            set_property(&js, "time", &time.into());
        }
        self.state.write().error = Some(js.clone());
        let init = web_sys::CustomEventInit::new();
        init.set_detail(&js);
        if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict("error", &init) {
            let _ = self.events.dispatch_event(&event);
        }
    }

    fn report_problems(&self, problems: Vec<Problem>) {
        for problem in problems {
            self.report(&problem.error, false, problem.time);
        }
    }

    fn apply_gain(&self) {
        let state = self.state.read();
        let gain = if state.muted { 0.0 } else { state.volume as f32 };
        if let Some(audio) = self.audio.read().as_ref() {
            audio.set_gain(gain);
        }
    }

    /// Pauses on the frame on screen, firing `pause` when it was playing.
    pub(crate) fn pause(&self) -> Result<()> {
        self.check()?;
        // A seek in flight no longer resumes playing either.
        self.state.write().resume_after_seek = false;
        let playing = self.state.read().playback().cloned();
        if let (Some(playback), Some(renderer)) = (playing, &*self.renderer.read()) {
            // A frame that cannot be drawn leaves the one on screen: the next draw reports the failure.
            let _ = playback.write().show_due(now_ms(), renderer);
        }
        if self.stop_playback() {
            self.fire("pause");
        }
        Ok(())
    }

    /// Stops the playback pipeline, keeping the frame on screen. Returns whether it was playing.
    fn stop_playback(&self) -> bool {
        let mut state = self.state.write();
        state.generation += 1;
        state.stop(false)
    }

    /// Shows `time`, then plays on if it was playing.
    pub(crate) async fn seek_and_resume(&self, time: f64) -> Result<()> {
        self.check()?;
        if self.stop_playback() {
            self.state.write().resume_after_seek = true;
        }
        // Seeks in quick succession (a dragged seek bar): the one that draws last resumes playing.
        let drawn = self.seek(time).await?;
        if drawn && std::mem::take(&mut self.state.write().resume_after_seek) {
            self.play().await?;
        }
        Ok(())
    }

    /// Live streams: the live edge, where `goLive` seeks to.
    pub(crate) fn live_edge(&self) -> Result<f64> {
        self.check()?;
        let edge = self.timeline().live_edge;
        if edge.is_nan() {
            return Err(Error::unsupported("goLive needs a live stream"));
        }
        Ok(edge)
    }

    /// Shows `time` and plays from there (a dub's recording plays the clip for the user to speak over).
    pub(crate) async fn play_from(&self, time: f64) -> Result<()> {
        self.stop_playback();
        if self.seek(time).await? {
            self.play().await?;
        }
        Ok(())
    }

    /// The media time heard at `performance.now()` = `now_ms`, while the playback clock runs.
    pub(crate) fn heard_at(&self, now_ms: f64) -> Option<f64> {
        let state = self.state.read();
        if !state.clock_running {
            return None;
        }
        state.playback().map(|p| p.read().time_at(now_ms))
    }

    /// Starts the sound output now where the page may already play sound: an audio device takes a while to
    /// start (Firefox resolves `resume()` only once it runs, up to two seconds), and `play()` is then heard
    /// at once.
    fn warm_audio(&self) {
        if !AudioOutput::may_start_now() {
            return;
        }
        if let Some(audio) = self.audio_output() {
            resume_soon(audio);
        }
    }

    /// The sound output, made on first use; `None` when the page has no audio context.
    fn audio_output(&self) -> Option<Rc<AudioOutput>> {
        if let Some(output) = self.audio.read().clone() {
            return Some(output);
        }
        let output = Rc::new(AudioOutput::new().ok()?);
        *self.audio.write() = Some(Rc::clone(&output));
        self.apply_gain();
        Some(output)
    }

    /// Starts playing from `currentTime` (from the start after the end); fires `play`, `playing` once the
    /// first frame is decoded and the clock runs, then `timeupdate`s, and `ended` at the end.
    pub(crate) async fn play(&self) -> Result<()> {
        self.check()?;
        let (media, generation) = {
            let mut state = self.state.write();
            if state.playback().is_some() {
                // Playing without sound because the page could not start it yet: called again from a
                // user gesture, this is what lets the sound start.
                if let Some(audio) = self.audio.read().clone() {
                    resume_soon(audio);
                }
                return Ok(());
            }
            state.generation += 1;
            let media = state
                .content()
                .cloned()
                .ok_or_else(|| Error::new(ErrorCode::OutOfRange, "play before load"))?;
            (media, state.generation)
        };
        media.check()?;
        let has_audio = media.has_track(TrackKind::Audio);
        // A context still suspended after a moment (the page may not play sound yet) plays once it runs.
        let audio = if has_audio { self.audio_output() } else { None };
        if let Some(audio) = &audio {
            audio.resume().await;
        }
        {
            let mut state = self.state.write();
            if state.generation != generation {
                return Ok(()); // paused, seeked, reloaded or destroyed meanwhile
            }
            let (start, end) = media.range();
            let ended = matches!(state.phase, Phase::Paused { ended: true, .. });
            let from = if ended || state.current_time >= end {
                start
            } else {
                state.current_time.max(start)
            };
            let phase = std::mem::replace(&mut state.phase, Phase::Idle);
            state.phase = match phase {
                Phase::Paused { media: loaded, .. } => Phase::Playing {
                    media: loaded,
                    playback: Playback::start(media, from, audio),
                },
                other => other,
            };
            state.clock_running = false;
            state.rate = 1.0;
            state.last_timeupdate = from;
        }
        self.fire("play");
        self.request_animation_frame();
        Ok(())
    }

    fn request_animation_frame(&self) {
        if let (Some(window), Some(callback)) = (web_sys::window(), self.frame_callback.read().as_ref()) {
            if let Ok(request) = window.request_animation_frame(callback.as_ref().unchecked_ref()) {
                self.frame_request.set(Some(request));
            }
        }
    }

    fn on_animation_frame(&self, now: f64) {
        let Some(playback) = self.state.read().playback().cloned() else {
            return;
        };
        let ticked = match self.renderer.read().as_ref() {
            Some(renderer) => Playback::tick(&playback, now, renderer),
            None => return,
        };
        let problems = std::mem::take(&mut playback.write().problems);
        if !self
            .state
            .read()
            .playback()
            .is_some_and(|current| Rc::ptr_eq(current, &playback))
        {
            return; // stopped while this frame was drawn
        }
        self.report_problems(problems);
        let still_current = self
            .state
            .read()
            .playback()
            .is_some_and(|current| Rc::ptr_eq(current, &playback));
        if !still_current {
            return; // a listener of those errors paused, loaded or destroyed the player
        }
        let mut state = self.state.write();
        match ticked {
            Ok((tick @ (Tick::Waiting | Tick::Playing), time)) => {
                let running = tick == Tick::Playing;
                let changed = running != state.clock_running;
                state.clock_running = running;
                state.current_time = time;
                let rate = playback.read().rate(now);
                let rate_changed = rate != std::mem::replace(&mut state.rate, rate);
                let update = running && (time - state.last_timeupdate).abs() >= TIMEUPDATE_INTERVAL;
                if update {
                    state.last_timeupdate = time;
                }
                let variant_changed = state.note_variant(time, true);
                drop(state);
                if changed {
                    self.fire(if running { "playing" } else { "waiting" });
                }
                if variant_changed {
                    self.fire("variantchange");
                }
                if update {
                    self.fire("timeupdate");
                }
                if rate_changed {
                    self.fire("ratechange");
                }
                self.request_animation_frame();
            }
            Ok((Tick::Ended, _)) if state.looping => {
                // Start over without a pause, as a looping media element does.
                state.dropped_frames += playback.read().dropped;
                if let Some(media) = state.content().cloned() {
                    let (start, _) = media.range();
                    let audio = self.audio.read().clone();
                    if let Phase::Playing { playback, .. } = &mut state.phase {
                        *playback = Playback::start(media, start, audio);
                    }
                    state.current_time = start;
                    state.last_timeupdate = start;
                }
                drop(state);
                self.request_animation_frame();
            }
            Ok((Tick::Ended, time)) => {
                let (_, end) = state.content().map_or((0.0, time), |m| m.range());
                state.current_time = time.min(end);
                state.stop(true);
                drop(state);
                self.fire("timeupdate");
                self.fire("ended");
            }
            Err(error) => {
                state.stop(false);
                drop(state);
                self.report(&error, true, None);
            }
        }
    }

    /// Shows the frame at `time` (clamped to the seekable range); fires `seeking`, then `seeked` once that
    /// frame is on the canvas. A newer operation supersedes this one, which then resolves without drawing.
    pub(crate) async fn seek(&self, time: f64) -> Result<bool> {
        self.check()?;
        if !time.is_finite() {
            return Err(Error::new(
                ErrorCode::OutOfRange,
                format!("cannot seek to {}", Fixed(time, 3)),
            ));
        }
        let (media, generation) = {
            let mut state = self.state.write();
            state.generation += 1;
            let media = state
                .content()
                .cloned()
                .ok_or_else(|| Error::new(ErrorCode::OutOfRange, "seek before load"))?;
            (media, state.generation)
        };
        let (start, end) = media.range();
        // `max` then `min`, not `clamp`: a range whose end precedes its start must not panic.
        let time = time.max(start).min(end);
        self.fire("seeking");
        let has_video = media.has_track(TrackKind::Video);
        if has_video && !self.show_frame(&media, time, generation).await? {
            return Ok(false); // superseded
        }
        let variant_changed = {
            let mut state = self.state.write();
            state.current_time = time;
            if let Phase::Paused { ended, .. } = &mut state.phase {
                *ended = false;
            }
            state.note_variant(time, false)
        };
        if variant_changed {
            self.fire("variantchange");
        }
        self.fire("seeked");
        Ok(true)
    }

    /// Decodes and draws the frame at `time`. Returns `false` when a newer operation superseded this one.
    async fn show_frame(&self, media: &Content, time: f64, generation: u64) -> Result<bool> {
        let chunk = media.frame_chunk(time, false).await?;
        let (video, plan) = chunk.plan_frame(time)?;
        let decoder = VideoDecoder::new(&video.config).await?;
        let frame = decoder.frame_of(&chunk, video, &plan).await?;
        self.check()?;
        if self.state.read().generation != generation {
            return Ok(false);
        }
        match self.renderer.read().as_ref() {
            Some(renderer) => renderer.draw(&frame, &video.display)?,
            None => return Err(closed_error("the player")),
        }
        Ok(true)
    }
}

/// Asks `audio`'s context to resume, without waiting for it.
fn resume_soon(audio: Rc<AudioOutput>) {
    wasm_bindgen_futures::spawn_local(async move { audio.resume().await });
}
