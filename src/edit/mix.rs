//! PCM conversions for dubbing: bringing a voice to the clip's sample rate and channel count.
//!
//! Sound is planar `f32` (one `Vec` per channel, full scale ±1), as WebCodecs' `AudioData` and WebAudio's
//! `AudioBuffer` hand it over.
//!
//! Resampling is band-limited interpolation: every output sample is the input convolved with a windowed
//! sinc centred on its instant, the sinc's cut-off below the lower of the two Nyquist frequencies (so
//! downsampling does not fold high frequencies back into the audible band), the kernel read from a table
//! of finely spaced phases with linear interpolation between them.

use std::f64::consts::{FRAC_PI_2, PI, TAU};

use crate::error::{Error, Result};

/// Zero crossings of the sinc on each side of its centre: the kernel's reach, and its sharpness.
const ZERO_CROSSINGS: f64 = 16.0;
/// The pass band ends this fraction of the way to the lower Nyquist frequency (the transition band
/// takes the rest).
const ROLLOFF: f64 = 0.92;
/// Kernel table entries per input sample.
const PHASES: usize = 256;
/// Rates outside this range (Hz) are not audio this library handles.
const RATES: std::ops::RangeInclusive<u32> = 1_000..=384_000;

/// `input` (one channel at `from` Hz) at `to` Hz. The output spans the same time: `len × to / from`
/// samples, rounded. Rates outside 1 kHz to 384 kHz are `malformed_input`.
pub fn resample(input: &[f32], from: u32, to: u32) -> Result<Vec<f32>> {
    for rate in [from, to] {
        if !RATES.contains(&rate) {
            return Err(Error::malformed(format!(
                "a sample rate of {rate} Hz is outside what audio uses (1 kHz to 384 kHz)"
            )));
        }
    }
    if from == to || input.is_empty() {
        return Ok(input.to_vec());
    }
    let kernel = Kernel::new(from, to);
    let step = f64::from(from) / f64::from(to);
    let out_len = (input.len() as f64 / step).round() as usize;
    let mut out = Vec::with_capacity(out_len);
    for n in 0..out_len {
        out.push(kernel.at(input, n as f64 * step));
    }
    Ok(out)
}

/// A windowed-sinc low-pass kernel, tabulated.
struct Kernel {
    /// Input samples on each side of the centre that the kernel reaches.
    half_width: f64,
    /// `value(x)` for `x = i / PHASES - half_width`.
    table: Vec<f32>,
}

impl Kernel {
    fn new(from: u32, to: u32) -> Kernel {
        // Cut-off in cycles per input sample: below the output's Nyquist frequency when downsampling.
        let cutoff = 0.5 * ROLLOFF * (f64::from(to) / f64::from(from)).min(1.0);
        let half_width = ZERO_CROSSINGS / (2.0 * cutoff);
        let entries = (2.0 * half_width * PHASES as f64).ceil() as usize + 2;
        let mut table = Vec::with_capacity(entries);
        for i in 0..entries {
            let x = i as f64 / PHASES as f64 - half_width;
            let sinc = if x == 0.0 {
                1.0
            } else {
                sine(2.0 * PI * cutoff * x) / (2.0 * PI * cutoff * x)
            };
            table.push((2.0 * cutoff * sinc * blackman(x / half_width)) as f32);
        }
        Kernel { half_width, table }
    }

    /// The band-limited value of `input` at fractional input position `t`.
    fn at(&self, input: &[f32], t: f64) -> f32 {
        let first = (t - self.half_width).ceil().max(0.0) as usize;
        let last = ((t + self.half_width).floor() as usize).min(input.len() - 1);
        let mut sum = 0.0f32;
        for (k, sample) in input.iter().enumerate().take(last + 1).skip(first) {
            let position = (t - k as f64 + self.half_width) * PHASES as f64;
            let index = position as usize;
            let fraction = (position - index as f64) as f32;
            let (a, b) = (self.table[index], self.table.get(index + 1).copied().unwrap_or(0.0));
            sum += sample * (a + (b - a) * fraction);
        }
        sum
    }
}

/// The Blackman window at `x` in `[-1, 1]` (0 outside): side lobes below −58 dB.
fn blackman(x: f64) -> f64 {
    if x.abs() > 1.0 {
        return 0.0;
    }
    let phase = PI * (x + 1.0);
    0.42 - 0.5 * cosine(phase) + 0.08 * cosine(2.0 * phase)
}

