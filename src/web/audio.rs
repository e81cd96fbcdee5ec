//! The player's sound output: WebAudio playing decoded sound at given times of the `AudioContext` clock,
//! through one gain node for volume and mute.

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::codec::frame::Sound;
use super::error::from_js;
use super::life::sleep_ms;
use crate::error::{ErrorCode, Result};

/// How long `play()` waits for the audio context to resume before it starts silent.
const RESUME_WAIT_MS: f64 = 300.0;

/// The player's sound output.
pub(crate) struct AudioOutput {
    context: web_sys::AudioContext,
    gain: web_sys::GainNode,
}

impl AudioOutput {
    pub(crate) fn new() -> Result<AudioOutput> {
        let context = web_sys::AudioContext::new().map_err(|e| from_js(ErrorCode::Browser, "new AudioContext", &e))?;
        let gain = context
            .create_gain()
            .map_err(|e| from_js(ErrorCode::Browser, "AudioContext.createGain", &e))?;
        gain.connect_with_audio_node(&context.destination())
            .map_err(|e| from_js(ErrorCode::Browser, "GainNode.connect", &e))?;
        Ok(AudioOutput { context, gain })
    }

    /// Asks the context to resume and waits a moment for it. It may stay suspended longer (a browser
    /// resumes it only once its output really runs, or after a user gesture): playback then starts silent on
    /// the page clock, and the sound joins when the context runs.
    pub(crate) async fn resume(&self) {
        if self.running() {
            return;
        }
        if let Ok(resumed) = self.context.resume() {
            let timeout = Promise::new(&mut |resolve, _| {
                wasm_bindgen_futures::spawn_local(async move {
                    sleep_ms(RESUME_WAIT_MS).await;
                    let _ = resolve.call0(&JsValue::UNDEFINED);
                });
            });
            let _ = JsFuture::from(Promise::race(&js_sys::Array::of2(&resumed, &timeout))).await;
        }
    }

    pub(crate) fn running(&self) -> bool {
        self.context.state() == web_sys::AudioContextState::Running
    }

    /// Sets the output gain (0 when muted).
    pub(crate) fn set_gain(&self, gain: f32) {
        self.gain.gain().set_value(gain);
    }

    /// The context time at which sound is being rendered now (`AudioContext.currentTime`).
    pub(crate) fn render_time(&self) -> f64 {
        self.context.current_time()
    }

    /// The context time of the sound reaching the speakers at `performance.now()` = `now_ms`: behind
    /// `render_time` by the output latency. Falls back to `render_time` where the browser gives no
    /// output timestamp.
    pub(crate) fn heard_time(&self, now_ms: f64) -> f64 {
        // `getOutputTimestamp()` (Web Audio API 1.0) is not in web-sys: called by name.
        let stamp = js_sys::Reflect::get(&self.context, &JsValue::from_str("getOutputTimestamp"))
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
            .and_then(|f| f.call0(&self.context).ok());
        let field = |name: &str| {
            stamp
                .as_ref()
                .and_then(|s| js_sys::Reflect::get(s, &JsValue::from_str(name)).ok())
                .and_then(|v| v.as_f64())
        };
        match (field("contextTime"), field("performanceTime")) {
            (Some(context), Some(performance)) if performance > 0.0 => context + (now_ms - performance) / 1000.0,
            _ => self.render_time(),
        }
    }

    /// Plays `data` starting at context time `at`, leaving out its first `skip` seconds. Returns the
    /// source node (stop it to cut the sound short) and the context time it ends.
    pub(crate) fn play(&self, data: &Sound, at: f64, skip: f64) -> Result<(web_sys::AudioBufferSourceNode, f64)> {
        let planes = data.planes()?;
        let options = web_sys::AudioBufferOptions::new(data.number_of_frames(), data.sample_rate());
        options.set_number_of_channels(data.number_of_channels());
        let buffer =
            web_sys::AudioBuffer::new(&options).map_err(|e| from_js(ErrorCode::Browser, "new AudioBuffer", &e))?;
        for (channel, plane) in planes.iter().enumerate() {
            buffer
                .copy_to_channel(plane, channel as i32)
                .map_err(|e| from_js(ErrorCode::Browser, "AudioBuffer.copyToChannel", &e))?;
        }
        let source = self
            .context
            .create_buffer_source()
            .map_err(|e| from_js(ErrorCode::Browser, "createBufferSource", &e))?;
        source.set_buffer(Some(&buffer));
        source
            .connect_with_audio_node(&self.gain)
            .map_err(|e| from_js(ErrorCode::Browser, "AudioBufferSourceNode.connect", &e))?;
        source
            .start_with_when_and_grain_offset(at, skip)
            .map_err(|e| from_js(ErrorCode::Browser, "AudioBufferSourceNode.start", &e))?;
        Ok((source, at + buffer.duration() - skip))
    }
}

impl Drop for AudioOutput {
    fn drop(&mut self) {
        let _ = self.context.close();
    }
}
