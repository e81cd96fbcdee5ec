//! Decoded media as the browser hands it out. A `VideoFrame` or an `AudioData` holds memory outside the JS
//! heap (a decoder's or the GPU's picture buffers, which are few) until it is closed; left to the garbage
//! collector it stalls the decoder and the browser warns. These owners close it when they are dropped, so
//! no path (an error, a seek, a destroyed player) can forget one.

use std::ops::Deref;

use js_sys::Float32Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::error::{ErrorCode, Result};
use crate::web::dictionary::Dictionary;
use crate::web::error::from_js;
use crate::web::members::members;

/// A decoded picture, closed when dropped.
pub(crate) struct Frame(web_sys::VideoFrame);

/// A block of decoded (or to-be-encoded) sound, closed when dropped.
pub(crate) struct Sound(web_sys::AudioData);

impl Frame {
    /// Takes ownership of `frame`.
    pub(crate) fn new(frame: web_sys::VideoFrame) -> Frame {
        Frame(frame)
    }

    /// Microseconds.
    pub(crate) fn timestamp(&self) -> f64 {
        members(&self.0).timestamp()
    }
}

impl Sound {
    /// Takes ownership of `data`.
    pub(crate) fn new(data: web_sys::AudioData) -> Sound {
        Sound(data)
    }

    /// Microseconds.
    pub(crate) fn timestamp(&self) -> f64 {
        members(&self.0).timestamp()
    }

    /// Microseconds.
    pub(crate) fn duration(&self) -> f64 {
        members(&self.0).duration()
    }

    /// Hz.
    pub(crate) fn sample_rate(&self) -> f64 {
        members(&self.0).sample_rate()
    }

    pub(crate) fn number_of_channels(&self) -> u32 {
        members(&self.0).number_of_channels()
    }

    /// The samples, one `Vec` per channel.
    pub(crate) fn planes(&self) -> Result<Vec<Vec<f32>>> {
        let frames = self.0.number_of_frames() as usize;
        let count = self.number_of_channels();
        let mut planes = Vec::with_capacity(count as usize);
        for channel in 0..count {
            let array = Float32Array::new_with_length(frames as u32);
            let copy = Dictionary::new();
            copy.set_plane_index(channel);
            copy.set_format("f32-planar");
            self.0
                .copy_to_with_buffer_source(&array, copy.unchecked_ref())
                .map_err(|e| from_js(ErrorCode::Browser, "AudioData.copyTo", &e))?;
            planes.push(members(&array).f32s());
        }
        Ok(planes)
    }
}

impl Deref for Frame {
    type Target = web_sys::VideoFrame;
    fn deref(&self) -> &web_sys::VideoFrame {
        &self.0
    }
}

impl Deref for Sound {
    type Target = web_sys::AudioData;
    fn deref(&self) -> &web_sys::AudioData {
        &self.0
    }
}

/// A decoder's `output` callback hands over its output as a plain JS value.
impl From<JsValue> for Frame {
    fn from(value: JsValue) -> Frame {
        Frame(value.unchecked_into())
    }
}

impl From<JsValue> for Sound {
    fn from(value: JsValue) -> Sound {
        Sound(value.unchecked_into())
    }
}

impl Drop for Frame {
    fn drop(&mut self) {
        let _ = members(&self.0).close();
    }
}

impl Drop for Sound {
    fn drop(&mut self) {
        let _ = members(&self.0).close();
    }
}
