//! What the subject looks like: grid samples normalised to zero mean and unit variance, so that a subject
//! walking from shade into sun (gain and offset of its luma) still matches, with the gradients alignment
//! needs and the half-resolution copy the search uses.

use std::ops::Range;

use super::geometry::Grid;

/// Below this standard deviation (in grey levels) a patch is flat: nothing in it can be followed.
pub(super) const FLAT: f32 = 1.0;

/// Blocks per side of the grid for [`Template::score`].
const BLOCKS: usize = 4;
/// How many of the blocks [`Template::score`] averages: the best half.
const BEST_BLOCKS: usize = BLOCKS * BLOCKS / 2;

/// A normalised appearance over a [`Grid`].
#[derive(Debug, Clone)]
pub(super) struct Template {
    cols: usize,
    rows: usize,
    /// Normalised samples, row by row: mean 0, mean square 1.
    pub values: Vec<f32>,
    /// Their gradients along the grid (per cell), central differences (one-sided at the border).
    pub gx: Vec<f32>,
    pub gy: Vec<f32>,
    /// The half grid (each sample the mean of 2×2 cells), normalised the same way.
    pub coarse: Vec<f32>,
}

impl Template {
    /// An empty template for `grid`: buffers allocated once.
    pub fn new(grid: &Grid) -> Template {
        let n = grid.len();
        Template {
            cols: grid.cols,
            rows: grid.rows,
            values: vec![0.0; n],
            gx: vec![0.0; n],
            gy: vec![0.0; n],
            coarse: vec![0.0; n / 4],
        }
    }

    /// Takes `samples` (raw grid samples) as the appearance; false, and unchanged, if they are flat.
    pub fn set(&mut self, samples: &[f32]) -> bool {
        if samples.len() != self.values.len() || !is_textured(samples) {
            return false;
        }
        self.values.copy_from_slice(samples);
        self.refresh();
        true
    }

    /// Moves the appearance a `rate` of the way towards `samples` (a subject that turns or deforms
    /// slowly stays matched); flat samples are ignored.
    pub fn blend(&mut self, samples: &mut [f32], rate: f32) {
        if samples.len() != self.values.len() || !normalise(samples) {
            return;
        }
        for (value, sample) in self.values.iter_mut().zip(samples.iter()) {
            *value += (sample - *value) * rate;
        }
        self.refresh();
    }

    /// Normalises the values and works out the gradients and the half grid again.
    fn refresh(&mut self) {
        normalise(&mut self.values);
        let (cols, rows) = (self.cols, self.rows);
        let at = |x: usize, y: usize| self.values.get(y * cols + x).copied().unwrap_or(0.0);
        for y in 0..rows {
            for x in 0..cols {
                let (left, right) = (x.saturating_sub(1), (x + 1).min(cols - 1));
                let (up, down) = (y.saturating_sub(1), (y + 1).min(rows - 1));
                let i = y * cols + x;
                self.gx[i] = (at(right, y) - at(left, y)) / (right - left).max(1) as f32;
                self.gy[i] = (at(x, down) - at(x, up)) / (down - up).max(1) as f32;
            }
        }
        let half = cols / 2;
        for (i, slot) in self.coarse.iter_mut().enumerate() {
            let (x, y) = (2 * (i % half), 2 * (i / half));
            *slot = (at(x, y) + at(x + 1, y) + at(x, y + 1) + at(x + 1, y + 1)) / 4.0;
        }
        normalise(&mut self.coarse);
    }

    /// How alike `samples` (raw, same grid) look to this template, tolerant of a part being covered: the
    /// grid is cut into 4×4 blocks, each block's normalised cross-correlation is taken on its own (so a dark
    /// bar over one block does not shift the light of the others), and the best half of them are averaged.
    /// From −1 to 1; near 0 for unrelated texture, whose best blocks still correlate little. The box's corners
    /// (often background around a round subject) and a covered quarter fall in the worse half.
    pub fn score(&self, samples: &[f32]) -> f32 {
        let (cols, rows) = (self.cols, self.rows);
        if samples.len() != cols * rows {
            return 0.0;
        }
        let mut scores = [0f32; BLOCKS * BLOCKS];
        for (b, slot) in scores.iter_mut().enumerate() {
            let (bx, by) = (b % BLOCKS, b / BLOCKS);
            let xs = bx * cols / BLOCKS..(bx + 1) * cols / BLOCKS;
            *slot = self.correlation(samples, xs, by * rows / BLOCKS..(by + 1) * rows / BLOCKS);
        }
        // The best half, picked by repeated maximum (eight passes over sixteen values).
        let mut total = 0.0;
        for _ in 0..BEST_BLOCKS {
            let mut best = 0;
            for (i, s) in scores.iter().enumerate() {
                if *s > scores[best] {
                    best = i;
                }
            }
            total += scores[best];
            scores[best] = f32::NEG_INFINITY;
        }
        total / BEST_BLOCKS as f32
    }