/// sin(x) for the arguments a kernel table takes (|x| below about 100, where it is within 1e-13 of the true
/// value), for a table built once per export.
fn sine(x: f64) -> f64 {
    // Into [-π, π], then the Taylor series r − r³/3! + r⁵/5! − … to r³³ (its tail is below 1e-20 there),
    // in Horner form: r·(1 − r²/(2·3)·(1 − r²/(4·5)·(1 − …))).
    let r = x - (x / TAU + 0.5).floor() * TAU;
    let r2 = r * r;
    let series = (1..=16u32).rev().fold(1.0, |inner, k| {
        let (even, odd) = (f64::from(2 * k), f64::from(2 * k + 1));
        1.0 - r2 / (even * odd) * inner
    });
    r * series
}

/// cos(x) = sin(x + π/2), for the same arguments as [`sine`].
fn cosine(x: f64) -> f64 {
    sine(x + FRAC_PI_2)
}

/// `channels` as `count` channels: mono is copied to every output channel; down to mono, channels are
/// averaged; otherwise input channel `i` goes to output channel `i mod count`, averaged where several meet
/// (stereo to 5.1 fills the front pair and leaves the rest silent).
pub fn remix(channels: &[Vec<f32>], count: usize) -> Vec<Vec<f32>> {
    let len = channels.iter().map(Vec::len).max().unwrap_or(0);
    if channels.len() == count || channels.is_empty() {
        let mut same = channels.to_vec();
        same.resize(count, vec![0.0; len]);
        return same;
    }
    if channels.len() == 1 {
        return vec![channels[0].clone(); count];
    }
    let mut out = vec![vec![0.0f32; len]; count];
    let mut sources = vec![0usize; count];
    for (index, channel) in channels.iter().enumerate() {
        let target = index % count;
        sources[target] += 1;
        for (sum, sample) in out[target].iter_mut().zip(channel) {
            *sum += sample;
        }
    }
    for (channel, sources) in out.iter_mut().zip(sources) {
        if sources > 1 {
            let scale = 1.0 / sources as f32;
            channel.iter_mut().for_each(|s| *s *= scale);
        }
    }
    out
}

/// `channels` at `from` Hz as `count` channels at `to` Hz.
pub fn conform(channels: &[Vec<f32>], from: u32, to: u32, count: usize) -> Result<Vec<Vec<f32>>> {
    let remixed = remix(channels, count);
    if from == to {
        // Nothing to resample: `resample` only checks the rate (and would copy every channel again).
        resample(&[], from, to)?;
        return Ok(remixed);
    }
    let mut resampled = Vec::with_capacity(remixed.len());
    for channel in &remixed {
        resampled.push(resample(channel, from, to)?);
    }
    Ok(resampled)
}

/// Decoded blocks of sound laid out on a clip's timeline: `frames` samples per channel, silent where no
/// block lands; a block is placed by its first sample's position (negative: before the clip, cut) and cut
/// at the clip's end.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Timeline {
    channels: Vec<Vec<f32>>,
}

impl Timeline {
    /// Silence: `count` channels of `frames` samples.
    pub fn new(count: usize, frames: usize) -> Timeline {
        Timeline {
            channels: vec![vec![0.0; frames]; count],
        }
    }

    /// Writes `block` (one `Vec` per channel, remixed to the timeline's count) from sample `at` on.
    pub fn place(&mut self, at: i64, block: &[Vec<f32>]) {
        let remixed;
        let block = if block.len() == self.channels.len() {
            block
        } else {
            remixed = remix(block, self.channels.len());
            &remixed
        };
        // The block's samples before the clip (negative `at`) are skipped; it lands at `at` or at 0.
        let skip = usize::try_from(at.saturating_neg()).unwrap_or(0);
        let start = usize::try_from(at).unwrap_or(0);
        for (out, input) in self.channels.iter_mut().zip(block) {
            let (Some(input), Some(out)) = (input.get(skip..), out.get_mut(start..)) else {
                continue;
            };
            let count = input.len().min(out.len());
            out[..count].copy_from_slice(&input[..count]);
        }
    }

