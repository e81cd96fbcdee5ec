//! Recording a voice take from the microphone while a player plays the clip.
//!
//! An `AudioWorklet` copies the microphone's samples, with the frame number of the audio context they
//! were rendered at, to the page. Placing the take on the clip's timeline takes two clocks:
//! - the capture context's: a sample rendered at context time `c` reached the microphone earlier by the
//!   context's processing and output latencies (its output timestamp maps `c` to when it would be heard)
//!   plus the input latency the track reports;
//! - the player's: which media time was heard at a given `performance.now()` (its clock follows its own
//!   audio output, latency included).
//!
//! The take's first sample then lands at the media time the user was hearing as they made it: what they
//! lip-synced to.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Array, Float64Array, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::audio::output_timestamp;
use super::audio::Context;
use super::cell::Access;
use super::clock::now_ms;
use super::dictionary::plain_object;
use super::error::from_js;
use super::life::after_ms;
use super::members::members;
use super::options::property;
use super::player::PlayerCore;
use crate::edit::mix::Timeline;
use crate::error::{Error, ErrorCode, Result};
use crate::media::Pcm;

/// The worklet: posts the input in batches of about 4096 frames, each with the context frame of its first
/// sample (a batch never spans a gap).
const WORKLET: &str = r#"
class ReelcutCapture extends AudioWorkletProcessor {
  constructor() {
    super();
    this.blocks = [];
    this.frames = 0;
    this.start = 0;
    this.port.onmessage = () => { this.flush(); this.port.postMessage({ done: true }); };
  }
  flush() {
    if (this.frames === 0) return;
    const channels = this.blocks[0].map((_, c) => {
      const plane = new Float32Array(this.frames);
      let at = 0;
      for (const block of this.blocks) { plane.set(block[c], at); at += block[c].length; }
      return plane;
    });
    this.port.postMessage({ frame: this.start, channels }, channels.map((p) => p.buffer));
    this.blocks = [];
    this.frames = 0;
  }
  process(inputs) {
    const input = inputs[0];
    if (!input || input.length === 0) return true;
    if (this.frames > 0 && currentFrame !== this.start + this.frames) this.flush();
    if (this.frames === 0) this.start = currentFrame;
    this.blocks.push(input.map((c) => c.slice()));
    this.frames += input[0].length;
    if (this.frames >= 4096) this.flush();
    return true;
  }
}
registerProcessor('reelcut-capture', ReelcutCapture);
"#;

/// How long the capture context may take to start running.
const START_WAIT_MS: f64 = 3000.0;
/// How long the worklet may take to post its last batch once asked.
const FINISH_WAIT_MS: f64 = 1000.0;

/// Captured batches: the context frame of the first sample, and the samples per channel.
type Batches = Rc<RefCell<Vec<(f64, Vec<Vec<f32>>)>>>;

/// A recording in progress.
pub(crate) struct Recording {
    context: Context,
    node: web_sys::AudioWorkletNode,
    batches: Batches,
    /// Estimates of the media time heard less the capture-context time of the sound made then, seconds,
    /// one per batch that arrived while the clip played.
    offsets: Rc<RefCell<Vec<f64>>>,
    /// Resolves the wait in `finish` once the worklet has posted its last batch.
    finished: Rc<RefCell<Option<js_sys::Function>>>,
    player: Rc<PlayerCore>,
    /// The loudest sample of the last batch (1 is full scale).
    level: Rc<Cell<f32>>,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
}

fn browser(doing: &'static str) -> impl Fn(JsValue) -> Error {
    move |e| from_js(ErrorCode::Browser, doing, &e)
}

/// Seconds, from a number property of a JS object (0 when absent).
fn seconds_of(object: &JsValue, name: &str) -> f64 {
    property(object, name)
        .and_then(|v| v.as_f64())
        .filter(|v| v.is_finite())
        .unwrap_or(0.0)
}

