//! The players' sound output: WebAudio playing decoded sound at given times of the `AudioContext` clock,
//! through one gain node per player for its volume and mute.
//!
//! The players of a page share one `AudioContext` while any of them lives (closed when the last one goes):
//! an audio device takes a while to start (Firefox resolves `resume()` only once it runs, up to two seconds
//! on a cold device) and starts at once while another context keeps it running.

use std::cell::{Cell, RefCell};

use std::rc::{Rc, Weak};

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::cell::Access;
use super::codec::frame::Sound;
use super::dictionary::Dictionary;
use super::error::from_js;
use super::life::after_ms;
use super::members::members;
use super::options::{method, property};
use crate::error::{ErrorCode, Result};

/// How long `play()` waits for the audio context to resume before it starts silent.
const RESUME_WAIT_MS: f64 = 300.0;

/// An `AudioContext`, closed when dropped.
pub(crate) struct Context {
    pub(crate) context: web_sys::AudioContext,
    /// The latest heard time given out: the sound reaching the speakers never goes back in time.
    heard: Cell<f64>,
}

impl Context {
    pub(crate) fn new() -> Result<Context> {
        let context = web_sys::AudioContext::new().map_err(|e| from_js(ErrorCode::Browser, "new AudioContext", &e))?;
        Ok(Context {
            context,
            heard: Cell::new(0.0),
        })
    }
}

impl Drop for Context {
    fn drop(&mut self) {
        let _ = members(&self.context).close();
    }
}

// Read with `try_with`: the page's thread never ends, so the value is always there.
thread_local! {
    /// The context the live outputs share, closed when the last output using it is dropped.
    static DEVICE: RefCell<Weak<Context>> = const { RefCell::new(Weak::new()) };
}

/// One player's sound output.
pub(crate) struct AudioOutput {
    device: Rc<Context>,
    gain: web_sys::GainNode,
}

impl AudioOutput {
    /// An output on the page's audio context (made now if no output lives).
    pub(crate) fn new() -> Result<AudioOutput> {
        let device = match DEVICE.try_with(|shared| shared.read().upgrade()).ok().flatten() {
            Some(device) => device,
            None => {
                let device = Rc::new(Context::new()?);
                let _ = DEVICE.try_with(|shared| *shared.write() = Rc::downgrade(&device));
                device
            }
        };
        let gain = device
            .context
            .create_gain()
            .map_err(|e| from_js(ErrorCode::Browser, "AudioContext.createGain", &e))?;
        gain.connect_with_audio_node(&device.context.destination())
            .map_err(|e| from_js(ErrorCode::Browser, "GainNode.connect", &e))?;
        Ok(AudioOutput { device, gain })
    }

    /// Whether the page may start sound without waiting for a user gesture: the browser says its autoplay
    /// policy allows audio contexts (`navigator.getAutoplayPolicy`, Firefox), or the user has already
    /// interacted with the page (`navigator.userActivation`).
    pub(crate) fn may_start_now() -> bool {
        let navigator = property(&js_sys::global(), "navigator").unwrap_or(JsValue::UNDEFINED);
        let policy = method(&navigator, "getAutoplayPolicy")
            .and_then(|f| f.call1(&navigator, &"audiocontext".into()).ok())
            .and_then(|answer| answer.as_string());
        let active = property(&navigator, "userActivation")
            .and_then(|activation| property(&activation, "hasBeenActive"))
            .is_some_and(|flag| flag.is_truthy());
        policy.as_deref() == Some("allowed") || active
    }

    /// Asks the context to resume and waits a moment for it. It may stay suspended longer (a browser
    /// resumes it only once its output really runs, or after a user gesture): playback then starts silent on
    /// the page clock, and the sound joins when the context runs.
    pub(crate) async fn resume(&self) {
        if self.running() {
            return;
        }
        if let Ok(resumed) = self.device.context.resume() {
            let _ = JsFuture::from(Promise::race(&js_sys::Array::of2(&resumed, &after_ms(RESUME_WAIT_MS)))).await;
        }
    }

