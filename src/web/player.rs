//! `Player`: shows a `Media` on a canvas. Seeking is frame-exact: it decodes from the keyframe before the
//! asked time and draws the frame whose display interval holds it. Playing runs a [`Playback`] pipeline
//! on `requestAnimationFrame`, timed by `performance.now()`.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;

use super::decode::VideoDecoding;
use super::error::to_js;
use super::media::{Media, MediaData};
use super::playback::{Playback, Tick};
use super::render::Renderer;
use crate::error::{Error, ErrorCode, Result};
use crate::player::plan_frame;
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
    /// The `requestAnimationFrame` callback, made once; it holds the player weakly.
    frame_callback: RefCell<Option<FrameCallback>>,
}

/// A `requestAnimationFrame` callback: gets the frame's timestamp in milliseconds.
type FrameCallback = Closure<dyn FnMut(f64)>;

struct State {
    media: Option<Rc<MediaData>>,
    current_time: f64,
    paused: bool,
    /// The pipeline while playing.
    playback: Option<Rc<RefCell<Playback>>>,
    /// Incremented by every load, seek, play and pause: an operation that finds a newer one started
    /// gives way to it.
    generation: u64,
    last_timeupdate: f64,
    /// The playback clock has started (`playing` was fired) since the last `play`.
    clock_running: bool,
    dropped_frames: u32,
    error: Option<JsValue>,
}

impl Default for State {
    fn default() -> Self {
        State {
            media: None,
            current_time: 0.0,
            paused: true,
            playback: None,
            generation: 0,
            last_timeupdate: 0.0,
            clock_running: false,
            dropped_frames: 0,
            error: None,
        }
    }
}

#[wasm_bindgen]
impl Player {
    /// A player drawing on `canvas` with WebGL2.
    #[wasm_bindgen(constructor)]
    pub fn new(canvas: web_sys::HtmlCanvasElement) -> std::result::Result<Player, JsValue> {
        let renderer = Renderer::new(canvas).map_err(|e| to_js(&e))?;
        let events = web_sys::EventTarget::new()?;
        let inner = Rc::new(PlayerInner {
            renderer,
            events,
            state: RefCell::default(),
            frame_callback: RefCell::new(None),
        });
        let weak: Weak<PlayerInner> = Rc::downgrade(&inner);
        let callback = Closure::<dyn FnMut(f64)>::new(move |now: f64| {
            if let Some(inner) = weak.upgrade() {
                inner.on_animation_frame(now);
            }
        });
        *inner.frame_callback.borrow_mut() = Some(callback);
        Ok(Player { inner })
    }