    /// The laid-out channels.
    pub fn into_channels(self) -> Vec<Vec<f32>> {
        self.channels
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    #[allow(clippy::disallowed_methods)] // libm is the reference here
    fn sine_and_cosine_match_libm_over_the_kernel_arguments() {
        for i in -100_000..=100_000 {
            let x = f64::from(i) * 1e-3;
            assert!((sine(x) - x.sin()).abs() < 1e-13, "sin {x}");
            assert!((cosine(x) - x.cos()).abs() < 1e-13, "cos {x}");
        }
    }

    #[allow(clippy::disallowed_methods)] // a test signal, made natively
    fn tone(frequency: f64, rate: u32, len: usize) -> Vec<f32> {
        (0..len)
            .map(|n| (2.0 * PI * frequency * n as f64 / f64::from(rate)).sin() as f32 * 0.5)
            .collect()
    }

    /// Root-mean-square level in dB relative to full scale, away from the edges.
    fn rms_db(signal: &[f32], margin: usize) -> f64 {
        let inner = &signal[margin..signal.len() - margin];
        let power = inner.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / inner.len() as f64;
        10.0 * power.log10()
    }

    #[test]
    fn a_tone_resampled_up_is_the_same_tone_within_minus_70_db() {
        let out = resample(&tone(1000.0, 44_100, 44_100), 44_100, 48_000).unwrap();
        assert_eq!(out.len(), 48_000);
        let expected = tone(1000.0, 48_000, 48_000);
        let error: Vec<f32> = out.iter().zip(&expected).map(|(a, b)| a - b).collect();
        let db = rms_db(&error, 100) - rms_db(&expected, 100);
        assert!(db < -70.0, "error at {db:.1} dB");
    }

    #[test]
    fn downsampling_removes_what_the_new_rate_cannot_carry() {
        // 10 kHz cannot exist at 16 kHz (Nyquist 8 kHz): nearest-sample or linear picking would fold it to
        // 6 kHz at nearly full level.
        let out = resample(&tone(10_000.0, 48_000, 48_000), 48_000, 16_000).unwrap();
        assert_eq!(out.len(), 16_000);
        assert!(rms_db(&out, 100) - rms_db(&tone(10_000.0, 48_000, 48_000), 100) < -50.0);
        // A 3 kHz tone passes at its level.
        let kept = resample(&tone(3000.0, 48_000, 48_000), 48_000, 16_000).unwrap();
        assert!((rms_db(&kept, 100) - rms_db(&tone(3000.0, 16_000, 16_000), 100)).abs() < 0.1);
    }

    #[test]
    fn the_same_rate_passes_through_and_impossible_rates_are_refused() {
        let input = tone(440.0, 48_000, 100);
        assert_eq!(resample(&input, 48_000, 48_000).unwrap(), input);
        assert!(resample(&[], 44_100, 48_000).unwrap().is_empty());
        assert_eq!(
            resample(&input, 0, 48_000).unwrap_err().code(),
            ErrorCode::MalformedInput
        );
        assert_eq!(
            resample(&input, 48_000, u32::MAX).unwrap_err().code(),
            ErrorCode::MalformedInput
        );
    }

    #[test]
    fn blocks_land_at_their_position_and_are_cut_at_both_ends() {
        let mut timeline = Timeline::new(2, 5);
        timeline.place(-1, &[vec![9.0, 1.0, 2.0]]);
        timeline.place(4, &[vec![3.0, 9.0], vec![4.0, 9.0]]);
        assert_eq!(
            timeline.into_channels(),
            vec![vec![1.0, 2.0, 0.0, 0.0, 3.0], vec![1.0, 2.0, 0.0, 0.0, 4.0]]
        );
    }

    #[test]
    fn channels_are_copied_up_from_mono_and_averaged_down() {
        let (left, right) = (vec![1.0, 0.5], vec![0.0, 0.5]);
        assert_eq!(remix(&[left.clone(), right.clone()], 1), vec![vec![0.5, 0.5]]);
        assert_eq!(remix(std::slice::from_ref(&left), 2), vec![left.clone(), left.clone()]);
        assert_eq!(
            remix(&[left.clone(), right.clone()], 2),
            vec![left.clone(), right.clone()]
        );
        let surround = remix(&[left.clone(), right.clone()], 6);
        assert_eq!(
            (&surround[0], &surround[1], &surround[5]),
            (&left, &right, &vec![0.0, 0.0])
        );
    }
}
