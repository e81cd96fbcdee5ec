//! `Player`, as JS sees it: a thin facade over the player engine ([`PlayerCore`]).

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use js_sys::{Object, Promise};
use wasm_bindgen::prelude::*;

use super::media::{span_object, Media};
use super::throw;
use crate::error::{Error, Result};
use crate::web::content::Content;
use crate::web::dictionary::plain_object;
use crate::web::options;
use crate::web::player::{Loaded, PlayerCore};
use crate::web::promise::to_promise;
use crate::web::render::Choice;

/// A video player drawing on a canvas.
#[wasm_bindgen]
pub struct Player {
    core: Rc<PlayerCore>,
}

impl Player {
    /// The engine behind it (a dub's recording drives it).
    pub(crate) fn core(&self) -> &Rc<PlayerCore> {
        &self.core
    }
}

/// A promise of `undefined` once `future` succeeds. The future is boxed so that the methods share one
/// instantiation of the wrapper, as [`to_promise`] shares the promise glue.
fn done(future: impl Future<Output = Result<()>> + 'static) -> Promise {
    settle_unit(Box::pin(future))
}

fn settle_unit(future: Pin<Box<dyn Future<Output = Result<()>>>>) -> Promise {
    to_promise(async move {
        future.await?;
        Ok(JsValue::UNDEFINED)
    })
}

#[wasm_bindgen]
impl Player {
    /// A player drawing on `canvas` with WebGL2 where the GPU runs it, else with a 2D canvas. `options`:
    /// `{ muted, volume, loop, renderer }` (defaults: sound on, volume 1, no loop; `renderer: 'webgl2'`
    /// for WebGL2 in software too, `'2d'` for a 2D canvas).
    #[wasm_bindgen(constructor)]
    pub fn new(
        canvas: web_sys::HtmlCanvasElement,
        #[wasm_bindgen(unchecked_optional_param_type = "PlayerOptions")] options: Option<Object>,
    ) -> std::result::Result<Player, JsValue> {
        let options = options::given(options);
        let volume = throw(options::number(&options, "volume"))?;
        let renderer = throw(options::string(&options, "renderer"))?;
        let choice = match renderer.as_deref() {
            None => Choice::Fastest,
            Some("webgl2") => Choice::Gl,
            Some("2d") => Choice::Canvas2d,
            Some(_) => return throw(Err(Error::malformed("renderer must be 'webgl2' or '2d'"))),
        };
        let flag = |name: &str| options::value(&options, name).is_some_and(|v| v.is_truthy());
        let core = throw(PlayerCore::new(
            canvas,
            volume.unwrap_or(1.0),
            flag("muted"),
            flag("loop"),
            choice,
        ))?;
        Ok(Player { core })
    }