    /// The normalised cross-correlation of `samples` (raw, same grid) with the template over the columns
    /// `xs` and rows `ys` of the grid: −1 to 1, 0 where either side is flat. Over the whole grid it says
    /// whether all of the subject is in view, as learning needs.
    pub fn correlation(&self, samples: &[f32], xs: Range<usize>, ys: Range<usize>) -> f32 {
        let (mut st, mut stt, mut sp, mut spp, mut stp, mut n) = (0f32, 0f32, 0f32, 0f32, 0f32, 0f32);
        for y in ys {
            let (Some(t), Some(p)) = (self.values.get(y * self.cols..), samples.get(y * self.cols..)) else {
                break;
            };
            for (&t, &p) in t.iter().zip(p).take(xs.end.min(self.cols)).skip(xs.start) {
                st += t;
                stt += t * t;
                sp += p;
                spp += p * p;
                stp += t * p;
                n += 1.0;
            }
        }
        let n = n.max(1.0);
        let (cov, vt, vp) = (stp - st * sp / n, stt - st * st / n, spp - sp * sp / n);
        let c = cov / (vt * vp).sqrt();
        if vt > 1e-6 && vp > 1e-3 && c.is_finite() {
            c
        } else {
            0.0
        }
    }
}

/// Whether the samples vary enough to follow.
fn is_textured(samples: &[f32]) -> bool {
    let (mean, deviation) = moments(samples);
    mean.is_finite() && deviation >= FLAT
}

/// Mean and standard deviation.
pub(super) fn moments(samples: &[f32]) -> (f32, f32) {
    let n = samples.len().max(1) as f32;
    let mean = samples.iter().sum::<f32>() / n;
    let variance = samples.iter().map(|s| (s - mean) * (s - mean)).sum::<f32>() / n;
    (mean, variance.sqrt())
}

/// Rescales to mean 0 and standard deviation 1; false (and unchanged) for flat or non-finite samples.
pub(super) fn normalise(samples: &mut [f32]) -> bool {
    let (mean, deviation) = moments(samples);
    if !(deviation > 1e-3 && deviation.is_finite()) {
        return false;
    }
    let scale = 1.0 / deviation;
    samples.iter_mut().for_each(|s| *s = (*s - mean) * scale);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> Grid {
        Grid::for_box(8.0, 8.0)
    }

    #[test]
    fn the_score_ignores_gain_and_offset_and_a_covered_quarter() {
        let grid = grid();
        let raw: Vec<f32> = (0..grid.len()).map(|i| ((i * 37) % 23) as f32).collect();
        let mut template = Template::new(&grid);
        assert!(template.set(&raw));
        let brighter: Vec<f32> = raw.iter().map(|v| 3.0 * v + 40.0).collect();
        assert!((template.score(&brighter) - 1.0).abs() < 1e-4);
        let inverted: Vec<f32> = raw.iter().map(|v| 255.0 - v).collect();
        assert!((template.score(&inverted) + 1.0).abs() < 1e-4);
        assert_eq!(template.score(&vec![9.0; grid.len()]), 0.0);
        assert_eq!(template.score(&[1.0]), 0.0);
        // A dark bar over the left quarter: the other blocks still match perfectly.
        let covered: Vec<f32> = raw
            .iter()
            .enumerate()
            .map(|(i, v)| if i % grid.cols < grid.cols / 4 { 5.0 } else { *v })
            .collect();
        assert!((template.score(&covered) - 1.0).abs() < 1e-4);
        // Unrelated texture scores low.
        let other: Vec<f32> = (0..grid.len()).map(|i| ((i * 53 + 7) % 29) as f32).collect();
        assert!(template.score(&other) < 0.5, "{}", template.score(&other));
        // Over the whole grid, the bar counts.
        let whole = |s: &[f32]| template.correlation(s, 0..grid.cols, 0..grid.rows);
        assert!((whole(&brighter) - 1.0).abs() < 1e-4);
        assert!(whole(&covered) < 0.9, "{}", whole(&covered));
    }

    #[test]
    fn flat_patches_are_refused() {
        let grid = grid();
        let mut template = Template::new(&grid);
        assert!(!template.set(&vec![128.0; grid.len()]));
        assert!(!template.set(&[1.0, 2.0]));
        let mut nan = vec![f32::NAN; grid.len()];
        assert!(!template.set(&nan));
        template.blend(&mut nan, 0.5);
    }

    #[test]
    fn gradients_follow_a_ramp_and_the_half_grid_averages() {
        let grid = grid();
        let ramp: Vec<f32> = (0..grid.len()).map(|i| (i % grid.cols) as f32).collect();
        let mut template = Template::new(&grid);
        assert!(template.set(&ramp));
        let step = template.values[1] - template.values[0];
        assert!(template.gx.iter().all(|g| (g - step).abs() < 1e-4));
        assert!(template.gy.iter().all(|g| g.abs() < 1e-6));
        // The half grid of a ramp is a ramp too, normalised again.
        assert!(template.coarse[1] > template.coarse[0]);
        assert!((moments(&template.coarse).1 - 1.0).abs() < 1e-4);
    }
}
