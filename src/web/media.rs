//! `Media`: an opened source, its tracks and timeline, as JS sees it.

use std::rc::Rc;

use js_sys::{Array, Float64Array, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::clip::Clip;
use super::content::Content;
use super::error::{from_js, to_js};
use super::file::FileContent;
use super::hls::HlsContent;
use super::options;
use super::promise::to_promise;
use super::samples;
use super::source::Source;
use crate::error::{Error, ErrorCode, Result};
use crate::media::Track;

/// An opened media source: an MP4 (URL read with Range requests, `Blob` or `Uint8Array`) or an HLS
/// playlist URL (master or media, VOD or live).
#[wasm_bindgen]
pub struct Media {
    /// What it plays, shared with the players that show it.
    pub(crate) content: Rc<Content>,
}

impl Media {
    /// A file already in memory (a dub's preview).
    pub(crate) async fn from_bytes(bytes: Vec<u8>) -> Result<Media> {
        let content = Content::File(FileContent::open(Source::Memory(bytes.into())).await?);
        Ok(Media {
            content: Rc::new(content),
        })
    }
}

#[wasm_bindgen]
impl Media {
    /// Opens `src`: a URL string (MP4, or `.m3u8` HLS), a `Blob` or a `Uint8Array`. Rejects with a
    /// `ReelcutError` (`malformed_input`, `unsupported_codec`, `network`, ...).
    #[wasm_bindgen(unchecked_return_type = "Promise<Media>")]
    pub fn open(#[wasm_bindgen(unchecked_param_type = "MediaInput")] src: JsValue) -> Promise {
        to_promise(async move {
            let content = content_of(&src).await?;
            Ok(Media {
                content: Rc::new(content),
            }
            .into())
        })
    }

    /// The tracks: `[{ id, type, codec, width, height, sampleRate, channels }]`.
    #[wasm_bindgen(getter, unchecked_return_type = "Track[]")]
    pub fn tracks(&self) -> Array {
        self.content
            .with_tracks(|tracks| tracks.iter().map(|track| JsValue::from(track_object(track))).collect())
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
    /// segment starts).
    #[wasm_bindgen(js_name = keyframeTimes)]
    pub fn keyframe_times(&self) -> Float64Array {
        Float64Array::from(self.content.keyframe_times().as_slice())
    }

    /// Wall-clock time (Unix milliseconds) of media time `t`, from the stream's
    /// `EXT-X-PROGRAM-DATE-TIME`; `NaN` where the stream is not dated.
    #[wasm_bindgen(js_name = wallClockAt)]
    pub fn wall_clock_at(&self, t: f64) -> f64 {
        match self.content.as_ref() {
            Content::Hls(hls) => hls.wall_clock_at(t).unwrap_or(f64::NAN),
            Content::File(_) => f64::NAN,
        }
    }

    /// The clip `{ start, end }` (seconds on the media timeline; for a live stream, inside the replay
    /// window), to export with `clip.export()`. Throws `out_of_range` for an empty or outside interval.
    pub fn clip(
        &self,
        #[wasm_bindgen(unchecked_param_type = "TimeSpan")] options: &JsValue,
    ) -> std::result::Result<Clip, JsValue> {
        let time = |name: &str| {
            Reflect::get(options, &name.into())
                .ok()
                .and_then(|v| v.as_f64())
                .ok_or_else(|| Error::new(ErrorCode::MalformedInput, format!("clip options need a number {name}")))
        };
        let clip = time("start").and_then(|start| Clip::new(Rc::clone(&self.content), start, time("end")?));
        clip.map_err(|e| to_js(&e))
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
            let tables = samples::list(&content, &options).await?;
            Ok(tables.into_iter().collect::<Array>().into())
        })
    }

    /// Media time of wall-clock time `unixMs` (the inverse of `wallClockAt`); `NaN` outside the window.
    #[wasm_bindgen(js_name = timeAtWallClock)]
    pub fn time_at_wall_clock(&self, unix_ms: f64) -> f64 {
        match self.content.as_ref() {
            Content::Hls(hls) => hls.time_at_wall_clock(unix_ms).unwrap_or(f64::NAN),
            Content::File(_) => f64::NAN,
        }
    }
}

/// `{ start, end }`.
pub(crate) fn span_object(start: f64, end: f64) -> Object {
    let object = Object::new();
    // Setting data properties on a fresh plain object cannot fail.
    let _ = Reflect::set(&object, &"start".into(), &start.into());
    let _ = Reflect::set(&object, &"end".into(), &end.into());
    object
}

fn track_object(track: &Track) -> Object {
    let object = Object::new();
    let c = &track.config;
    let fields: [(&str, JsValue); 7] = [
        ("id", track.id.into()),
        ("type", track.kind.as_str().into()),
        ("codec", c.codec.as_str().into()),
        ("width", c.width.into()),
        ("height", c.height.into()),
        ("sampleRate", c.sample_rate.into()),
        ("channels", c.channels.into()),
    ];
    for (key, value) in fields {
        // Setting a data property on a fresh plain object cannot fail.
        let _ = Reflect::set(&object, &JsValue::from_str(key), &value);
    }
    object
}

async fn content_of(src: &JsValue) -> Result<Content> {
    if let Some(url) = src.as_string() {
        let path = url.split(['?', '#']).next().unwrap_or_default();
        if path.ends_with(".m3u8") {
            return Ok(Content::Hls(HlsContent::open(&url).await?));
        }
        return Ok(Content::File(FileContent::open(Source::open_url(&url).await?).await?));
    }
    let bytes: Rc<[u8]> = if let Some(bytes) = src.dyn_ref::<Uint8Array>() {
        bytes.to_vec().into()
    } else if let Some(blob) = src.dyn_ref::<web_sys::Blob>() {
        let buffer = JsFuture::from(blob.array_buffer())
            .await
            .map_err(|e| from_js(ErrorCode::Network, "reading the Blob", &e))?;
        Uint8Array::new(&buffer).to_vec().into()
    } else {
        return Err(Error::new(
            ErrorCode::MalformedInput,
            "src must be a URL string, a Blob or a Uint8Array",
        ));
    };
    Ok(Content::File(FileContent::open(Source::Memory(bytes)).await?))
}
