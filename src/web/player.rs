//! `Player`: shows a `Media` on a canvas. Seeking is frame-exact: it decodes from the keyframe before the
//! asked time and draws the frame whose display interval holds it.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::decode::VideoDecoding;
use super::error::to_js;
use super::media::{Media, MediaData};
use super::render::Renderer;
use crate::error::{Error, ErrorCode, Result};
use crate::media::Sample;
use crate::player::{plan_frame, presentation_order};
use crate::time::Time;

/// A video player drawing on a canvas.
#[wasm_bindgen]
pub struct Player {
    inner: Rc<PlayerInner>,
}

struct PlayerInner {
    renderer: Renderer,
    events: web_sys::EventTarget,
    state: RefCell<State>,
}

#[derive(Default)]
struct State {
    media: Option<Rc<MediaData>>,
    /// Presentation order of the video track's samples, computed once per load.
    video_order: Rc<Vec<usize>>,
    current_time: f64,
    /// Incremented by every seek: a seek that finds a newer one started gives way to it.
    seek_generation: u64,
}

#[wasm_bindgen]
impl Player {
    /// A player drawing on `canvas` with WebGL2.
    #[wasm_bindgen(constructor)]
    pub fn new(canvas: web_sys::HtmlCanvasElement) -> std::result::Result<Player, JsValue> {
        let renderer = Renderer::new(canvas).map_err(|e| to_js(&e))?;
        let events = web_sys::EventTarget::new()?;
        Ok(Player {
            inner: Rc::new(PlayerInner {
                renderer,
                events,
                state: RefCell::default(),
            }),
        })
    }

    /// Shows `media` from now on; fires `loadedmetadata`. Resolves once loaded (call `seek` to draw).
    pub fn load(&self, media: &Media) -> Promise {
        let inner = Rc::clone(&self.inner);
        let data = Rc::clone(&media.data);
        future_to_promise(async move {
            {
                let mut state = inner.state.borrow_mut();
                state.video_order = Rc::new(data.video().map(presentation_order).unwrap_or_default());
                state.media = Some(data);
                state.current_time = 0.0;
                state.seek_generation += 1;
            }
            inner.fire("loadedmetadata");
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Shows the frame at `time` seconds on the media timeline (clamped to it); fires `seeking`, then
    /// `seeked` once that frame is on the canvas. A newer seek supersedes this one, which then resolves
    /// without drawing.
    pub fn seek(&self, time: f64) -> Promise {
        let inner = Rc::clone(&self.inner);
        future_to_promise(async move {
            inner.seek(time).await.map_err(|e| to_js(&e))?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// The time of the frame on screen, seconds on the media timeline.
    #[wasm_bindgen(getter, js_name = currentTime)]
    pub fn current_time(&self) -> f64 {
        self.inner.state.borrow().current_time
    }

    /// Length of the loaded media, seconds (0 before `load`).
    #[wasm_bindgen(getter)]
    pub fn duration(&self) -> f64 {
        self.inner.state.borrow().media.as_ref().map_or(0.0, |m| m.duration())
    }

    /// Listens for player events (`loadedmetadata`, `seeking`, `seeked`).
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

    async fn seek(&self, time: f64) -> Result<()> {
        let (media, order, generation) = {
            let mut state = self.state.borrow_mut();
            state.seek_generation += 1;
            let media = state
                .media
                .clone()
                .ok_or_else(|| Error::new(ErrorCode::OutOfRange, "seek before load"))?;
            (media, Rc::clone(&state.video_order), state.seek_generation)
        };
        if !time.is_finite() {
            return Err(Error::new(ErrorCode::OutOfRange, format!("cannot seek to {time}")));
        }
        let time = time.clamp(0.0, media.duration());
        self.fire("seeking");
        let video = media
            .video()
            .ok_or_else(|| Error::new(ErrorCode::Unsupported, "the media has no video track"))?;
        let ticks = Time::from_seconds(time + media.origin, video.timescale)
            .ok_or_else(|| Error::new(ErrorCode::OutOfRange, format!("cannot seek to {time}")))?
            .ticks;
        let plan =
            plan_frame(video, &order, ticks).ok_or_else(|| Error::new(ErrorCode::OutOfRange, "no video frames"))?;
        let samples = &video.samples[plan.first..=plan.target];
        let (span_start, bytes) = read_span(&media, samples).await?;
        let decoder = VideoDecoding::new(&video.config).await?;
        for sample in samples {
            let start = (sample.offset - span_start) as usize;
            decoder.decode(sample, &bytes[start..start + sample.size as usize], video.timescale)?;
        }
        decoder.flush().await?;
        let frames = decoder.take_frames();
        let wanted = Time {
            ticks: plan.pts,
            scale: video.timescale,
        }
        .micros() as f64;
        let superseded = self.state.borrow().seek_generation != generation;
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

/// Reads the bytes of `samples` (consecutive in decode order) in one request: from the first sample's
/// offset to the end of the last one. Returns the span's start offset and its bytes.
async fn read_span(media: &MediaData, samples: &[Sample]) -> Result<(u64, Vec<u8>)> {
    let start = samples.iter().map(|s| s.offset).min().unwrap_or(0);
    let end = samples
        .iter()
        .map(|s| s.offset + u64::from(s.size))
        .max()
        .unwrap_or(start);
    let bytes = media.source.read(start, end - start).await?;
    if (bytes.len() as u64) < end - start {
        return Err(Error::new(
            ErrorCode::Network,
            "the source ended before the samples did",
        ));
    }
    Ok((start, bytes))
}
