//! `media.thumbnails()`: small pictures of the video at chosen times, for timelines and pickers, made one at
//! a time as they are asked for (`for await`). By default each is the keyframe at or before its time: a
//! file's keyframe is all that is read and decoded. With `exact`, the frame shown at that time, decoded from
//! its keyframe.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Float64Array, Promise};
use wasm_bindgen::prelude::*;

use super::media::Media;
use crate::error::{Error, ErrorCode, Result};
use crate::media::Display;
use crate::player::FramePlan;
use crate::time::MICROS_PER_SECOND;
use crate::web::codec::video_decoder::VideoDecoder;
use crate::web::content::Content;
use crate::web::dictionary::plain_object;
use crate::web::job::Job;
use crate::web::members::members;
use crate::web::options;
use crate::web::promise::to_promise;
use crate::web::scale::Scaler;

/// Thumbnails asked for at once, at most.
const MAX_THUMBNAILS: usize = 1000;
/// A thumbnail's side, pixels, at most.
const MAX_SIDE: f64 = 4096.0;
/// A thumbnail's width when neither its width nor its height is given, pixels.
const DEFAULT_WIDTH: f64 = 160.0;

/// The pictures `media.thumbnails()` makes, as an async iterator of `{ time, image }`.
#[wasm_bindgen]
pub struct Thumbnails {
    state: Rc<State>,
}

struct State {
    content: Rc<Content>,
    /// The times asked for, media timeline seconds.
    times: Vec<f64>,
    /// Which of them comes next.
    next: Cell<usize>,
    exact: bool,
    /// The size asked for: width, height, either left to the picture's aspect ratio.
    size: (Option<f64>, Option<f64>),
    job: Job,
    /// The decoder of the last picture, kept for the next while the coding is the same.
    decoder: RefCell<Option<VideoDecoder>>,
    /// What draws the pictures at their size, made for the first one.
    scaler: RefCell<Option<Scaler>>,
    /// `return()` was called, or a thumbnail failed: no more are made.
    ended: Cell<bool>,
}

#[wasm_bindgen]
impl Media {
    /// Thumbnails of the video, as an async iterable of `{ time, image }` (`image` an `ImageBitmap`, upright,
    /// letterboxed in the size asked for; `time` the time of the frame it shows), each made as the loop asks
    /// for it. `which`: `{ count }` spreads `count` times evenly over the media (the middle of each of `count`
    /// equal stretches), `{ times }` takes the times given (seconds on the media timeline). Options: `width`,
    /// `height` (default 160 px wide, the height to the picture's aspect ratio), `exact` (default `false`: the
    /// keyframe at or before each time, fast; `true`: the frame shown at each time), `onProgress`, `signal`.
    /// Breaking out of the loop releases the decoder at once; after an abort or the media's closing, the
    /// next call rejects and releases it (an iterator dropped unfinished releases it when collected).
    /// Throws `out_of_range` for a bad count, time or size, `unsupported` for media without video.
    #[wasm_bindgen(unchecked_return_type = "Thumbnails")]
    pub fn thumbnails(
        &self,
        #[wasm_bindgen(unchecked_param_type = "{ count: number } | { times: number[] }")] which: &JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "ThumbnailOptions")] options: Option<js_sys::Object>,
    ) -> std::result::Result<JsValue, JsValue> {
        let thumbnails = super::throw(self.content.check().and_then(|()| {
            let options = options::given(options);
            Thumbnails::new(Rc::clone(&self.content), which, &options)
        }))?;
        // The iterator is its own async iterable (`for await` asks it for itself): `Object.prototype.valueOf`
        // returns the object it is called on.
        let thumbnails = JsValue::from(thumbnails);
        let itself = options::property(&js_sys::Object::new(), "valueOf").unwrap_or_default();
        js_sys::Reflect::set(&thumbnails, &js_sys::Symbol::async_iterator(), &itself)?;
        Ok(thumbnails)
    }
}

impl Thumbnails {
    fn new(content: Rc<Content>, which: &JsValue, options: &JsValue) -> Result<Thumbnails> {
        if !content.has_track(crate::media::TrackKind::Video) {
            return Err(Error::unsupported("the media has no video track"));
        }
        let times = times(&content, which)?;
        let side = |name: &str| -> Result<Option<f64>> {
            match options::number(options, name)? {
                Some(side) if !(1.0..=MAX_SIDE).contains(&side) => Err(Error::new(
                    ErrorCode::OutOfRange,
                    "thumbnails' width and height must be 1 to 4096 pixels",
                )),
                side => Ok(side),
            }
        };
        let size = (side("width")?, side("height")?);
        let exact = options::value(options, "exact").is_some_and(|v| v.is_truthy());
        let job = Job::from_options(options)?.on_media(content.life());
        Ok(Thumbnails {
            state: Rc::new(State {
                content,
                times,
                next: Cell::new(0),
                exact,
                size,
                job,
                decoder: RefCell::new(None),
                scaler: RefCell::new(None),
                ended: Cell::new(false),
            }),
        })
    }
}