    pub(crate) fn running(&self) -> bool {
        members(&self.device.context).state() == "running"
    }

    /// Sets the output gain (0 when muted).
    pub(crate) fn set_gain(&self, gain: f32) {
        self.gain.gain().set_value(gain);
    }

    /// The context time at which sound is being rendered now (`AudioContext.currentTime`).
    pub(crate) fn render_time(&self) -> f64 {
        self.device.context.current_time()
    }

    /// The context time of the sound reaching the speakers at `performance.now()` = `now_ms`: behind
    /// `render_time` by the output latency. Falls back to `render_time` where the browser gives no
    /// output timestamp. Never earlier than a time given before: each output timestamp is extrapolated
    /// with the page's clock, which drifts from the device's, so a new timestamp may land a millisecond or
    /// two behind the extrapolation of the last one (Firefox), and the pictures must not step back.
    pub(crate) fn heard_time(&self, now_ms: f64) -> f64 {
        let heard = match output_timestamp(&self.device.context) {
            Some((context, performance)) => context + (now_ms - performance) / 1000.0,
            None => self.render_time(),
        };
        let heard = heard.max(self.device.heard.get());
        self.device.heard.set(heard);
        heard
    }

    /// Plays `data` starting at context time `at`, leaving out its first `skip` seconds, `rate` times faster
    /// than recorded (resampled: the pitch rises with the speed). Returns the source node (stop it to cut the
    /// sound short) and the context time it ends.
    pub(crate) fn play(
        &self,
        data: &Sound,
        at: f64,
        skip: f64,
        rate: f64,
    ) -> Result<(web_sys::AudioBufferSourceNode, f64)> {
        let planes = data.planes()?;
        let options = Dictionary::new();
        options.set_length(data.number_of_frames());
        options.set_sample_rate(data.sample_rate());
        options.set_number_of_channels(data.number_of_channels());
        let buffer = web_sys::AudioBuffer::new(options.unchecked_ref())
            .map_err(|e| from_js(ErrorCode::Browser, "new AudioBuffer", &e))?;
        for (channel, plane) in planes.iter().enumerate() {
            buffer
                .copy_to_channel(plane, channel as i32)
                .map_err(|e| from_js(ErrorCode::Browser, "AudioBuffer.copyToChannel", &e))?;
        }
        let source = self
            .device
            .context
            .create_buffer_source()
            .map_err(|e| from_js(ErrorCode::Browser, "createBufferSource", &e))?;
        source.set_buffer(Some(&buffer));
        source.playback_rate().set_value(rate as f32);
        source
            .connect_with_audio_node(&self.gain)
            .map_err(|e| from_js(ErrorCode::Browser, "AudioBufferSourceNode.connect", &e))?;
        source
            .start_with_when_and_grain_offset(at, skip)
            .map_err(|e| from_js(ErrorCode::Browser, "AudioBufferSourceNode.start", &e))?;
        Ok((source, at + (members(&buffer).duration() - skip) / rate))
    }
}

impl Drop for AudioOutput {
    fn drop(&mut self) {
        // Its sound stops here; the context closes with the last output (`Device`).
        let _ = self.gain.disconnect();
    }
}

/// `AudioContext.getOutputTimestamp()` (Web Audio API 1.0; not in web-sys, called by name): the context
/// time of the sound reaching the speakers and the `performance.now()` at which it does, when the browser
/// gives both.
pub(crate) fn output_timestamp(context: &web_sys::AudioContext) -> Option<(f64, f64)> {
    let stamp = method(context, "getOutputTimestamp")?.call0(context).ok()?;
    let field = |name| property(&stamp, name)?.as_f64().filter(|v| v.is_finite());
    let (context_time, performance) = (field("contextTime")?, field("performanceTime")?);
    (performance > 0.0).then_some((context_time, performance))
}
