//! `Player`: shows a `Media` on a canvas and plays its sound. Seeking is frame-exact: it decodes from the
//! keyframe before the asked time and draws the frame whose display interval holds it. Playing runs a
//! [`Playback`] pipeline on `requestAnimationFrame`, timed by the audio clock (or `performance.now()`
//! when there is no sound to play).

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::audio::AudioOutput;
use super::cell::Access;
use super::clock::now_ms;
use super::content::Content;
use super::decode::VideoDecoding;
use super::error::to_js;
use super::media::{span_object, Media};
use super::options;
use super::playback::{Playback, Tick};
use super::promise::to_promise;
use super::render::Renderer;
use crate::decimal::Fixed;
use crate::error::{Error, ErrorCode, Result};
use crate::media::TrackKind;
use crate::time::Time;

/// Seconds of media between two `timeupdate` events while playing (HTML media elements fire them every
/// 15 to 250 ms).
const TIMEUPDATE_INTERVAL: f64 = 0.25;

/// A video player drawing on a canvas.
#[wasm_bindgen]
pub struct Player {
    inner: Rc<PlayerInner>,
}

struct PlayerInner {
    renderer: Renderer,
    events: web_sys::EventTarget,
    state: RefCell<State>,
    /// Made at the first `play` (inside the user's gesture, where browsers let sound start).
    audio: RefCell<Option<Rc<AudioOutput>>>,
    /// The `requestAnimationFrame` callback, made once; it holds the player weakly.
    frame_callback: RefCell<Option<FrameCallback>>,
}

/// What a dub's recording drives in a player: it plays the clip for the user to speak over and tells
/// which media time was heard when.
#[derive(Clone)]
pub(crate) struct PlayerHandle(Rc<PlayerInner>);

impl PlayerHandle {
    /// Shows `time` and plays from there.
    pub(crate) async fn play_from(&self, time: f64) -> Result<()> {
        self.0.stop_playback();
        self.0.seek(time).await?;
        self.0.play().await
    }

    /// Pauses (firing `pause` when it was playing).
    pub(crate) fn pause(&self) {
        if self.0.stop_playback() {
            self.0.fire("pause");
        }
    }

    /// The media time heard at `performance.now()` = `now_ms`, while the playback clock runs.
    pub(crate) fn heard_at(&self, now_ms: f64) -> Option<f64> {
        let state = self.0.state.read();
        if !state.clock_running {
            return None;
        }
        state.playback.as_ref().map(|p| p.read().time_at(now_ms))
    }
}

/// A `requestAnimationFrame` callback: gets the frame's timestamp in milliseconds.
type FrameCallback = Closure<dyn FnMut(f64)>;

struct State {
    media: Option<Rc<Content>>,
    current_time: f64,
    paused: bool,
    ended: bool,
    volume: f64,
    muted: bool,
    looping: bool,
    /// The pipeline while playing.
    playback: Option<Rc<RefCell<Playback>>>,
    /// Incremented by every load, seek, play and pause: an operation that finds a newer one started
    /// gives way to it.
    generation: u64,
    last_timeupdate: f64,
    /// The playback clock runs (`playing` fired, no `waiting` since).
    clock_running: bool,
    dropped_frames: u32,
    error: Option<JsValue>,
}

impl Player {
    pub(crate) fn handle(&self) -> PlayerHandle {
        PlayerHandle(Rc::clone(&self.inner))
    }
}

