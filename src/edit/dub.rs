//! Dubbing: laying a voice over a clip's sound.
//!
//! The voice is placed `at` seconds into the clip (negative: its head is cut; past the clip's end: cut
//! there) and combined with the original sound in one of three ways:
//! - **replace**: only the voice; silence where there is none;
//! - **mix**: the voice plus the original at `original_gain`;
//! - **duck**: the original at full level, lowered to `original_gain` while the voice speaks, with a short
//!   ramp down that finishes as the voice starts and a slower ramp back up after it stops.
//!
//! Both signals are planar `f32` at the same rate and channel count (see [`super::mix::conform`]); the
//! result lasts exactly as long as the original.

use crate::decimal::Fixed;
use crate::error::{Error, ErrorCode, Result};

/// How the voice and the original combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DubMode {
    /// Only the voice.
    Replace,
    /// Voice plus the original at a fixed gain.
    Mix,
    /// The original lowered while the voice speaks.
    Duck,
}

impl DubMode {
    /// `"replace"`, `"mix"` or `"duck"`, as the JS API names them.
    pub fn parse(name: &str) -> Result<DubMode> {
        match name {
            "replace" => Ok(DubMode::Replace),
            "mix" => Ok(DubMode::Mix),
            "duck" => Ok(DubMode::Duck),
            other => Err(Error::malformed(format!(
                "unknown dub mode '{other}': use 'replace', 'mix' or 'duck'"
            ))),
        }
    }

    /// The original's gain when none is given: unused by `replace`; half level under a mix; −14 dB under
    /// a duck.
    pub fn default_original_gain(self) -> f32 {
        match self {
            DubMode::Replace => 0.0,
            DubMode::Mix => 0.5,
            DubMode::Duck => 0.2,
        }
    }
}

/// Where and how a voice goes over a clip.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DubPlacement {
    /// Seconds into the clip where the voice's first sample plays (negative: that much of it is cut).
    pub at: f64,
    /// How it combines with the original.
    pub mode: DubMode,
    /// The original's linear gain under `mix`, or while the voice speaks under `duck`.
    pub original_gain: f32,
}

/// The largest gain accepted for the original (+12 dB).
const MAX_GAIN: f32 = 4.0;
/// A duck's ramp down, finished as the voice starts, seconds.
const DUCK_ATTACK: f64 = 0.02;
/// A duck's ramp back up after the voice stops, seconds.
const DUCK_RELEASE: f64 = 0.25;
/// The voice speaks in a 10 ms window whose level is above this (dBFS): quieter is a pause or room noise.
const VOICE_THRESHOLD_DB: f32 = -45.0;
const VOICE_WINDOW: f64 = 0.01;

impl DubPlacement {
    /// Checks the numbers: `at` finite, the gain finite and in `[0, 4]` (`[0, 1]` for a duck).
    pub fn new(at: f64, mode: DubMode, original_gain: f32) -> Result<DubPlacement> {
        if !at.is_finite() {
            return Err(Error::malformed(format!(
                "the voice's position {} is not a number of seconds",
                Fixed(at, 3)
            )));
        }
        if !(original_gain.is_finite() && (0.0..=MAX_GAIN).contains(&original_gain)) {
            return Err(Error::new(
                ErrorCode::OutOfRange,
                format!(
                    "originalGain {} is outside 0 to {}",
                    Fixed(original_gain.into(), 2),
                    Fixed(MAX_GAIN.into(), 2)
                ),
            ));
        }
        if mode == DubMode::Duck && original_gain > 1.0 {
            return Err(Error::new(
                ErrorCode::OutOfRange,
                format!(
                    "originalGain {}: a duck lowers the original, so at most 1",
                    Fixed(original_gain.into(), 2)
                ),
            ));
        }
        Ok(DubPlacement {
            at,
            mode,
            original_gain,
        })
    }

