//! Waveforms, as timelines draw them: per stretch of sound, the lowest and the highest sample value among all
//! its channels (one vertical line from min to max per pixel column). Decoded sound is summarised once into
//! [`Peaks`], min/max per bin of a few milliseconds, from which any number of buckets over any part of it
//! is read without decoding again.

use std::ops::Range;

use crate::error::{Error, ErrorCode, Result};

/// The most buckets a waveform may have: more than the pixel columns of any screen.
pub const MAX_BUCKETS: usize = 100_000;

/// The fewest samples per bin of a sound's summary ([`Peaks::of_frames`]), 0.3 ms at 48 kHz: a pixel column
/// of a timeline zoomed in on a short clip spans several bins.
const MIN_BIN: usize = 16;

/// The most samples per bin of a sound's summary below [`MAX_BINS`] (5.3 ms at 48 kHz).
const BIN: usize = 256;

/// The bins a sound's summary aims at (1 MiB of min/max pairs): its bins widen from [`MIN_BIN`] to [`BIN`]
/// as the sound grows from 45 s to 12 minutes at 48 kHz.
const TARGET_BINS: usize = 1 << 17;

/// The most bins a [`Peaks`] holds (8 MiB of min/max pairs): longer sound gets wider bins.
const MAX_BINS: usize = 1 << 20;

/// The sound's lowest and highest value per bin of samples, all channels folded together.
#[derive(Debug, Clone, PartialEq)]
pub struct Peaks {
    /// Samples per bin.
    bin: usize,
    /// `[min0, max0, min1, max1, ...]`; a bin no sound reached holds `(+inf, -inf)`.
    pairs: Vec<f32>,
}

impl Peaks {
    /// An empty summary of `frames` samples per channel, `bin` samples per bin (wider when that would
    /// make more than [`MAX_BINS`]).
    pub fn new(frames: usize, bin: usize) -> Peaks {
        let bin = bin.max(frames.div_ceil(MAX_BINS)).max(1);
        let mut pairs = Vec::new();
        for _ in 0..frames.div_ceil(bin) {
            pairs.extend([f32::INFINITY, f32::NEG_INFINITY]);
        }
        Peaks { bin, pairs }
    }

    /// An empty summary of `frames` samples per channel in bins as fine as its length allows (see
    /// [`TARGET_BINS`]).
    pub fn of_frames(frames: usize) -> Peaks {
        Peaks::new(frames, (frames / TARGET_BINS).clamp(MIN_BIN, BIN))
    }

    /// Folds in `block` (one list of samples per channel) placed from sample `at` on; what lands outside
    /// samples `keep` or outside the summary is left out.
    pub fn add(&mut self, at: i64, keep: Range<i64>, block: &[Vec<f32>]) {
        let first = at.max(keep.start).max(0);
        let (Ok(skip), Ok(start)) = (usize::try_from(first.saturating_sub(at)), usize::try_from(first)) else {
            return;
        };
        // Samples kept from `first` on (all of them past what a `usize` counts).
        let kept = usize::try_from(keep.end.saturating_sub(first).max(0)).unwrap_or(usize::MAX);
        for plane in block {
            let rest = plane.get(skip..).unwrap_or_default();
            let (mut frame, mut rest) = (start, &rest[..rest.len().min(kept)]);
            while !rest.is_empty() {
                let bin = frame / self.bin * 2;
                let Some(pair) = self.pairs.get_mut(bin..bin + 2) else {
                    break;
                };
                let (now, later) = rest.split_at((self.bin - frame % self.bin).min(rest.len()));
                let (mut low, mut high) = (pair[0], pair[1]);
                for &value in now {
                    if value < low {
                        low = value;
                    }
                    if value > high {
                        high = value;
                    }
                }
                pair.copy_from_slice(&[low, high]);
                (frame, rest) = (frame + now.len(), later);
            }
        }
    }

    /// `[min, max]` pairs of `buckets` equal parts of samples `[from, to)` (fractions allowed): each covers
    /// the bins its part touches; sound never added (gaps, past the end) counts as silence.
    pub fn waveform(&self, from: f64, to: f64, buckets: usize) -> Vec<f32> {
        let bins = self.pairs.len() / 2;
        let width = (to - from) / buckets as f64;
        let bin = self.bin as f64;
        let mut out = Vec::with_capacity(buckets * 2);
        for k in 0..buckets {
            // The bins the part touches (at least one), those outside the summary left out.
            let first = ((from + k as f64 * width) / bin).floor();
            let last = ((from + (k + 1) as f64 * width) / bin).ceil().max(first + 1.0);
            let within = |b: f64| b.max(0.0).min(bins as f64) as usize * 2;
            let (mut low, mut high) = (f32::INFINITY, f32::NEG_INFINITY);
            for pair in self.pairs[within(first)..within(last)].chunks_exact(2) {
                // A bin no sound reached is silence.
                let silent = pair[0] > pair[1];
                low = low.min(if silent { 0.0 } else { pair[0] });
                high = high.max(if silent { 0.0 } else { pair[1] });
            }
            if low > high {
                (low, high) = (0.0, 0.0);
            }
            out.extend([low, high]);
        }
        out
    }
}

/// Buckets when none are asked for: a timeline's width in pixels, about.
pub const DEFAULT_BUCKETS: f64 = 1000.0;

