//! Where the subject is: the box a caller gives and gets back, and the grid of samples the tracker reads
//! over it at any scale.

use super::pyramid::{View, MAX_GRID};

/// A subject's box in a frame's pixel coordinates (continuous: pixel `k` spans `[k, k + 1)`, so a box
/// drawn over pixels 10..20 has its centre at 15.0), axis-aligned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackBox {
    /// Centre, pixels from the left edge.
    pub cx: f32,
    /// Centre, pixels from the top edge.
    pub cy: f32,
    /// Width in pixels.
    pub width: f32,
    /// Height in pixels.
    pub height: f32,
}

/// The subject's pose as the tracker estimates it: centre in level-0 pixels and size relative to the box
/// it started from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Pose {
    pub cx: f32,
    pub cy: f32,
    pub scale: f32,
}

/// Samples along the longer side of a box: enough texture for sub-pixel alignment, few enough that a
/// frame costs a few thousand reads.
pub(super) const GRID: usize = 32;

/// The sample grid over the start box: `cols × rows` points at the centres of equal cells, so the same
/// grid at any scale reads the same parts of the subject.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Grid {
    pub cols: usize,
    pub rows: usize,
    /// The start box's size in level-0 pixels (scale 1).
    pub width: f32,
    pub height: f32,
}

impl Grid {
    /// [`GRID`] samples along the longer side, as many along the shorter as keep the cells square (at
    /// least 4), both even so that the half grid of the search has whole cells.
    pub fn for_box(width: f32, height: f32) -> Grid {
        let long = width.max(height);
        let side = |length: f32| ((length / long * GRID as f32 / 2.0).round() as usize).clamp(2, GRID / 2) * 2;
        Grid {
            cols: side(width),
            rows: side(height),
            width,
            height,
        }
    }

    /// Samples in the grid.
    pub fn len(&self) -> usize {
        self.cols * self.rows
    }

    /// The finest level (at most `top`) whose pixels are no larger than a cell at `scale`: reading a
    /// level whose pixels average over about one cell samples without aliasing, at the least cost.
    pub fn level(&self, scale: f32, top: usize) -> usize {
        let cell = scale * (self.width / self.cols as f32).min(self.height / self.rows as f32);
        let mut level = 0;
        while level < top && cell >= (2u32 << level) as f32 {
            level += 1;
        }
        level
    }

    /// Reads the grid at `pose` from `view` (level `level`) into `out`, every `spacing`-th cell merged
    /// (1: the full grid; 2: the half grid of the search, each sample standing for 2×2 cells).
    pub fn sample(&self, view: &View, level: usize, pose: Pose, spacing: usize, out: &mut [f32]) {
        let (x, y) = self.axes(level, pose, spacing);
        view.sample_grid(x, y, out);
    }

    /// For each axis, the first sample's coordinate, the step and the count, in level `level`'s pixels.
    pub fn axes(&self, level: usize, pose: Pose, spacing: usize) -> ((f32, f32, usize), (f32, f32, usize)) {
        let unit = 1.0 / (1u32 << level) as f32;
        let axis = |centre: f32, length: f32, cells: usize| {
            let count = (cells / spacing.max(1)).min(MAX_GRID);
            let step = pose.scale * length / count as f32 * unit;
            (centre * unit - step * (count as f32 - 1.0) / 2.0, step, count)
        };
        (
            axis(pose.cx, self.width, self.cols),
            axis(pose.cy, self.height, self.rows),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_keep_cells_square_and_even() {
        let wide = Grid::for_box(200.0, 50.0);
        assert_eq!((wide.cols, wide.rows), (32, 8));
        let thin = Grid::for_box(10.0, 300.0);
        assert_eq!((thin.cols, thin.rows), (4, 32));
        assert_eq!(Grid::for_box(144.0, 144.0).len(), 1024);
    }

    #[test]
    fn the_level_is_the_coarsest_whose_pixels_fit_in_a_cell() {
        let grid = Grid::for_box(144.0, 144.0); // cells of 4.5 px
        assert_eq!(grid.level(1.0, 6), 2);
        assert_eq!(grid.level(1.0, 1), 1);
        assert_eq!(grid.level(2.0, 6), 3);
        assert_eq!(grid.level(0.2, 6), 0);
    }

    #[test]
    fn the_half_grid_samples_the_centres_of_two_by_two_cells() {
        let grid = Grid::for_box(32.0, 32.0);
        let pose = Pose {
            cx: 16.0,
            cy: 16.0,
            scale: 1.0,
        };
        let ((x_first, step, count), _) = grid.axes(0, pose, 1);
        assert_eq!((x_first, step, count), (0.5, 1.0, 32));
        let ((x_first, step, count), _) = grid.axes(1, pose, 2);
        assert_eq!((x_first, step, count), (0.5, 1.0, 16));
    }
}