    /// The clip's new sound: `original` (the clip's, one `Vec` per channel) with `voice` (same rate `rate`
    /// and channel count) laid over it. As long as the original; samples clamped to ±1.
    pub fn apply(&self, original: &[Vec<f32>], voice: &[Vec<f32>], rate: u32) -> Result<Vec<Vec<f32>>> {
        if voice.len() != original.len() {
            return Err(Error::malformed(format!(
                "the voice has {} channels and the clip {}: conform it first",
                voice.len(),
                original.len()
            )));
        }
        let len = original.iter().map(Vec::len).max().unwrap_or(0);
        let offset = (self.at * f64::from(rate)).round() as i64;
        // The original's gain at each sample.
        let gains: Vec<f32> = match self.mode {
            DubMode::Replace => vec![0.0; len],
            DubMode::Mix => vec![self.original_gain; len],
            DubMode::Duck => duck_envelope(&speaking(voice, offset, len, rate), self.original_gain, rate),
        };
        let mut channels = Vec::with_capacity(original.len());
        for (original, voice) in original.iter().zip(voice) {
            let mut channel = Vec::with_capacity(len);
            for (n, gain) in gains.iter().enumerate() {
                let from_voice = usize::try_from(n as i64 - offset)
                    .ok()
                    .and_then(|at| voice.get(at))
                    .copied()
                    .unwrap_or(0.0);
                let mixed = original.get(n).copied().unwrap_or(0.0) * gain + from_voice;
                channel.push(mixed.clamp(-1.0, 1.0));
            }
            channels.push(channel);
        }
        Ok(channels)
    }
}

/// For each of `len` clip samples, whether the voice (placed at `offset`) speaks there: its level over a
/// 10 ms window, loudest channel, is above the threshold.
fn speaking(voice: &[Vec<f32>], offset: i64, len: usize, rate: u32) -> Vec<bool> {
    let window = ((VOICE_WINDOW * f64::from(rate)) as usize).max(1);
    let threshold = 10f32.powf(VOICE_THRESHOLD_DB / 20.0);
    let voice_len = voice.iter().map(Vec::len).max().unwrap_or(0);
    let mut active = vec![false; len];
    for start in (0..voice_len).step_by(window) {
        let end = (start + window).min(voice_len);
        let loud = voice.iter().any(|channel| {
            let part = &channel[start.min(channel.len())..end.min(channel.len())];
            let power = part.iter().map(|s| s * s).sum::<f32>() / part.len().max(1) as f32;
            power.sqrt() > threshold
        });
        if loud {
            let from = (start as i64 + offset).clamp(0, len as i64) as usize;
            let to = (end as i64 + offset).clamp(0, len as i64) as usize;
            active[from..to].iter_mut().for_each(|a| *a = true);
        }
    }
    active
}

