//! Media time as integer ticks of a timescale.
//!
//! Containers count time in ticks of a per-track clock (MP4 `mdhd` timescale, MPEG-TS 90 kHz). The core keeps
//! those exact integers and converts only at the edges: to microseconds for WebCodecs chunks and to seconds at
//! the JS API. Conversions round to the nearest tick, halves away from zero.

use std::cmp::Ordering;

use crate::error::{Error, Result};

/// Microseconds per second: the WebCodecs timestamp unit.
pub const MICROS_PER_SECOND: u32 = 1_000_000;

/// The MPEG-TS system clock for PTS/DTS: 90 kHz.
pub const MPEG_TS_TIMESCALE: u32 = 90_000;

/// PTS and DTS in MPEG-TS are 33-bit counters of the 90 kHz clock; they wrap about every 26.5 hours.
const PTS_WRAP: i64 = 1 << 33;

/// A point (or span) in time: `ticks / scale` seconds.
#[derive(Debug, Clone, Copy)]
pub struct Time {
    /// Count of clock ticks; negative before the timeline's origin (e.g. AAC priming samples).
    pub ticks: i64,
    /// Ticks per second; never zero.
    pub scale: u32,
}

impl Time {
    /// `ticks` of a clock running at `scale` ticks per second. A zero timescale is malformed input
    /// (files do carry them), never a division by zero later.
    pub fn new(ticks: i64, scale: u32) -> Result<Time> {
        if scale == 0 {
            return Err(Error::malformed("timescale is zero"));
        }
        Ok(Time { ticks, scale })
    }

    /// The same instant counted in ticks of `scale`, rounded to the nearest tick.
    pub fn rescale(self, scale: u32) -> Result<Time> {
        Time::new(rescale_ticks(self.ticks, self.scale, scale)?, scale)
    }

    /// Whole microseconds, as WebCodecs wants timestamps and durations.
    pub fn micros(self) -> i64 {
        rescale_ticks_saturating(self.ticks, self.scale, MICROS_PER_SECOND)
    }

    /// Seconds, as the JS API reports times.
    pub fn seconds(self) -> f64 {
        self.ticks as f64 / self.scale as f64
    }

    /// The tick of `scale` nearest to `seconds`; `None` for NaN, infinities and values beyond the tick range.
    pub fn from_seconds(seconds: f64, scale: u32) -> Option<Time> {
        let ticks = (seconds * scale as f64).round();
        let in_range = ticks.is_finite() && ticks.abs() < i64::MAX as f64;
        (scale != 0 && in_range).then_some(Time {
            ticks: ticks as i64,
            scale,
        })
    }
}

/// `ticks` of clock `from` expressed in clock `to`, rounded to the nearest tick (halves away from zero).
pub fn rescale_ticks(ticks: i64, from: u32, to: u32) -> Result<i64> {
    if from == 0 || to == 0 {
        return Err(Error::malformed("timescale is zero"));
    }
    i64::try_from(rescale_wide(ticks, from, to))
        .map_err(|_| Error::limit(format!("time {ticks}/{from} s does not fit a 64-bit count of 1/{to} s")))
}

