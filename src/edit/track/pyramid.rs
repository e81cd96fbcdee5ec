//! The luma pyramid the tracker searches: each level halves the one below by averaging 2×2 pixels, so a
//! subject 150 px wide at 720p is about 19 px wide three levels up, where a wide search is cheap, and the
//! averaging is the low-pass filter that keeps the smaller levels free of aliasing.
//!
//! Only a region of interest (around the subject and its search window) is computed each frame, so the cost
//! does not grow with the frame: a 4K frame costs what a 720p one does. Coordinates are continuous: pixel `k`
//! covers `[k, k + 1)`, so a point `x` on level 0 is `x / 2^l` on level `l`, exactly.

use super::plane::Plane;

/// Levels kept: the plane itself and six halvings (1/64 of the side).
pub(super) const LEVELS: usize = 7;

/// The most grid columns or rows one [`View::sample_grid`] call samples.
pub(super) const MAX_GRID: usize = 64;

/// A rectangle of pixels `[x0, x1) × [y0, y1)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Rect {
    pub x0: usize,
    pub y0: usize,
    pub x1: usize,
    pub y1: usize,
}

#[cfg(test)]
impl Rect {
    /// All of a `width × height` frame.
    pub fn frame(width: usize, height: usize) -> Rect {
        Rect {
            x0: 0,
            y0: 0,
            x1: width,
            y1: height,
        }
    }
}

/// The levels above the plane, each `(width >> l) × (height >> l)` bytes with rows one width apart, and
/// which part of each holds the current frame.
pub(super) struct Pyramid {
    width: usize,
    height: usize,
    /// Levels 1.. (level `l` at index `l - 1`); a level too small to hold a pixel is left empty.
    levels: Vec<Vec<u8>>,
    /// What of each level holds the current frame's pixels (level 0: all of it).
    valid: [Rect; LEVELS],
}

impl Pyramid {
    /// The buffers for frames of `width × height` (at most [`super::plane::MAX_SIDE`] on a side, which
    /// bounds them at a third of a frame): allocated here once, reused for every frame.
    pub fn new(width: usize, height: usize) -> Pyramid {
        let levels = (1..LEVELS).map(|l| vec![0u8; (width >> l) * (height >> l)]).collect();
        Pyramid {
            width,
            height,
            levels,
            valid: [Rect::default(); LEVELS],
        }
    }

    /// The highest level with at least one pixel, capped at `top`.
    pub fn usable(&self, top: usize) -> usize {
        let mut level = top.min(LEVELS - 1);
        while level > 0 && ((self.width >> level) == 0 || (self.height >> level) == 0) {
            level -= 1;
        }
        level
    }

    /// Fills levels `1..=top` over `roi` (level-0 pixels, clipped to the frame) from `plane`, which must
    /// have the size the pyramid was made for.
    pub fn build(&mut self, plane: &Plane, roi: Rect, top: usize) {
        let top = self.usable(top);
        let unit = 1usize << top;
        // Widen the region to whole pixels of the top level, so each level's region covers exactly the
        // pixels the level above averages; keep at least one top-level pixel inside the frame.
        let last_x = ((self.width >> top).max(1) - 1) << top;
        let last_y = ((self.height >> top).max(1) - 1) << top;
        let x0 = (roi.x0 & !(unit - 1)).min(last_x);
        let y0 = (roi.y0 & !(unit - 1)).min(last_y);
        let x1 = roi.x1.max(x0 + 1).div_ceil(unit).saturating_mul(unit).min(self.width);
        let y1 = roi.y1.max(y0 + 1).div_ceil(unit).saturating_mul(unit).min(self.height);
        self.valid = [Rect::default(); LEVELS];
        self.valid[0] = Rect {
            x0: 0,
            y0: 0,
            x1: self.width,
            y1: self.height,
        };
        for level in 1..=top {
            let rect = Rect {
                x0: x0 >> level,
                y0: y0 >> level,
                x1: x1 >> level,
                y1: y1 >> level,
            };
            self.valid[level] = rect;
            let dst_stride = self.width >> level;
            let (below, here) = self.levels.split_at_mut(level - 1);
            let Some(dst) = here.first_mut() else { return };
            match below.last() {
                None => halve(plane.data(), plane.stride(), dst, dst_stride, rect),
                Some(src) => halve(src, self.width >> (level - 1), dst, dst_stride, rect),
            }
        }
    }

