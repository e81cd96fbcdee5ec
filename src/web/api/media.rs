//! `Media`: an opened source, its tracks and timeline, as JS sees it.

use std::rc::Rc;

use js_sys::{Array, Float64Array, Object, Promise};
use wasm_bindgen::convert::TryFromJsValue;
use wasm_bindgen::prelude::*;

use super::throw;
use crate::media::Track;
use crate::web::content::{Content, Kind};
use crate::web::dictionary::plain_object;
use crate::web::life::{Life, MEDIA};
use crate::web::options;
use crate::web::promise::to_promise;
use crate::web::samples;
use crate::web::waveform;

/// An opened media source: an MP4 (URL read with Range requests, `Blob` or `Uint8Array`) or an HLS
/// playlist URL (master or media, VOD or live).
#[wasm_bindgen]
pub struct Media {
    /// What it plays, shared with the players that show it.
    pub(crate) content: Rc<Content>,
}

impl Media {
    /// A handle on `content`.
    pub(crate) fn new(content: Content) -> Media {
        Media {
            content: Rc::new(content),
        }
    }

    /// The content of `value` when it is a `Media` (still usable), shared: `None` for anything else.
    pub(crate) fn shared_content(value: &JsValue) -> Option<Rc<Content>> {
        // The caller keeps its own handle: a second one is made (`__share`) and taken over (wasm-bindgen
        // checks it is a `Media`).
        let share = options::method(value, "__share")?;
        let copy = share.call0(value).ok()?;
        Media::try_from_js_value(copy)
            .ok()
            .map(|media| Rc::clone(&media.content))
    }

    /// `invalid_state` once closed, as a JS exception.
    fn check(&self) -> std::result::Result<(), JsValue> {
        throw(self.content.check())
    }
}

#[wasm_bindgen]
impl Media {
    /// Opens `src`: a URL string (MP4, or `.m3u8` HLS), a `Blob` or a `Uint8Array`. `options`:
    /// `{ firstByteTimeout, stallTimeout }`, milliseconds (default 10000 each) a request may wait for its
    /// response, and its body for more bytes, before it is aborted and counts as failed. Rejects with a
    /// `ReelcutError` (`malformed_input`, `unsupported_codec`, `network`, ...).
    #[wasm_bindgen(unchecked_return_type = "Promise<Media>")]
    pub fn open(
        #[wasm_bindgen(unchecked_param_type = "MediaInput")] src: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "OpenOptions")] options: Option<Object>,
    ) -> Promise {
        let options = options::given(options);
        to_promise(async move { Ok(Media::new(Content::open(&src, &options, Life::new(MEDIA)).await?).into()) })
    }

    /// Closes the media: requests in flight are aborted, a live playlist is no longer reloaded, players
    /// showing it stop, exports and dubs of it reject, and every later call throws or rejects with code
    /// `invalid_state`. Idempotent; `media[Symbol.dispose]()` (`using`) does the same. Without it, the media
    /// closes once no handle, player, clip or dub uses it any more.
    pub fn close(&self) {
        self.content.close();
    }

    /// Whether the media has been closed.
    #[wasm_bindgen(getter)]
    pub fn closed(&self) -> bool {
        self.content.is_closed()
    }

    /// A second handle on the same media, for a player to keep (`player.load(media)`).
    #[wasm_bindgen(js_name = __share, skip_typescript)]
    pub fn share(&self) -> Media {
        Media {
            content: Rc::clone(&self.content),
        }
    }

    /// The tracks: `[{ id, type, codec, width, height, rotation, mirror, displayWidth, displayHeight,
    /// sampleRate, channels }]`.
    #[wasm_bindgen(getter, unchecked_return_type = "Track[]")]
    pub fn tracks(&self) -> Array {
        let objects = Array::new();
        self.content.with_tracks(|tracks| {
            for track in tracks {
                objects.push(&track_object(track));
            }
        });
        objects
    }

    /// Length of the media timeline in seconds; for a live stream, the replay window's length.
    #[wasm_bindgen(getter)]
    pub fn duration(&self) -> f64 {
        self.content.duration()
    }

    /// Whether the source is a live broadcast whose playlist still grows.
    #[wasm_bindgen(getter, js_name = isLive)]
    pub fn is_live(&self) -> bool {
        self.content.is_live()
    }

    /// The seekable span of the media timeline, `{ start, end }` in seconds: the whole file, or a live
    /// stream's replay window (it slides as the broadcast goes on).
    #[wasm_bindgen(getter, unchecked_return_type = "TimeSpan")]
    pub fn seekable(&self) -> Object {
        let (start, end) = self.content.range();
        span_object(start, end)
    }