#[wasm_bindgen]
impl Player {
    /// A player drawing on `canvas` with WebGL2. `options`: `{ muted, volume, loop }` (defaults: sound
    /// on, volume 1, no loop).
    #[wasm_bindgen(constructor)]
    pub fn new(
        canvas: web_sys::HtmlCanvasElement,
        #[wasm_bindgen(unchecked_optional_param_type = "PlayerOptions")] options: Option<Object>,
    ) -> std::result::Result<Player, JsValue> {
        let options = options::given(options);
        let volume = options::number(&options, "volume").map_err(|e| to_js(&e))?;
        let flag = |name: &str| options::value(&options, name).is_some_and(|v| v.is_truthy());
        let renderer = Renderer::new(canvas).map_err(|e| to_js(&e))?;
        let events = web_sys::EventTarget::new()?;
        let state = State {
            media: None,
            current_time: 0.0,
            paused: true,
            ended: false,
            volume: volume.map_or(1.0, |v| v.clamp(0.0, 1.0)),
            muted: flag("muted"),
            looping: flag("loop"),
            playback: None,
            generation: 0,
            last_timeupdate: 0.0,
            clock_running: false,
            dropped_frames: 0,
            error: None,
        };
        let inner = Rc::new(PlayerInner {
            renderer,
            events,
            state: RefCell::new(state),
            audio: RefCell::new(None),
            frame_callback: RefCell::new(None),
        });
        let weak: Weak<PlayerInner> = Rc::downgrade(&inner);
        let callback = Closure::<dyn FnMut(f64)>::new(move |now: f64| {
            if let Some(inner) = weak.upgrade() {
                inner.on_animation_frame(now);
            }
        });
        *inner.frame_callback.write() = Some(callback);
        Ok(Player { inner })
    }