/// The original's gain under a duck: `gain` where the voice speaks, 1 elsewhere, moving between them in
/// straight ramps (down over `DUCK_ATTACK`, ending where the voice starts; up over `DUCK_RELEASE`,
/// starting where it stops).
fn duck_envelope(active: &[bool], gain: f32, rate: u32) -> Vec<f32> {
    let depth = 1.0 - gain;
    let down = depth / (DUCK_ATTACK * f64::from(rate)).max(1.0) as f32;
    let up = depth / (DUCK_RELEASE * f64::from(rate)).max(1.0) as f32;
    let mut envelope = Vec::with_capacity(active.len());
    for &speaks in active {
        envelope.push(if speaks { gain } else { 1.0 });
    }
    // Forward: after the voice, come back up no faster than `up` per sample.
    for n in 1..envelope.len() {
        envelope[n] = envelope[n].min(envelope[n - 1] + up);
    }
    // Backward: before the voice, start down early enough to arrive at its onset at `down` per sample.
    for n in (0..envelope.len().saturating_sub(1)).rev() {
        envelope[n] = envelope[n].min(envelope[n + 1] + down);
    }
    envelope
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: u32 = 1000; // a sample a millisecond keeps the arithmetic readable

    fn constant(value: f32, len: usize) -> Vec<Vec<f32>> {
        vec![vec![value; len]]
    }

    fn placement(at: f64, mode: DubMode, gain: f32) -> DubPlacement {
        DubPlacement::new(at, mode, gain).unwrap()
    }

    #[test]
    fn replace_puts_the_voice_at_its_place_and_silence_elsewhere() {
        let out = placement(0.5, DubMode::Replace, 0.0)
            .apply(&constant(0.3, 2000), &constant(0.5, 1000), RATE)
            .unwrap();
        assert_eq!(out[0].len(), 2000);
        assert!(out[0][..500].iter().all(|s| *s == 0.0));
        assert!(out[0][500..1500].iter().all(|s| *s == 0.5));
        assert!(out[0][1500..].iter().all(|s| *s == 0.0));
    }

    #[test]
    fn a_negative_position_cuts_the_head_and_the_clip_end_cuts_the_tail() {
        let voice = vec![(0..3000).map(|n| n as f32 / 10_000.0).collect::<Vec<f32>>()];
        let early = placement(-0.25, DubMode::Replace, 0.0)
            .apply(&constant(0.0, 1000), &voice, RATE)
            .unwrap();
        assert_eq!(early[0][0], voice[0][250]);
        assert_eq!(early[0][999], voice[0][1249]);
        assert_eq!(early[0].len(), 1000);
    }

    #[test]
    fn mix_adds_the_voice_to_the_original_at_its_gain_and_clamps() {
        let out = placement(0.0, DubMode::Mix, 0.5)
            .apply(&constant(0.4, 100), &constant(0.1, 50), RATE)
            .unwrap();
        assert!((out[0][10] - 0.3).abs() < 1e-6 && (out[0][60] - 0.2).abs() < 1e-6);
        let loud = placement(0.0, DubMode::Mix, 4.0)
            .apply(&constant(0.9, 10), &constant(0.9, 10), RATE)
            .unwrap();
        assert_eq!(loud[0][0], 1.0);
    }

    #[test]
    fn duck_lowers_the_original_only_while_the_voice_speaks_with_ramps() {
        // The voice speaks from 1.0 s to 2.0 s of a 4 s clip, with a silent pause in the middle of its file
        // before that (it starts at 0.5 s with 0.5 s of silence).
        let mut voice = vec![0.0f32; 1500];
        voice[500..].iter_mut().for_each(|s| *s = 0.5);
        let out = placement(0.5, DubMode::Duck, 0.25)
            .apply(&constant(0.8, 4000), &[voice], RATE)
            .unwrap();
        let original = |n: usize| {
            let voice = if (1000..2000).contains(&n) { 0.5 } else { 0.0 };
            (out[0][n] - voice) / 0.8
        };
        assert!(
            (original(500) - 1.0).abs() < 1e-6,
            "full level before (the silent head does not duck)"
        );
        assert!(
            (original(990) - 1.0).abs() > 0.1,
            "ramping down before the voice starts"
        );
        assert!((original(1000) - 0.25).abs() < 1e-5, "down when the voice starts");
        assert!((original(1999) - 0.25).abs() < 1e-5);
        assert!(
            original(2100) > 0.25 && original(2100) < 1.0,
            "ramping up after it stops"
        );
        assert!((original(2300) - 1.0).abs() < 1e-6, "full level 250 ms after");
        assert!((original(979) - 1.0).abs() < 1e-6, "the ramp down lasts 20 ms");
    }

    #[test]
    fn bad_numbers_are_refused() {
        assert_eq!(
            DubPlacement::new(f64::NAN, DubMode::Mix, 0.5).unwrap_err().code(),
            ErrorCode::MalformedInput
        );
        assert_eq!(
            DubPlacement::new(0.0, DubMode::Mix, -1.0).unwrap_err().code(),
            ErrorCode::OutOfRange
        );
        assert_eq!(
            DubPlacement::new(0.0, DubMode::Mix, 9.0).unwrap_err().code(),
            ErrorCode::OutOfRange
        );
        assert_eq!(
            DubPlacement::new(0.0, DubMode::Duck, 2.0).unwrap_err().code(),
            ErrorCode::OutOfRange
        );
        assert_eq!(DubMode::parse("louder").unwrap_err().code(), ErrorCode::MalformedInput);
        let two = vec![vec![0.0; 4]; 2];
        assert!(placement(0.0, DubMode::Mix, 1.0)
            .apply(&two, &constant(0.0, 4), RATE)
            .is_err());
    }
}