    /// Presentation times of the video keyframes on the media timeline, seconds, ascending (for HLS, the
    /// I-frame playlist's where the master playlist lists one, else the segment starts).
    #[wasm_bindgen(js_name = keyframeTimes)]
    pub fn keyframe_times(&self) -> std::result::Result<Float64Array, JsValue> {
        self.check()?;
        Ok(Float64Array::from(self.content.keyframe_times().as_slice()))
    }

    /// Wall-clock time (Unix milliseconds) of media time `t`, from the stream's
    /// `EXT-X-PROGRAM-DATE-TIME`; `NaN` where the stream is not dated.
    #[wasm_bindgen(js_name = wallClockAt)]
    pub fn wall_clock_at(&self, t: f64) -> std::result::Result<f64, JsValue> {
        self.check()?;
        Ok(match self.content.kind() {
            Kind::Hls(hls) => hls.wall_clock_at(t).unwrap_or(f64::NAN),
            Kind::File(_) => f64::NAN,
        })
    }

    /// The sample index over `{ start, end }` (seconds; default: every sample), one table per track:
    /// `{ type, codec, pts, dts, duration, size, key }`, times in seconds on the media timeline and sizes in
    /// bytes as stored, one entry per sample presented in the span, in decode order. A file's comes from
    /// the index read by `open`; an HLS stream's segments are fetched and demuxed (`onProgress`, `signal`).
    #[wasm_bindgen(unchecked_return_type = "Promise<SampleTable[]>")]
    pub fn samples(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "SampleOptions")] options: Option<Object>,
    ) -> Promise {
        let content = Rc::clone(&self.content);
        let options = options::given(options);
        to_promise(async move {
            content.check()?;
            Ok(samples::list(&content, &options).await?.into())
        })
    }

    /// Media time of wall-clock time `unixMs` (the inverse of `wallClockAt`); `NaN` outside the window.
    #[wasm_bindgen(js_name = timeAtWallClock)]
    pub fn time_at_wall_clock(&self, unix_ms: f64) -> std::result::Result<f64, JsValue> {
        self.check()?;
        Ok(match self.content.kind() {
            Kind::Hls(hls) => hls.time_at_wall_clock(unix_ms).unwrap_or(f64::NAN),
            Kind::File(_) => f64::NAN,
        })
    }

    /// The sound's waveform over `{ start, end }` (seconds inside `seekable`; default: all of it) as `buckets`
    /// min/max pairs (`[min0, max0, min1, max1, ...]`, sample values from -1 to 1, every channel folded in;
    /// default 1000 buckets, at most 100000): what a timeline draws, one vertical line per bucket. The first
    /// call reads the sound (an HLS stream's segments are fetched; `onProgress`, `signal`) and has the
    /// browser's `decodeAudioData` decode it into a summary of min/max per bin of samples kept with the
    /// media (16 samples for sound up to 45 s at 48 kHz, 256 from 12 minutes, wider past 93 minutes; 1 MB up
    /// to 12 minutes, at most 8 MB), which later calls within the same span of the same track read without
    /// decoding again. `track` picks an audio track by its `id` in `media.tracks` (default: the first); an
    /// HLS stream's waveform is of the audio track it plays (`player.audioTrack`). AAC, MP3 and Opus sound only
    /// (`unsupported_codec` otherwise), on a page (`unsupported` in a Worker). Rejects with `out_of_range`
    /// when the media has no sound or no such track, for a span outside `seekable` or a bad `buckets`.
    #[wasm_bindgen(unchecked_return_type = "Promise<Float32Array>")]
    pub fn waveform(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "WaveformOptions")] options: Option<Object>,
    ) -> Promise {
        let content = Rc::clone(&self.content);
        let options = options::given(options);
        to_promise(async move { Ok(waveform::waveform(&content, &options).await?.into()) })
    }
}

/// `{ start, end }`.
pub(crate) fn span_object(start: f64, end: f64) -> Object {
    plain_object(&[("start", start.into()), ("end", end.into())])
}

fn track_object(track: &Track) -> Object {
    let c = &track.config;
    let (display_width, display_height) = track.display.size(c.width, c.height);
    plain_object(&[
        ("id", track.id.into()),
        ("type", track.kind.as_str().into()),
        ("codec", c.codec.as_str().into()),
        ("width", c.width.into()),
        ("height", c.height.into()),
        ("rotation", track.display.rotation.into()),
        ("mirror", track.display.mirror.into()),
        ("displayWidth", display_width.into()),
        ("displayHeight", display_height.into()),
        ("sampleRate", c.sample_rate.into()),
        ("channels", c.channels.into()),
    ])
}