/// The number of buckets asked for (default [`DEFAULT_BUCKETS`]): a whole number from 1 to [`MAX_BUCKETS`]
/// (`out_of_range` otherwise).
pub fn buckets(asked: Option<f64>) -> Result<usize> {
    let asked = asked.unwrap_or(DEFAULT_BUCKETS);
    if asked.fract() != 0.0 || !(1.0..=MAX_BUCKETS as f64).contains(&asked) {
        return Err(Error::new(
            ErrorCode::OutOfRange,
            format!("buckets must be a whole number from 1 to {MAX_BUCKETS}"),
        ));
    }
    Ok(asked as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ramp from -1 towards 1 over `frames` samples on the left, its negation on the right.
    fn ramp(frames: usize) -> Vec<Vec<f32>> {
        let left: Vec<f32> = (0..frames).map(|i| -1.0 + 2.0 * i as f32 / frames as f32).collect();
        let right = left.iter().map(|v| -v).collect();
        vec![left, right]
    }

    #[test]
    fn each_bucket_holds_the_exact_min_and_max_of_its_samples_over_all_channels() {
        let mut peaks = Peaks::new(8, 1);
        peaks.add(
            0,
            0..8,
            &[
                vec![0.0, 0.5, -0.25, 0.1, 0.2, 0.3, 0.4, 0.9],
                vec![0.0, 0.0, 0.0, -0.75, 0.0, 0.0, 0.0, 0.0],
            ],
        );
        assert_eq!(peaks.waveform(0.0, 8.0, 2), [-0.75, 0.5, 0.0, 0.9]);
        assert_eq!(peaks.waveform(0.0, 8.0, 4), [0.0, 0.5, -0.75, 0.1, 0.0, 0.3, 0.0, 0.9]);
        // Bucket edges: [2, 4) holds samples 2 and 3 only; [4, 7) leaves out the 0.9 of sample 7.
        assert_eq!(peaks.waveform(2.0, 4.0, 1), [-0.75, 0.1]);
        assert_eq!(peaks.waveform(4.0, 7.0, 1), [0.0, 0.4]);
        // Buckets narrower than a sample show the sample they fall in.
        assert_eq!(peaks.waveform(7.0, 8.0, 2), [0.0, 0.9, 0.0, 0.9]);
    }

    #[test]
    fn bins_summarise_and_wider_buckets_read_them() {
        let sound = ramp(1024);
        let mut peaks = Peaks::new(1024, BIN);
        peaks.add(0, 0..1024, &sound);
        let wave = peaks.waveform(0.0, 1024.0, 4);
        // Bucket k is samples [256k, 256k + 256): the left ramp's ends and the right's.
        for k in 0..4 {
            let first = sound[0][256 * k];
            let last = sound[0][256 * k + 255];
            assert_eq!(wave[2 * k], first.min(-last), "bucket {k}");
            assert_eq!(wave[2 * k + 1], last.max(-first), "bucket {k}");
        }
    }

    #[test]
    fn gaps_and_time_past_the_sound_are_silence_and_placement_is_honoured() {
        let mut peaks = Peaks::new(10, 1);
        // Placed at 6, running past the end (sample 10 and on) and starting before 0; the first two of a
        // block placed at 3 left out, and the last of one placed at 8.
        peaks.add(6, 0..i64::MAX, &[vec![0.5, -0.5, 0.25, 1.0, 1.0]]);
        peaks.add(-2, 0..10, &[vec![1.0, 1.0, -0.125]]);
        peaks.add(3, 5..10, &[vec![1.0, -1.0, 0.0625]]);
        peaks.add(8, 0..9, &[vec![0.5, -1.0]]);
        assert_eq!(
            peaks.waveform(0.0, 10.0, 5),
            [-0.125, 0.0, 0.0, 0.0, 0.0, 0.0625, -0.5, 0.5, 0.25, 1.0]
        );
        assert_eq!(peaks.waveform(8.0, 14.0, 3), [0.25, 1.0, 0.0, 0.0, 0.0, 0.0]);
        assert_eq!(peaks.waveform(-4.0, 0.0, 2), [0.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn short_sound_gets_finer_bins() {
        assert_eq!(Peaks::of_frames(20 * 48_000).bin, MIN_BIN);
        assert_eq!(Peaks::of_frames(90 * 48_000).bin, 32);
        assert_eq!(Peaks::of_frames(600 * 48_000).bin, 219);
        assert_eq!(Peaks::of_frames(3600 * 48_000).bin, BIN);
        assert_eq!(Peaks::of_frames(3 * MAX_BINS * BIN).bin, 3 * BIN);
    }

    #[test]
    fn long_sound_gets_wider_bins_within_the_bound() {
        let peaks = Peaks::new(3 * MAX_BINS * BIN, BIN);
        assert_eq!(peaks.bin, 3 * BIN);
        assert_eq!(peaks.pairs.len(), 2 * MAX_BINS);
        assert!(Peaks::new(0, BIN).waveform(0.0, 1.0, 3).iter().all(|v| *v == 0.0));
    }

    #[test]
    fn bucket_counts_must_be_whole_and_bounded() {
        assert_eq!(buckets(None).unwrap(), 1000);
        assert_eq!(buckets(Some(1.0)).unwrap(), 1);
        assert_eq!(buckets(Some(MAX_BUCKETS as f64)).unwrap(), MAX_BUCKETS);
        for bad in [0.0, -3.0, 2.5, f64::NAN, f64::INFINITY, MAX_BUCKETS as f64 + 1.0] {
            let error = buckets(Some(bad)).unwrap_err();
            assert_eq!(error.code(), ErrorCode::OutOfRange, "{bad}");
            assert!(error.message().contains("1 to 100000"), "{error}");
        }
    }
}