    /// Level `level` (0: the plane) as last built; `None` above what [`Pyramid::build`] filled.
    pub fn view<'a>(&'a self, plane: &Plane<'a>, level: usize) -> Option<View<'a>> {
        let rect = *self.valid.get(level)?;
        if rect.x1 <= rect.x0 || rect.y1 <= rect.y0 {
            return None;
        }
        let (data, stride) = match level {
            0 => (plane.data(), plane.stride()),
            _ => (self.levels.get(level - 1)?.as_slice(), self.width >> level),
        };
        Some(View { data, stride, rect })
    }
}

/// Level `l` over `rect` (its own pixels) as the 2×2 means of level `l - 1`, rounded to nearest.
fn halve(src: &[u8], src_stride: usize, dst: &mut [u8], dst_stride: usize, rect: Rect) {
    let width = rect.x1 - rect.x0;
    for y in rect.y0..rect.y1 {
        let top = src
            .get(2 * y * src_stride + 2 * rect.x0..)
            .and_then(|r| r.get(..2 * width));
        let bottom = src
            .get((2 * y + 1) * src_stride + 2 * rect.x0..)
            .and_then(|r| r.get(..2 * width));
        let out = dst.get_mut(y * dst_stride + rect.x0..).and_then(|r| r.get_mut(..width));
        let (Some(top), Some(bottom), Some(out)) = (top, bottom, out) else {
            return;
        };
        for ((o, t), b) in out.iter_mut().zip(top.chunks_exact(2)).zip(bottom.chunks_exact(2)) {
            let sum = u16::from(t[0]) + u16::from(t[1]) + u16::from(b[0]) + u16::from(b[1]);
            *o = ((sum + 2) >> 2) as u8;
        }
    }
}

/// One level's valid pixels, read by bilinear interpolation (refinement) or by nearest pixel (search).
#[derive(Debug, Clone, Copy)]
pub(super) struct View<'a> {
    data: &'a [u8],
    stride: usize,
    /// The pixels that hold this frame; reads outside repeat its border.
    pub rect: Rect,
}

impl View<'_> {
    /// The pixel at (`x`, `y`), which the caller keeps inside [`View::rect`] (0 outside, never a panic).
    #[cfg(test)]
    pub fn pixel(&self, x: usize, y: usize) -> u8 {
        self.row(y).get(x).copied().unwrap_or(0)
    }

    /// Row `y` from its first pixel on (empty past the data).
    #[inline]
    pub fn row(&self, y: usize) -> &[u8] {
        self.data.get(y * self.stride..).unwrap_or_default()
    }

    /// Bilinear samples on a grid: row `j`, column `i` at (`x_first + i·step_x`, `y_first + j·step_y`) in
    /// this level's continuous coordinates, written row by row to `out` (`cols × rows`, each at most
    /// [`MAX_GRID`]). The grid is separable, so each column's pixel and weight are worked out once.
    pub fn sample_grid(&self, x: (f32, f32, usize), y: (f32, f32, usize), out: &mut [f32]) {
        let (x_first, step_x, cols) = x;
        let (y_first, step_y, rows) = y;
        let cols = cols.min(MAX_GRID);
        let rows = rows.min(MAX_GRID);
        let mut col_at = [(0usize, 0usize, 0f32); MAX_GRID];
        for (i, slot) in col_at.iter_mut().take(cols).enumerate() {
            *slot = taps(x_first + i as f32 * step_x, self.rect.x0, self.rect.x1);
        }
        for (j, row) in out.chunks_exact_mut(cols).take(rows).enumerate() {
            let (y0, y1, fy) = taps(y_first + j as f32 * step_y, self.rect.y0, self.rect.y1);
            let (Some(above), Some(below)) = (self.data.get(y0 * self.stride..), self.data.get(y1 * self.stride..))
            else {
                return;
            };
            for (value, &(x0, x1, fx)) in row.iter_mut().zip(&col_at) {
                let at = |line: &[u8], x: usize| f32::from(line.get(x).copied().unwrap_or(0));
                let upper = at(above, x0) + (at(above, x1) - at(above, x0)) * fx;
                let lower = at(below, x0) + (at(below, x1) - at(below, x0)) * fx;
                *value = upper + (lower - upper) * fy;
            }
        }
    }
}