fn rescale_ticks_saturating(ticks: i64, from: u32, to: u32) -> i64 {
    let wide = rescale_wide(ticks, from, to);
    wide.clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

/// Exact in i128: |ticks * to| < 2^63 * 2^32 never overflows. The whole multiples of `from` in `ticks`
/// convert exactly; only the remainder (less than `from`, so its product with `to` fits 64 bits) is rounded,
/// which keeps every division within 64 bits.
fn rescale_wide(ticks: i64, from: u32, to: u32) -> i128 {
    let (from, to) = (u64::from(from), u64::from(to));
    let magnitude = ticks.unsigned_abs();
    let whole = i128::from(magnitude / from) * i128::from(to);
    let rounded = ((magnitude % from) * to + from / 2) / from;
    let wide = whole + i128::from(rounded);
    if ticks < 0 {
        -wide
    } else {
        wide
    }
}

impl PartialEq for Time {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Time {}

impl PartialOrd for Time {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Time {
    /// Compares the instants exactly, whatever their clocks: 1/2 s equals 45000/90000 s.
    fn cmp(&self, other: &Self) -> Ordering {
        let left = self.ticks as i128 * other.scale as i128;
        let right = other.ticks as i128 * self.scale as i128;
        left.cmp(&right)
    }
}

/// The continuous value of a stream's first 33-bit timestamp. A stream that starts in the last minute before
/// the wrap is counted from below zero, so that its timestamps after the wrap stay small; one that starts
/// earlier counts up past 2^33. This is ffmpeg's choice too (its wrap reference sits 60 s before the first
/// timestamp), so `inspect` prints the numbers `ffprobe` prints.
pub fn first_33bit(raw: u64) -> i64 {
    let raw = (raw as i64) & (PTS_WRAP - 1);
    let last_minute = PTS_WRAP - 60 * i64::from(MPEG_TS_TIMESCALE);
    if raw >= last_minute {
        raw - PTS_WRAP
    } else {
        raw
    }
}

/// Turns a raw 33-bit MPEG-TS timestamp into a continuous one: the value congruent to `raw` (mod 2^33)
/// nearest to `previous`, the last continuous timestamp of the stream. A stream that crosses the wrap point
/// keeps counting up instead of jumping back 26.5 hours.
pub fn unwrap_33bit(previous: i64, raw: u64) -> i64 {
    let raw = (raw as i64) & (PTS_WRAP - 1);
    let base = previous - previous.rem_euclid(PTS_WRAP);
    [base - PTS_WRAP, base, base + PTS_WRAP]
        .into_iter()
        .map(|b| b + raw)
        .min_by_key(|candidate| (candidate - previous).unsigned_abs())
        .unwrap_or(raw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn zero_timescale_is_an_error() {
        assert_eq!(Time::new(5, 0).unwrap_err().code(), ErrorCode::MalformedInput);
        assert!(rescale_ticks(5, 0, 1000).is_err());
        assert!(Time::from_seconds(1.0, 0).is_none());
    }

    #[test]
    fn rescale_rounds_to_nearest_half_away_from_zero() {
        // 1001/30000 s (one NTSC frame) in 90 kHz ticks is exactly 3003.
        assert_eq!(rescale_ticks(1001, 30000, 90000).unwrap(), 3003);
        // 1 tick of 3 Hz = 333333.33 µs -> 333333; 2 ticks = 666666.67 µs -> 666667.
        assert_eq!(Time::new(1, 3).unwrap().micros(), 333_333);
        assert_eq!(Time::new(2, 3).unwrap().micros(), 666_667);
        assert_eq!(Time::new(-2, 3).unwrap().micros(), -666_667);
        // Exactly half a tick rounds away from zero.
        assert_eq!(rescale_ticks(1, 2, 1).unwrap(), 1);
        assert_eq!(rescale_ticks(-1, 2, 1).unwrap(), -1);
    }

    #[test]
    fn huge_values_do_not_overflow() {
        assert_eq!(
            rescale_ticks(i64::MAX, 1, 2).unwrap_err().code(),
            ErrorCode::LimitExceeded
        );
        assert_eq!(Time::new(i64::MAX, 1).unwrap().micros(), i64::MAX);
        assert_eq!(Time::new(i64::MIN, 1).unwrap().micros(), i64::MIN);
    }

    #[test]
    fn comparison_is_exact_across_timescales() {
        let half = Time::new(1, 2).unwrap();
        assert_eq!(half, Time::new(45_000, 90_000).unwrap());
        assert!(Time::new(44_999, 90_000).unwrap() < half);
        assert!(Time::new(-1, 48_000).unwrap() < Time::new(0, 1).unwrap());
    }

    #[test]
    fn seconds_round_trip() {
        let t = Time::from_seconds(1.5, 90_000).unwrap();
        assert_eq!(t.ticks, 135_000);
        assert_eq!(t.seconds(), 1.5);
        assert!(Time::from_seconds(f64::NAN, 1000).is_none());
        assert!(Time::from_seconds(f64::INFINITY, 1000).is_none());
        assert!(Time::from_seconds(1e30, 1000).is_none());
    }

    #[test]
    fn first_timestamp_in_the_last_minute_counts_from_below_zero() {
        assert_eq!(first_33bit(126_000), 126_000);
        assert_eq!(first_33bit((PTS_WRAP - 90_000) as u64), -90_000);
        assert_eq!(first_33bit((PTS_WRAP - 61 * 90_000) as u64), PTS_WRAP - 61 * 90_000);
        // After it, unwrapping continues across the wrap from the negative side.
        assert_eq!(unwrap_33bit(-3000, 6000), 6000);
    }

    #[test]
    fn unwrap_33bit_follows_the_stream_across_the_wrap() {
        let near_end = PTS_WRAP - 3000;
        // After the wrap the raw counter restarts near zero; the continuous timeline keeps going.
        assert_eq!(unwrap_33bit(near_end, 0), PTS_WRAP);
        assert_eq!(unwrap_33bit(PTS_WRAP, 3000), PTS_WRAP + 3000);
        // A B-frame slightly before the wrap, seen after it, maps back before the wrap.
        assert_eq!(unwrap_33bit(PTS_WRAP + 10, (PTS_WRAP - 5) as u64), PTS_WRAP - 5);
        // Ordinary increments and bits above 33 in the raw value are ignored.
        assert_eq!(unwrap_33bit(126_000, 129_003), 129_003);
        assert_eq!(unwrap_33bit(0, (1u64 << 40) | 7), 7);
    }
}