    /// Shows `src` from now on (stopping what played before); fires `loadedmetadata`. `src` is a `Media`
    /// (shared: it stays open when the player is done with it) or anything `Media.open` takes, opened with
    /// `options` and closed with the player (or at the next `load`). Call `seek` or `play` to draw. A live
    /// stream starts near its live edge.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn load(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Media | MediaInput")] src: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "OpenOptions")] options: Option<Object>,
    ) -> Promise {
        let core = Rc::clone(&self.core);
        let options = options::given(options);
        done(async move {
            core.check()?;
            let loaded = match Media::shared_content(&src) {
                Some(content) => Loaded::new(content, false),
                // Opened under the player's watch: destroying it meanwhile aborts the opening.
                None => Loaded::new(Rc::new(Content::open(&src, &options, core.opening()).await?), true),
            };
            core.load(loaded)
        })
    }

    /// Starts playing from `currentTime` (from the start after the end); fires `play`, `playing` once the
    /// first frame is decoded and the clock runs, then `timeupdate`s, and `ended` at the end.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn play(&self) -> Promise {
        let core = Rc::clone(&self.core);
        done(async move { core.play().await })
    }

    /// Pauses on the frame on screen; fires `pause`.
    pub fn pause(&self) -> std::result::Result<(), JsValue> {
        throw(self.core.pause())
    }

    /// Shows the frame at `time` seconds on the media timeline (clamped to the seekable range); fires
    /// `seeking`, then `seeked` once that frame is on the canvas. Playing goes on from there. A newer
    /// seek supersedes this one, which then resolves without drawing.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn seek(&self, time: f64) -> Promise {
        let core = Rc::clone(&self.core);
        done(async move { core.seek_and_resume(time).await })
    }

    /// Live streams: seeks back to the live edge (three target durations behind the newest segment).
    #[wasm_bindgen(unchecked_return_type = "Promise<void>", js_name = goLive)]
    pub fn go_live(&self) -> Promise {
        let core = Rc::clone(&self.core);
        done(async move {
            let edge = core.live_edge()?;
            core.seek_and_resume(edge).await
        })
    }

    /// Ends the player: playback stops, its decoders, frames, sound and WebGL context are released, a
    /// media it opened itself is closed, no event fires any more, and every later call throws or rejects
    /// with code `invalid_state`. Idempotent; `player[Symbol.dispose]()` (`using`) does the same.
    pub fn destroy(&self) {
        self.core.destroy();
    }

    /// Whether `destroy` was called.
    #[wasm_bindgen(getter)]
    pub fn destroyed(&self) -> bool {
        self.core.is_destroyed()
    }

    /// How the player draws: `'webgl2'`, or `'2d'` (a 2D canvas) where WebGL2 is unavailable, runs in
    /// software and was not asked for, or the 2D canvas was asked for.
    #[wasm_bindgen(getter, unchecked_return_type = "'webgl2' | '2d'")]
    pub fn renderer(&self) -> String {
        self.core.path().to_owned()
    }

    /// Live streams: the time `goLive` goes to (three target durations behind the newest segment's end);
    /// `NaN` for other media.
    #[wasm_bindgen(getter, js_name = liveEdge)]
    pub fn live_edge(&self) -> f64 {
        self.core.timeline().live_edge
    }

    /// The media time on screen, seconds.
    #[wasm_bindgen(getter, js_name = currentTime)]
    pub fn current_time(&self) -> f64 {
        self.core.current_time()
    }

    /// Length of the loaded media, seconds (0 before `load`); for live, the replay window's length.
    #[wasm_bindgen(getter)]
    pub fn duration(&self) -> f64 {
        let (start, end) = self.core.timeline().range;
        end - start
    }

    /// The seekable span `{ start, end }` in seconds (for live, the replay window, which slides).
    #[wasm_bindgen(getter, unchecked_return_type = "TimeSpan")]
    pub fn seekable(&self) -> Object {
        let (start, end) = self.core.timeline().range;
        span_object(start, end)
    }

    /// Whether the loaded media is a live stream.
    #[wasm_bindgen(getter, js_name = isLive)]
    pub fn is_live(&self) -> bool {
        self.core.timeline().live
    }

    /// Whether playback is paused (true until `play`, and after `pause` or the end).
    #[wasm_bindgen(getter)]
    pub fn paused(&self) -> bool {
        self.core.paused()
    }

    /// The speed playback runs at: 1, or a little more while a live stream catches up with its edge
    /// (`ratechange` fires when it changes); 1 while paused.
    #[wasm_bindgen(getter, js_name = playbackRate)]
    pub fn playback_rate(&self) -> f64 {
        self.core.playback_rate()
    }

    /// Whether playback reached the end (until the next `play`, `seek` or `load`).
    #[wasm_bindgen(getter)]
    pub fn ended(&self) -> bool {
        self.core.ended()
    }

    /// Sound volume, 0 to 1.
    #[wasm_bindgen(getter)]
    pub fn volume(&self) -> f64 {
        self.core.volume()
    }

    /// Sets the volume (clamped to 0..1); fires `volumechange`.
    #[wasm_bindgen(setter)]
    pub fn set_volume(&self, volume: f64) -> std::result::Result<(), JsValue> {
        throw(self.core.set_volume(volume))
    }

    /// Whether the sound is muted.
    #[wasm_bindgen(getter)]
    pub fn muted(&self) -> bool {
        self.core.muted()
    }

    /// Mutes or unmutes; fires `volumechange`.
    #[wasm_bindgen(setter)]
    pub fn set_muted(&self, muted: bool) -> std::result::Result<(), JsValue> {
        throw(self.core.set_muted(muted))
    }

    /// Whether playback starts over at the end.
    #[wasm_bindgen(getter, js_name = loop)]
    pub fn looping(&self) -> bool {
        self.core.looping()
    }

    /// Sets looping.
    #[wasm_bindgen(setter, js_name = loop)]
    pub fn set_looping(&self, looping: bool) -> std::result::Result<(), JsValue> {
        throw(self.core.set_looping(looping))
    }

    /// HLS: the audio tracks a listener can choose among, `{ name, language, enabled }` (the `EXT-X-MEDIA`
    /// audio renditions of the playing variant's group); `[]` for other media and for streams whose sound is
    /// only in their variants' segments.
    #[wasm_bindgen(getter, js_name = audioTracks, unchecked_return_type = "AudioTrackInfo[]")]
    pub fn audio_tracks(&self) -> js_sys::Array {
        let tracks = js_sys::Array::new();
        for (name, language, enabled) in self.core.audio_tracks() {
            tracks.push(&plain_object(&[
                ("name", name.into()),
                ("language", language.map_or(JsValue::NULL, JsValue::from)),
                ("enabled", enabled.into()),
            ]));
        }
        tracks
    }

    /// The index in `audioTracks` of the track playing, `-1` when there are none.
    #[wasm_bindgen(getter, js_name = audioTrack)]
    pub fn audio_track(&self) -> i32 {
        let tracks = self.core.audio_tracks();
        tracks
            .iter()
            .position(|(_, _, enabled)| *enabled)
            .map_or(-1, |i| i as i32)
    }

    /// Plays track `index` of `audioTracks` (throws `out_of_range` for no such track); heard at once, as a
    /// seek to the current time refills what was loaded with the other track's sound (a failure of that
    /// refill fires `error`, as any load's does).
    #[wasm_bindgen(setter, js_name = audioTrack)]
    pub fn set_audio_track(&self, index: i32) -> std::result::Result<(), JsValue> {
        throw(self.core.set_audio_track(index))?;
        let _ = self.seek(self.core.current_time());
        Ok(())
    }

    /// HLS master playlists: the variants (`EXT-X-STREAM-INF`), in the playlist's order: `{ bandwidth,
    /// averageBandwidth, width, height, codecs, frameRate }` (`null` where the playlist gives none); `[]`
    /// for other media.
    #[wasm_bindgen(getter, unchecked_return_type = "VariantInfo[]")]
    pub fn variants(&self) -> js_sys::Array {
        let optional = |value: Option<f64>| value.map_or(JsValue::NULL, JsValue::from);
        let list = js_sys::Array::new();
        self.core.with_variants(|variants| {
            for variant in variants {
                let (width, height) = variant.resolution.unzip();
                let mut codecs = String::new();
                for codec in &variant.codecs {
                    if !codecs.is_empty() {
                        codecs.push(',');
                    }
                    codecs.push_str(codec);
                }
                list.push(&plain_object(&[
                    ("bandwidth", (variant.bandwidth as f64).into()),
                    (
                        "averageBandwidth",
                        optional(variant.average_bandwidth.map(|b| b as f64)),
                    ),
                    ("width", optional(width.map(f64::from))),
                    ("height", optional(height.map(f64::from))),
                    (
                        "codecs",
                        if codecs.is_empty() {
                            JsValue::NULL
                        } else {
                            codecs.into()
                        },
                    ),
                    ("frameRate", optional(variant.frame_rate)),
                ]));
            }
        });
        list
    }

    /// The index in `variants` of the variant whose pictures are on screen (it changes as playback
    /// reaches the first segment fetched from another; `variantchange` fires then), `-1` for other media.
    #[wasm_bindgen(getter)]
    pub fn variant(&self) -> i32 {
        self.core.variant()
    }

    /// Pins variant `index` of `variants`: its segments are fetched from the next one on, whatever the
    /// throughput (what is already loaded plays out first); `-1` chooses by throughput again. Throws
    /// `out_of_range` for no such variant.
    #[wasm_bindgen(setter)]
    pub fn set_variant(&self, index: i32) -> std::result::Result<(), JsValue> {
        throw(self.core.set_variant(index))
    }

    /// Frames skipped because they were decoded after their time had passed (the device was too slow).
    #[wasm_bindgen(getter, js_name = droppedFrames)]
    pub fn dropped_frames(&self) -> u32 {
        self.core.dropped_frames()
    }

    /// The last error (a `ReelcutError` with `fatal`: whether it stopped playback, and `time`: the media
    /// time it concerns, when known), or `null`.
    #[wasm_bindgen(getter, unchecked_return_type = "ReelcutError | null")]
    pub fn error(&self) -> JsValue {
        self.core.error().unwrap_or(JsValue::NULL)
    }

    /// Listens for player events: `loadedmetadata`, `play`, `playing`, `pause`, `waiting`, `seeking`,
    /// `seeked`, `timeupdate`, `volumechange`, `ratechange`, `ended`, `error` (a `CustomEvent` whose
    /// `detail` is the error), `livewindowchange`, `variantchange`.
    #[wasm_bindgen(js_name = addEventListener)]
    pub fn add_event_listener(
        &self,
        #[wasm_bindgen(unchecked_param_type = "PlayerEventType")] kind: &str,
        #[wasm_bindgen(unchecked_param_type = "(event: Event) => void")] listener: &js_sys::Function,
    ) -> std::result::Result<(), JsValue> {
        self.core.events().add_event_listener_with_callback(kind, listener)
    }

    /// Stops listening.
    #[wasm_bindgen(js_name = removeEventListener)]
    pub fn remove_event_listener(
        &self,
        #[wasm_bindgen(unchecked_param_type = "PlayerEventType")] kind: &str,
        #[wasm_bindgen(unchecked_param_type = "(event: Event) => void")] listener: &js_sys::Function,
    ) -> std::result::Result<(), JsValue> {
        self.core.events().remove_event_listener_with_callback(kind, listener)
    }
}

/// `free()` (and the garbage collector, through wasm-bindgen's finalizer) end the player as `destroy` does.
impl Drop for Player {
    fn drop(&mut self) {
        self.core.destroy();
    }
}
