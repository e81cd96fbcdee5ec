//! What the subject looks like: grid samples normalised to zero mean and unit variance, so that a subject
//! walking from shade into sun (gain and offset of its luma) still matches, with the gradients alignment
//! needs and the half-resolution copy the search uses.

use super::geometry::Grid;

/// Below this standard deviation (in grey levels) a patch is flat: nothing in it can be followed.
pub(super) const FLAT: f32 = 1.0;

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

    /// How alike `samples` (raw, same grid) look to this template: their normalised cross-correlation,
    /// from −1 to 1 (0 for a flat patch). `samples` is left normalised.
    pub fn ncc(&self, samples: &mut [f32]) -> f32 {
        if !normalise(samples) {
            return 0.0;
        }
        let dot: f32 = self.values.iter().zip(samples.iter()).map(|(t, s)| t * s).sum();
        dot / self.values.len().max(1) as f32
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
    fn ncc_ignores_gain_and_offset_and_sees_inversion() {
        let grid = grid();
        let raw: Vec<f32> = (0..grid.len()).map(|i| ((i * 37) % 23) as f32).collect();
        let mut template = Template::new(&grid);
        assert!(template.set(&raw));
        let mut brighter: Vec<f32> = raw.iter().map(|v| 3.0 * v + 40.0).collect();
        assert!((template.ncc(&mut brighter) - 1.0).abs() < 1e-5);
        let mut inverted: Vec<f32> = raw.iter().map(|v| 255.0 - v).collect();
        assert!((template.ncc(&mut inverted) + 1.0).abs() < 1e-5);
        let mut flat = vec![9.0; grid.len()];
        assert_eq!(template.ncc(&mut flat), 0.0);
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