    /// Shows `media` from now on (stopping what played before); fires `loadedmetadata`. Call `seek` or
    /// `play` to draw.
    pub fn load(&self, media: &Media) -> Promise {
        let inner = Rc::clone(&self.inner);
        let data = Rc::clone(&media.data);
        future_to_promise(async move {
            {
                let mut state = inner.state.borrow_mut();
                state.generation += 1;
                state.playback = None;
                state.paused = true;
                state.media = Some(data);
                state.current_time = 0.0;
                state.error = None;
            }
            inner.fire("loadedmetadata");
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Starts playing from `currentTime` (from the start after the end); fires `play`, `playing` once the
    /// first frame is decoded and the clock runs, then `timeupdate`s, and `ended` at the end.
    pub fn play(&self) -> Promise {
        let inner = Rc::clone(&self.inner);
        future_to_promise(async move {
            inner.play().await.map_err(|e| to_js(&e))?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Pauses on the frame on screen; fires `pause`.
    pub fn pause(&self) {
        if self.inner.stop_playback() {
            self.inner.fire("pause");
        }
    }

    /// Shows the frame at `time` seconds on the media timeline (clamped to it); fires `seeking`, then
    /// `seeked` once that frame is on the canvas. Playing goes on from there. A newer seek supersedes this
    /// one, which then resolves without drawing.
    pub fn seek(&self, time: f64) -> Promise {
        let inner = Rc::clone(&self.inner);
        future_to_promise(async move {
            let was_playing = inner.stop_playback();
            inner.seek(time).await.map_err(|e| to_js(&e))?;
            if was_playing {
                inner.play().await.map_err(|e| to_js(&e))?;
            }
            Ok(JsValue::UNDEFINED)
        })
    }

    /// The media time on screen, seconds.
    #[wasm_bindgen(getter, js_name = currentTime)]
    pub fn current_time(&self) -> f64 {
        self.inner.state.borrow().current_time
    }

    /// Length of the loaded media, seconds (0 before `load`).
    #[wasm_bindgen(getter)]
    pub fn duration(&self) -> f64 {
        self.inner.state.borrow().media.as_ref().map_or(0.0, |m| m.duration())
    }

    /// Whether playback is paused (true until `play`, and after `pause` or the end).
    #[wasm_bindgen(getter)]
    pub fn paused(&self) -> bool {
        self.inner.state.borrow().paused
    }

    /// Frames skipped because they were decoded after their time had passed (the device was too slow).
    #[wasm_bindgen(getter, js_name = droppedFrames)]
    pub fn dropped_frames(&self) -> u32 {
        self.inner.state.borrow().dropped_frames
    }

    /// The error that stopped playback (a `ReelcutError`), or `null`.
    #[wasm_bindgen(getter)]
    pub fn error(&self) -> JsValue {
        self.inner.state.borrow().error.clone().unwrap_or(JsValue::NULL)
    }

    /// Listens for player events: `loadedmetadata`, `play`, `playing`, `pause`, `seeking`, `seeked`,
    /// `timeupdate`, `ended`, `error`.
    #[wasm_bindgen(js_name = addEventListener)]
    pub fn add_event_listener(&self, kind: &str, listener: &js_sys::Function) -> std::result::Result<(), JsValue> {
        self.inner.events.add_event_listener_with_callback(kind, listener)
    }

    /// Stops listening.
    #[wasm_bindgen(js_name = removeEventListener)]
    pub fn remove_event_listener(&self, kind: &str, listener: &js_sys::Function) -> std::result::Result<(), JsValue> {
        self.inner.events.remove_event_listener_with_callback(kind, listener)
    }
}

impl PlayerInner {
    fn fire(&self, kind: &str) {
        if let Ok(event) = web_sys::Event::new(kind) {
            let _ = self.events.dispatch_event(&event);
        }
    }

    /// Stops the playback pipeline, keeping the frame on screen. Returns whether it was playing.
    fn stop_playback(&self) -> bool {
        let mut state = self.state.borrow_mut();
        state.generation += 1;
        let Some(playback) = state.playback.take() else {
            return false;
        };
        let playback = playback.borrow();
        state.current_time = playback.time_at(now_ms());
        state.dropped_frames += playback.dropped;
        state.paused = true;
        true
    }

    async fn play(&self) -> Result<()> {
        let (media, from, generation) = {
            let mut state = self.state.borrow_mut();
            if !state.paused {
                return Ok(());
            }
            state.generation += 1;
            let media = state
                .media
                .clone()
                .ok_or_else(|| Error::new(ErrorCode::OutOfRange, "play before load"))?;
            let from = if state.current_time >= media.duration() {
                0.0
            } else {
                state.current_time
            };
            (media, from, state.generation)
        };
        let playback = Playback::start(media, from).await?;
        {
            let mut state = self.state.borrow_mut();
            if state.generation != generation {
                return Ok(()); // paused, seeked or reloaded meanwhile
            }
            state.playback = Some(playback);
            state.paused = false;
            state.clock_running = false;
            state.last_timeupdate = from;
        }
        self.fire("play");
        self.request_animation_frame();
        Ok(())
    }

    fn request_animation_frame(&self) {
        if let (Some(window), Some(callback)) = (web_sys::window(), self.frame_callback.borrow().as_ref()) {
            let _ = window.request_animation_frame(callback.as_ref().unchecked_ref());
        }
    }

    fn on_animation_frame(&self, now: f64) {
        let Some(playback) = self.state.borrow().playback.clone() else {
            return;
        };
        let tick = Playback::tick(&playback, now, &self.renderer);
        let time = playback.borrow().time_at(now);
        let mut state = self.state.borrow_mut();
        if !state
            .playback
            .as_ref()
            .is_some_and(|current| Rc::ptr_eq(current, &playback))
        {
            return; // stopped while this frame was drawn
        }
        match tick {
            Ok(Tick::Waiting) => {
                drop(state);
                self.request_animation_frame();
            }
            Ok(Tick::Playing) => {
                let started = !state.clock_running;
                state.clock_running = true;
                state.current_time = time;
                let update = time - state.last_timeupdate >= TIMEUPDATE_INTERVAL;
                if update {
                    state.last_timeupdate = time;
                }
                drop(state);
                if started {
                    self.fire("playing");
                }
                if update {
                    self.fire("timeupdate");
                }
                self.request_animation_frame();
            }
            Ok(Tick::Ended) => {
                state.current_time = time;
                state.dropped_frames += playback.borrow().dropped;
                state.playback = None;
                state.paused = true;
                drop(state);
                self.fire("timeupdate");
                self.fire("ended");
            }
            Err(error) => {
                state.dropped_frames += playback.borrow().dropped;
                state.playback = None;
                state.paused = true;
                state.error = Some(to_js(&error));
                drop(state);
                self.fire("error");
            }
        }
    }

    async fn seek(&self, time: f64) -> Result<()> {
        let (media, generation) = {
            let mut state = self.state.borrow_mut();
            state.generation += 1;
            let media = state
                .media
                .clone()
                .ok_or_else(|| Error::new(ErrorCode::OutOfRange, "seek before load"))?;
            (media, state.generation)
        };
        if !time.is_finite() {
            return Err(Error::new(ErrorCode::OutOfRange, format!("cannot seek to {time}")));
        }
        let time = time.clamp(0.0, media.duration());
        self.fire("seeking");
        let video = media.video()?;
        let ticks = Time::from_seconds(time + media.origin, video.timescale)
            .ok_or_else(|| Error::new(ErrorCode::OutOfRange, format!("cannot seek to {time}")))?
            .ticks;
        let plan = plan_frame(video, &media.video_order, ticks)
            .ok_or_else(|| Error::new(ErrorCode::OutOfRange, "no video frames"))?;
        let span = media.read_video_samples(plan.first..plan.target + 1).await?;
        let decoder = VideoDecoding::new(&video.config).await?;
        for sample in &video.samples[span.range.clone()] {
            decoder.decode(sample, span.data(sample), video.timescale)?;
        }
        decoder.flush().await?;
        let frames = decoder.take_frames();
        let wanted = Time {
            ticks: plan.pts,
            scale: video.timescale,
        }
        .micros() as f64;
        let superseded = self.state.borrow().generation != generation;
        let drawn = match frames.iter().find(|frame| frame.timestamp() == wanted) {
            Some(frame) if !superseded => Some(self.renderer.draw(frame)),
            _ => None,
        };
        for frame in frames {
            frame.close();
        }
        if superseded {
            return Ok(());
        }
        drawn.ok_or_else(|| Error::new(ErrorCode::MalformedInput, "the decoder did not output the frame sought"))??;
        self.state.borrow_mut().current_time = time;
        self.fire("seeked");
        Ok(())
    }
}

/// `performance.now()` in milliseconds (0 where there is no window).
fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}
