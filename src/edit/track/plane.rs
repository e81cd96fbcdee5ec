//! A luma plane as a decoder hands it over: `width × height` bytes of Y, rows `stride` bytes apart
//! (`VideoFrame.copyTo` with a `layout`, or a decoded I420/NV12 frame's first plane).

use crate::error::{Error, ErrorCode, Result};

/// The largest side the tracker accepts: 8K video. Its pyramid then takes about a third of a frame more.
pub const MAX_SIDE: usize = 8192;

/// A borrowed 8-bit luma plane, checked once by [`Plane::new`] so that no read inside it can go out of
/// bounds.
#[derive(Debug, Clone, Copy)]
pub struct Plane<'a> {
    width: usize,
    height: usize,
    stride: usize,
    data: &'a [u8],
}

impl<'a> Plane<'a> {
    /// A plane of `width × height` pixels whose row `y` starts at `data[y * stride]`.
    ///
    /// Errors: `malformed_input` for no pixels, a stride shorter than a row, or data shorter than the
    /// rows need (the last row may stop at its last pixel); `limit_exceeded` for a side over [`MAX_SIDE`].
    pub fn new(width: usize, height: usize, stride: usize, data: &'a [u8]) -> Result<Plane<'a>> {
        if width == 0 || height == 0 {
            return Err(Error::malformed(format!(
                "luma plane of {width}x{height} has no pixels"
            )));
        }
        if width > MAX_SIDE || height > MAX_SIDE {
            return Err(Error::limit(format!(
                "luma plane of {width}x{height} is larger than {MAX_SIDE} pixels on a side"
            )));
        }
        if stride < width {
            return Err(Error::malformed(format!(
                "luma stride {stride} is shorter than a row of {width} pixels"
            )));
        }
        // Both factors are at most MAX_SIDE-ish, so this cannot overflow; checked anyway.
        let needed = stride
            .checked_mul(height - 1)
            .and_then(|rows| rows.checked_add(width))
            .ok_or_else(|| Error::new(ErrorCode::LimitExceeded, "luma plane size overflows"))?;
        if data.len() < needed {
            return Err(Error::malformed(format!(
                "luma plane of {width}x{height} (stride {stride}) needs {needed} bytes, got {}",
                data.len()
            )));
        }
        Ok(Plane {
            width,
            height,
            stride,
            data,
        })
    }

    /// Pixels per row.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Rows.
    pub fn height(&self) -> usize {
        self.height
    }

    /// Bytes from one row's start to the next.
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// The bytes, rows `stride` apart.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }
}