    /// Shows `media` from now on (stopping what played before); fires `loadedmetadata`. Call `seek` or
    /// `play` to draw. A live stream starts near its live edge.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn load(&self, media: &Media) -> Promise {
        let inner = Rc::clone(&self.inner);
        let data = Rc::clone(&media.content);
        to_promise(async move {
            {
                let mut state = inner.state.write();
                state.generation += 1;
                state.playback = None;
                state.paused = true;
                state.ended = false;
                state.current_time = data.start_time();
                state.media = Some(Rc::clone(&data));
                state.error = None;
            }
            if let Content::Hls(hls) = data.as_ref() {
                let weak = Rc::downgrade(&inner);
                let shown = Rc::downgrade(&data);
                hls.on_window_change(Box::new(move || {
                    let Some(inner) = weak.upgrade() else { return false };
                    let still_shown = inner
                        .state
                        .read()
                        .media
                        .as_ref()
                        .is_some_and(|m| Weak::ptr_eq(&Rc::downgrade(m), &shown));
                    if still_shown {
                        inner.fire("livewindowchange");
                    }
                    still_shown
                }));
            }
            inner.fire("loadedmetadata");
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Starts playing from `currentTime` (from the start after the end); fires `play`, `playing` once the
    /// first frame is decoded and the clock runs, then `timeupdate`s, and `ended` at the end.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn play(&self) -> Promise {
        let inner = Rc::clone(&self.inner);
        to_promise(async move {
            inner.play().await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Pauses on the frame on screen; fires `pause`.
    pub fn pause(&self) {
        if self.inner.stop_playback() {
            self.inner.fire("pause");
        }
    }

    /// Shows the frame at `time` seconds on the media timeline (clamped to the seekable range); fires
    /// `seeking`, then `seeked` once that frame is on the canvas. Playing goes on from there. A newer
    /// seek supersedes this one, which then resolves without drawing.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn seek(&self, time: f64) -> Promise {
        let inner = Rc::clone(&self.inner);
        to_promise(async move {
            inner.seek_and_resume(time).await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Live streams: seeks back to the live edge (three target durations behind the newest segment).
    #[wasm_bindgen(unchecked_return_type = "Promise<void>", js_name = goLive)]
    pub fn go_live(&self) -> Promise {
        let inner = Rc::clone(&self.inner);
        to_promise(async move {
            let edge = match inner.state.read().media.as_ref().map(|m| m.as_ref()) {
                Some(Content::Hls(hls)) if hls.is_live() => hls.live_edge(),
                _ => return Err(Error::new(ErrorCode::Unsupported, "goLive needs a live stream")),
            };
            inner.seek_and_resume(edge).await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Live streams: the time `goLive` goes to (three target durations behind the newest segment's end);
    /// `NaN` for other media.
    #[wasm_bindgen(getter, js_name = liveEdge)]
    pub fn live_edge(&self) -> f64 {
        match self.inner.state.read().media.as_ref().map(|m| m.as_ref()) {
            Some(Content::Hls(hls)) if hls.is_live() => hls.live_edge(),
            _ => f64::NAN,
        }
    }

    /// The media time on screen, seconds.
    #[wasm_bindgen(getter, js_name = currentTime)]
    pub fn current_time(&self) -> f64 {
        self.inner.state.read().current_time
    }

    /// Length of the loaded media, seconds (0 before `load`); for live, the replay window's length.
    #[wasm_bindgen(getter)]
    pub fn duration(&self) -> f64 {
        self.inner.state.read().media.as_ref().map_or(0.0, |m| m.duration())
    }

    /// The seekable span `{ start, end }` in seconds (for live, the replay window, which slides).
    #[wasm_bindgen(getter, unchecked_return_type = "TimeSpan")]
    pub fn seekable(&self) -> Object {
        let (start, end) = self.inner.state.read().media.as_ref().map_or((0.0, 0.0), |m| m.range());
        span_object(start, end)
    }

    /// Whether the loaded media is a live stream.
    #[wasm_bindgen(getter, js_name = isLive)]
    pub fn is_live(&self) -> bool {
        self.inner.state.read().media.as_ref().is_some_and(|m| m.is_live())
    }

    /// Whether playback is paused (true until `play`, and after `pause` or the end).
    #[wasm_bindgen(getter)]
    pub fn paused(&self) -> bool {
        self.inner.state.read().paused
    }

    /// Whether playback reached the end (until the next `play`, `seek` or `load`).
    #[wasm_bindgen(getter)]
    pub fn ended(&self) -> bool {
        self.inner.state.read().ended
    }

    /// Sound volume, 0 to 1.
    #[wasm_bindgen(getter)]
    pub fn volume(&self) -> f64 {
        self.inner.state.read().volume
    }

    /// Sets the volume (clamped to 0..1); fires `volumechange`.
    #[wasm_bindgen(setter)]
    pub fn set_volume(&self, volume: f64) {
        self.inner.state.write().volume = if volume.is_nan() { 1.0 } else { volume.clamp(0.0, 1.0) };
        self.inner.apply_gain();
        self.inner.fire("volumechange");
    }

    /// Whether the sound is muted.
    #[wasm_bindgen(getter)]
    pub fn muted(&self) -> bool {
        self.inner.state.read().muted
    }

    /// Mutes or unmutes; fires `volumechange`.
    #[wasm_bindgen(setter)]
    pub fn set_muted(&self, muted: bool) {
        self.inner.state.write().muted = muted;
        self.inner.apply_gain();
        self.inner.fire("volumechange");
    }

    /// Whether playback starts over at the end.
    #[wasm_bindgen(getter, js_name = loop)]
    pub fn looping(&self) -> bool {
        self.inner.state.read().looping
    }

    /// Sets looping.
    #[wasm_bindgen(setter, js_name = loop)]
    pub fn set_looping(&self, looping: bool) {
        self.inner.state.write().looping = looping;
    }

    /// Frames skipped because they were decoded after their time had passed (the device was too slow).
    #[wasm_bindgen(getter, js_name = droppedFrames)]
    pub fn dropped_frames(&self) -> u32 {
        let state = self.inner.state.read();
        state.dropped_frames + state.playback.as_ref().map_or(0, |p| p.read().dropped)
    }

    /// The last error (a `ReelcutError` with `fatal`: whether it stopped playback), or `null`.
    #[wasm_bindgen(getter, unchecked_return_type = "ReelcutError | null")]
    pub fn error(&self) -> JsValue {
        self.inner.state.read().error.clone().unwrap_or(JsValue::NULL)
    }

    /// Listens for player events: `loadedmetadata`, `play`, `playing`, `pause`, `waiting`, `seeking`,
    /// `seeked`, `timeupdate`, `volumechange`, `ended`, `error`, `livewindowchange`.
    #[wasm_bindgen(js_name = addEventListener)]
    pub fn add_event_listener(
        &self,
        #[wasm_bindgen(unchecked_param_type = "PlayerEventType")] kind: &str,
        #[wasm_bindgen(unchecked_param_type = "(event: Event) => void")] listener: &js_sys::Function,
    ) -> std::result::Result<(), JsValue> {
        self.inner.events.add_event_listener_with_callback(kind, listener)
    }

    /// Stops listening.
    #[wasm_bindgen(js_name = removeEventListener)]
    pub fn remove_event_listener(
        &self,
        #[wasm_bindgen(unchecked_param_type = "PlayerEventType")] kind: &str,
        #[wasm_bindgen(unchecked_param_type = "(event: Event) => void")] listener: &js_sys::Function,
    ) -> std::result::Result<(), JsValue> {
        self.inner.events.remove_event_listener_with_callback(kind, listener)
    }
}

impl PlayerInner {
    fn fire(&self, kind: &str) {
        if let Ok(event) = web_sys::Event::new(kind) {
            let _ = self.events.dispatch_event(&event);
        }
    }

    /// Records `error` as `player.error` (with `fatal`) and fires `error`.
    fn report(&self, error: &Error, fatal: bool) {
        let js = to_js(error);
        let _ = Reflect::set(&js, &"fatal".into(), &fatal.into());
        self.state.write().error = Some(js);
        self.fire("error");
    }

    fn apply_gain(&self) {
        let state = self.state.read();
        let gain = if state.muted { 0.0 } else { state.volume as f32 };
        if let Some(audio) = self.audio.read().as_ref() {
            audio.set_gain(gain);
        }
    }

    /// Stops the playback pipeline, keeping the frame on screen. Returns whether it was playing.
    fn stop_playback(&self) -> bool {
        let mut state = self.state.write();
        state.generation += 1;
        let Some(playback) = state.playback.take() else {
            return false;
        };
        let playback = playback.read();
        state.current_time = playback.time_at(now_ms());
        state.dropped_frames += playback.dropped;
        state.paused = true;
        true
    }

    async fn seek_and_resume(&self, time: f64) -> Result<()> {
        let was_playing = self.stop_playback();
        self.seek(time).await?;
        if was_playing {
            self.play().await?;
        }
        Ok(())
    }

    /// The sound output, made on first use; `None` when the page may not play sound.
    async fn audio_output(&self) -> Option<Rc<AudioOutput>> {
        let existing = self.audio.read().clone();
        let output = match existing {
            Some(output) => output,
            None => {
                let output = Rc::new(AudioOutput::new().ok()?);
                *self.audio.write() = Some(Rc::clone(&output));
                self.apply_gain();
                output
            }
        };
        output.resume().await.then_some(output)
    }

    async fn play(&self) -> Result<()> {
        let (media, generation) = {
            let mut state = self.state.write();
            if !state.paused {
                return Ok(());
            }
            state.generation += 1;
            let media = state
                .media
                .clone()
                .ok_or_else(|| Error::new(ErrorCode::OutOfRange, "play before load"))?;
            (media, state.generation)
        };
        let has_audio = media.with_tracks(|tracks| tracks.iter().any(|t| t.kind == TrackKind::Audio));
        let audio = if has_audio { self.audio_output().await } else { None };
        {
            let mut state = self.state.write();
            if state.generation != generation {
                return Ok(()); // paused, seeked or reloaded meanwhile
            }
            let (start, end) = media.range();
            let from = if state.ended || state.current_time >= end {
                start
            } else {
                state.current_time.max(start)
            };
            state.playback = Some(Playback::start(media, from, audio));
            state.paused = false;
            state.ended = false;
            state.clock_running = false;
            state.last_timeupdate = from;
        }
        self.fire("play");
        self.request_animation_frame();
        Ok(())
    }

    fn request_animation_frame(&self) {
        if let (Some(window), Some(callback)) = (web_sys::window(), self.frame_callback.read().as_ref()) {
            let _ = window.request_animation_frame(callback.as_ref().unchecked_ref());
        }
    }

    fn on_animation_frame(&self, now: f64) {
        let Some(playback) = self.state.read().playback.clone() else {
            return;
        };
        let ticked = Playback::tick(&playback, now, &self.renderer);
        let skipped = std::mem::take(&mut playback.write().skipped);
        if !self
            .state
            .read()
            .playback
            .as_ref()
            .is_some_and(|current| Rc::ptr_eq(current, &playback))
        {
            return; // stopped while this frame was drawn
        }
        for error in &skipped {
            self.report(error, false);
        }
        let mut state = self.state.write();
        match ticked {
            Ok((tick @ (Tick::Waiting | Tick::Playing), time)) => {
                let running = tick == Tick::Playing;
                let changed = running != state.clock_running;
                state.clock_running = running;
                state.current_time = time;
                let update = running && (time - state.last_timeupdate).abs() >= TIMEUPDATE_INTERVAL;
                if update {
                    state.last_timeupdate = time;
                }
                drop(state);
                if changed {
                    self.fire(if running { "playing" } else { "waiting" });
                }
                if update {
                    self.fire("timeupdate");
                }
                self.request_animation_frame();
            }
            Ok((Tick::Ended, _)) if state.looping => {
                // Start over without a pause, as a looping media element does.
                state.dropped_frames += playback.read().dropped;
                let (start, _) = state.media.as_ref().map_or((0.0, 0.0), |m| m.range());
                let media = state.media.clone();
                if let Some(media) = media {
                    let audio = self.audio.read().clone().filter(|a| a.running());
                    state.playback = Some(Playback::start(media, start, audio));
                    state.current_time = start;
                    state.last_timeupdate = start;
                }
                drop(state);
                self.request_animation_frame();
            }
            Ok((Tick::Ended, time)) => {
                let (_, end) = state.media.as_ref().map_or((0.0, time), |m| m.range());
                state.current_time = time.min(end);
                state.dropped_frames += playback.read().dropped;
                state.playback = None;
                state.paused = true;
                state.ended = true;
                drop(state);
                self.fire("timeupdate");
                self.fire("ended");
            }
            Err(error) => {
                state.dropped_frames += playback.read().dropped;
                state.playback = None;
                state.paused = true;
                drop(state);
                self.report(&error, true);
            }
        }
    }

    async fn seek(&self, time: f64) -> Result<()> {
        let (media, generation) = {
            let mut state = self.state.write();
            state.generation += 1;
            let media = state
                .media
                .clone()
                .ok_or_else(|| Error::new(ErrorCode::OutOfRange, "seek before load"))?;
            (media, state.generation)
        };
        if !time.is_finite() {
            return Err(Error::new(
                ErrorCode::OutOfRange,
                format!("cannot seek to {}", Fixed(time, 3)),
            ));
        }
        let (start, end) = media.range();
        // `max` then `min`, not `clamp`: a range whose end precedes its start must not panic.
        let time = time.max(start).min(end);
        self.fire("seeking");
        let has_video = media.with_tracks(|tracks| tracks.iter().any(|t| t.kind == TrackKind::Video));
        if has_video && !self.show_frame(&media, time, generation).await? {
            return Ok(()); // superseded
        }
        {
            let mut state = self.state.write();
            state.current_time = time;
            state.ended = false;
        }
        self.fire("seeked");
        Ok(())
    }

    /// Decodes and draws the frame at `time`. Returns `false` when a newer operation superseded this one.
    async fn show_frame(&self, media: &Content, time: f64, generation: u64) -> Result<bool> {
        let key = media.chunk_at(time).ok_or_else(|| {
            Error::new(
                ErrorCode::OutOfRange,
                format!("nothing to show at {} s", Fixed(time, 3)),
            )
        })?;
        let chunk = media.load(key).await?;
        let (video, plan) = chunk.plan_frame(time)?;
        let decoder = VideoDecoding::new(&video.config).await?;
        for sample in &video.samples[plan.first..=plan.target] {
            decoder.decode(sample, chunk.sample_data(sample)?, video.timescale)?;
        }
        decoder.flush().await?;
        let frames = decoder.take_frames();
        let wanted = Time {
            ticks: plan.pts,
            scale: video.timescale,
        }
        .micros() as f64;
        let superseded = self.state.read().generation != generation;
        let drawn = match frames.iter().find(|frame| frame.timestamp() == wanted) {
            Some(frame) if !superseded => Some(self.renderer.draw(frame)),
            _ => None,
        };
        for frame in frames {
            frame.close();
        }
        if superseded {
            return Ok(false);
        }
        drawn.ok_or_else(|| Error::new(ErrorCode::MalformedInput, "the decoder did not output the frame sought"))??;
        Ok(true)
    }
}