/// The two pixels around continuous coordinate `c` along one axis of `[start, end)` and the weight of the
/// second; outside, the border pixel repeats. A NaN lands on the first pixel.
#[inline]
fn taps(c: f32, start: usize, end: usize) -> (usize, usize, f32) {
    let last = end.saturating_sub(1).max(start);
    // Pixel k's centre is at k + 0.5.
    let p = (c - 0.5).max(start as f32).min(last as f32);
    let low = (p as usize).max(start).min(last);
    let high = (low + 1).min(last);
    (low, high, (p - low as f32).clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_average_two_by_two_inside_the_region() {
        let (w, h) = (16, 12);
        let data: Vec<u8> = (0..w * h).map(|i| (i % w * 10 + i / w) as u8).collect();
        let plane = Plane::new(w, h, w, &data).unwrap();
        let mut pyramid = Pyramid::new(w, h);
        pyramid.build(
            &plane,
            Rect {
                x0: 5,
                y0: 3,
                x1: 7,
                y1: 5,
            },
            2,
        );
        let one = pyramid.view(&plane, 1).unwrap();
        // Widened to whole level-2 pixels: level 0 [4, 8) × [0, 8).
        assert_eq!(
            one.rect,
            Rect {
                x0: 2,
                y0: 0,
                x1: 4,
                y1: 4
            }
        );
        // Level 1 pixel (2, 1) = mean of level 0 (4..6, 2..4): 47.5, rounded to 48.
        assert_eq!(one.pixel(2, 1), ((40 + 50 + 40 + 50 + 2 + 2 + 3 + 3 + 2) / 4) as u8);
        let two = pyramid.view(&plane, 2).unwrap();
        assert_eq!(
            two.rect,
            Rect {
                x0: 1,
                y0: 0,
                x1: 2,
                y1: 2
            }
        );
        assert!(pyramid.view(&plane, 3).is_none());
    }

    #[test]
    fn bilinear_samples_interpolate_and_repeat_the_border() {
        let data = [0u8, 100, 200, 0, 100, 200];
        let plane = Plane::new(3, 2, 3, &data).unwrap();
        let mut pyramid = Pyramid::new(3, 2);
        pyramid.build(&plane, Rect::frame(3, 2), 0);
        let view = pyramid.view(&plane, 0).unwrap();
        let mut out = [0f32; 4];
        view.sample_grid((0.5, 0.75, 4), (1.0, 0.0, 1), &mut out);
        assert_eq!(out, [0.0, 75.0, 150.0, 200.0]);
        view.sample_grid((-50.0, f32::NAN, 2), (f32::NAN, 1.0, 2), &mut out);
        assert!(out.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn tiny_frames_keep_only_the_levels_they_have() {
        let data = [7u8; 3 * 5];
        let plane = Plane::new(3, 5, 3, &data).unwrap();
        let mut pyramid = Pyramid::new(3, 5);
        assert_eq!(pyramid.usable(6), 1);
        pyramid.build(
            &plane,
            Rect {
                x0: 2,
                y0: 4,
                x1: 3,
                y1: 5,
            },
            6,
        );
        assert_eq!(pyramid.view(&plane, 1).unwrap().pixel(0, 1), 7);
        assert!(pyramid.view(&plane, 2).is_none());
    }
}