impl Recording {
    /// Starts capturing `stream`, then plays the clip in `player` from `start - count_in`.
    pub(crate) async fn start(
        stream: &web_sys::MediaStream,
        player: Rc<PlayerCore>,
        start: f64,
        count_in: f64,
    ) -> Result<Recording> {
        let tracks = stream.get_audio_tracks();
        let track: web_sys::MediaStreamTrack = tracks
            .get(0)
            .dyn_into()
            .map_err(|_| Error::malformed("the stream has no audio track to record"))?;
        // The input latency the browser reports for the microphone (Chromium does), seconds.
        let input_latency = seconds_of(&track.get_settings(), "latency");
        // Closed when dropped, on every path out of here as well as with the recording.
        let owned = Context::new()?;
        let context = owned.context.clone();
        // A context that does not run captures nothing: with no audio device, or where the page may not
        // start audio yet (call `record` from the user's gesture), recording is refused rather than silent.
        let resumed = context.resume().map_err(browser("AudioContext.resume"))?;
        let _ = JsFuture::from(Promise::race(&Array::of2(&resumed, &after_ms(START_WAIT_MS)))).await;
        if members(&context).state() != "running" {
            return Err(Error::new(
                ErrorCode::Browser,
                "the audio input did not start: call record() from a user gesture, on a device with sound",
            ));
        }
        let url = worklet_url()?;
        let added = context
            .audio_worklet()
            .map_err(browser("audioWorklet"))?
            .add_module(&url)
            .map_err(browser("audioWorklet.addModule"))?;
        let added = JsFuture::from(added).await;
        let _ = web_sys::Url::revoke_object_url(&url);
        added.map_err(browser("audioWorklet.addModule"))?;
        let source = context
            .create_media_stream_source(stream)
            .map_err(browser("createMediaStreamSource"))?;
        let node =
            web_sys::AudioWorkletNode::new(&context, "reelcut-capture").map_err(browser("new AudioWorkletNode"))?;
        // A silent path to the destination keeps the graph pulling the node.
        let mute = context.create_gain().map_err(browser("createGain"))?;
        mute.gain().set_value(0.0);
        source.connect_with_audio_node(&node).map_err(browser("connect"))?;
        node.connect_with_audio_node(&mute).map_err(browser("connect"))?;
        mute.connect_with_audio_node(&context.destination())
            .map_err(browser("connect"))?;

        let batches: Batches = Rc::new(RefCell::new(Vec::new()));
        let offsets = Rc::new(RefCell::new(Vec::new()));
        let finished: Rc<RefCell<Option<js_sys::Function>>> = Rc::new(RefCell::new(None));
        let level = Rc::new(Cell::new(0.0));
        let on_message = {
            let (batches, offsets, finished) = (Rc::clone(&batches), Rc::clone(&offsets), Rc::clone(&finished));
            let level = Rc::clone(&level);
            let (context, player) = (context.clone(), Rc::clone(&player));
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
                let data = event.data();
                if property(&data, "done").is_some_and(|d| d.is_truthy()) {
                    if let Some(resolve) = finished.write().take() {
                        let _ = resolve.call0(&JsValue::UNDEFINED);
                    }
                    return;
                }
                let frame = seconds_of(&data, "frame");
                let mut channels: Vec<Vec<f32>> = Vec::new();
                // The worklet's `Float32Array` per channel, in an array.
                if let Some(planes) = property(&data, "channels") {
                    let planes: &Array = planes.unchecked_ref();
                    for channel in 0..members(planes).length() {
                        channels.push(members(&planes.get(channel)).f32s());
                    }
                }
                level.set(channels.iter().flatten().fold(0.0, |loudest, x| x.abs().max(loudest)));
                batches.write().push((frame, channels));
                // Both clocks read at one moment `now`: the player heard media time `heard`; the capture
                // context's sample at context time `c` is heard at `performance + (c - context_time)`, was
                // rendered `latency` before that and was at the microphone `input_latency` before that,
                // when the user heard media time `heard + (that moment - now)`. That is `c + offset`.
                let now = now_ms();
                let (Some(heard), Some((context_time, performance))) =
                    (player.heard_at(now), output_timestamp(&context))
                else {
                    return;
                };
                let latency = seconds_of(&context, "baseLatency") + seconds_of(&context, "outputLatency");
                let offset = heard - now / 1000.0 + performance / 1000.0 - context_time - latency - input_latency;
                offsets.write().push(offset);
            })
        };
        node.port()
            .map_err(browser("AudioWorkletNode.port"))?
            .set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        let recording = Recording {
            context: owned,
            node,
            batches,
            offsets,
            finished,
            player,
            level,
            _on_message: on_message,
        };
        // A player that cannot play the clip ends the recording here, its capture released with it.
        recording.player.play_from(start - count_in).await?;
        Ok(recording)
    }

    /// The microphone's level: the loudest sample of the last batch captured (1 is full scale).
    pub(crate) fn level(&self) -> f32 {
        self.level.get()
    }

    /// Stops: pauses the player, gathers the take and where it starts, seconds into the clip that
    /// starts at media time `start`.
    pub(crate) async fn finish(self, start: f64) -> Result<(Pcm, f64)> {
        // A player destroyed meanwhile has stopped already.
        let _ = self.player.pause();
        let port = self.node.port().map_err(browser("AudioWorkletNode.port"))?;
        let done = Promise::new(&mut |resolve, _| *self.finished.write() = Some(resolve));
        port.post_message(&JsValue::TRUE).map_err(browser("postMessage"))?;
        // The worklet answers from the audio thread; should it not (the device stopped), the take ends with
        // the batches already posted, less the last fraction of a second.
        JsFuture::from(Promise::race(&Array::of2(&done, &after_ms(FINISH_WAIT_MS))))
            .await
            .map_err(browser("waiting for the recording"))?;
        let rate = members(&self.context.context).sample_rate() as u32;
        let batches = std::mem::take(&mut *self.batches.write());
        let offsets = std::mem::take(&mut *self.offsets.write());
        let (Some(first), Some(last)) = (batches.first(), batches.last()) else {
            return Err(Error::malformed("the recording captured no sound"));
        };
        let first_frame = first.0;
        let frames = (last.0 + last.1.first().map_or(0, Vec::len) as f64 - first_frame).max(0.0) as usize;
        let count = batches.iter().map(|b| b.1.len()).max().unwrap_or(1);
        let mut timeline = Timeline::new(count, frames);
        for (frame, channels) in &batches {
            timeline.place((frame - first_frame) as i64, channels);
        }
        // The median, sorted by the browser (one less sort compiled into the wasm).
        let offsets = sort_numbers(&Float64Array::from(&offsets[..]));
        let offset = offsets
            .get(offsets.len() / 2)
            .copied()
            .ok_or_else(|| Error::unsupported("the clip did not play while recording, so the take cannot be placed"))?;
        let at = first_frame / f64::from(rate) + offset - start;
        Ok((
            Pcm {
                rate,
                channels: timeline.into_channels(),
            },
            at,
        ))
    }
}

#[wasm_bindgen]
extern "C" {
    /// `Float64Array.prototype.sort.call(array)`: sorts in place, numerically, and returns the numbers in order
    /// (the glue copies them into the `Vec`); js-sys does not bind it.
    #[wasm_bindgen(js_namespace = ["Float64Array", "prototype", "sort"], js_name = call)]
    fn sort_numbers(array: &Float64Array) -> Vec<f64>;
}

impl Drop for Recording {
    fn drop(&mut self) {
        // No message may reach the handler once it is gone.
        if let Ok(port) = self.node.port() {
            port.set_onmessage(None);
        }
        let _ = self.node.disconnect();
    }
}

/// The worklet's code as an object URL.
fn worklet_url() -> Result<String> {
    let parts = Array::new();
    parts.push(&JsValue::from_str(WORKLET));
    let options = plain_object(&[("type", "text/javascript".into())]);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, options.unchecked_ref())
        .map_err(browser("new Blob"))?;
    web_sys::Url::create_object_url_with_blob(&blob).map_err(browser("URL.createObjectURL"))
}