/// The times `which` asks for: `{ count }` or `{ times }`.
fn times(content: &Content, which: &JsValue) -> Result<Vec<f64>> {
    let most = MAX_THUMBNAILS as f64;
    let times = match options::number(which, "count")? {
        Some(count) if count.fract() == 0.0 && (1.0..=most).contains(&count) => {
            let (start, end) = content.range();
            let step = (end - start) / count;
            (0..count as usize).map(|i| start + (i as f64 + 0.5) * step).collect()
        }
        Some(_) => Vec::new(),
        None => {
            let list = options::value(which, "times")
                .filter(|list| list.is_object())
                .ok_or_else(|| Error::malformed("thumbnails need { count } or { times: [...] }"))?;
            // Checked before the copy: a million-entry array is refused, not copied.
            let length = options::number(&list, "length")?.unwrap_or(0.0);
            if length > most {
                Vec::new()
            } else {
                // Entries that are not numbers come out as NaN, refused below.
                members(&Float64Array::new(&list)).f64s()
            }
        }
    };
    if times.is_empty() || !times.iter().all(|t| t.is_finite()) {
        return Err(Error::new(
            ErrorCode::OutOfRange,
            "thumbnails need a count from 1 to 1000, or 1 to 1000 times as finite numbers",
        ));
    }
    Ok(times)
}

#[wasm_bindgen]
impl Thumbnails {
    /// The next thumbnail: `{ done: false, value: { time, image } }`, then `{ done: true }`.
    #[wasm_bindgen(unchecked_return_type = "Promise<IteratorResult<Thumbnail>>")]
    pub fn next(&self) -> Promise {
        let state = Rc::clone(&self.state);
        to_promise(async move {
            let made = state.make().await;
            if made.is_err() {
                state.finish();
            }
            made
        })
    }

    /// Ends the iteration early (what `break` in a `for await` loop calls).
    #[wasm_bindgen(js_name = "return", unchecked_return_type = "Promise<IteratorResult<Thumbnail>>")]
    pub fn finish(&self) -> Promise {
        self.state.finish();
        Promise::resolve(&done(None))
    }
}

impl State {
    /// Makes the next thumbnail, or says the iteration is done.
    async fn make(&self) -> Result<JsValue> {
        // Each call takes the next time: calls made before the previous one settles get the times after it.
        let index = self.next.get();
        let Some(&time) = self.times.get(index).filter(|_| !self.ended.get()) else {
            self.finish();
            return Ok(done(None));
        };
        self.next.set(index + 1);
        self.job.check()?;
        let chunk = self.content.frame_chunk(time, !self.exact).await?;
        let (video, mut plan) = chunk.plan_frame(time)?;
        if !self.exact {
            let first = plan.first;
            plan = FramePlan {
                first,
                target: first,
                pts: video.samples[first].pts,
            };
        }
        let decoder = match self.decoder.take() {
            Some(decoder) if decoder.config == video.config && !decoder.failed() => decoder,
            _ => VideoDecoder::new(&video.config).await?,
        };
        let frame = decoder.frame_of(&chunk, video, &plan).await?;
        // Ended (`return()`) while this one was being made: the decoder goes now.
        if self.ended.get() {
            return Ok(done(None));
        }
        *self.decoder.borrow_mut() = Some(decoder);
        self.job.check()?;
        let image = self.picture(&frame, &video.display)?;
        self.job.progress((index + 1) as f64 / self.times.len() as f64);
        let time = frame.timestamp() / f64::from(MICROS_PER_SECOND);
        Ok(done(Some(
            plain_object(&[("time", time.into()), ("image", image.into())]).into(),
        )))
    }

    /// `frame` upright and letterboxed in the thumbnails' size, as an `ImageBitmap`.
    fn picture(&self, frame: &web_sys::VideoFrame, display: &Display) -> Result<web_sys::ImageBitmap> {
        let mut scaler = self.scaler.borrow_mut();
        if scaler.is_none() {
            let (shown_w, shown_h) = display.size(frame.display_width(), frame.display_height());
            let aspect = f64::from(shown_w.max(1)) / f64::from(shown_h.max(1));
            let side = |side: f64| side.round().clamp(1.0, MAX_SIDE) as u32;
            let (width, height) = match self.size {
                (Some(width), Some(height)) => (width, height),
                (None, Some(height)) => (height * aspect, height),
                (width, None) => {
                    let width = width.unwrap_or(DEFAULT_WIDTH);
                    (width, width / aspect)
                }
            };
            *scaler = Some(Scaler::new(side(width), side(height))?);
        }
        match scaler.as_ref() {
            Some(scaler) => scaler.picture(frame, display),
            None => Err(Error::new(ErrorCode::Browser, "no canvas")),
        }
    }

    /// No more thumbnails: the decoder and the canvas go.
    fn finish(&self) {
        self.ended.set(true);
        self.decoder.borrow_mut().take();
        self.scaler.borrow_mut().take();
    }
}

/// An iterator result: `{ done: false, value }`, or `{ done: true }` without a value.
fn done(value: Option<JsValue>) -> JsValue {
    match value {
        Some(value) => plain_object(&[("done", false.into()), ("value", value)]).into(),
        None => plain_object(&[("done", true.into())]).into(),
    }
}
