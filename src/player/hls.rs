//! HLS playback rules without the browser: which variant to fetch, when to reload a live playlist.

/// A variant is picked when its advertised bandwidth fits in this share of the measured throughput: the
/// rest is headroom for throughput that varies between segments.
const BANDWIDTH_SAFETY: f64 = 0.7;

/// Each new throughput sample moves the estimate this far towards it.
const THROUGHPUT_WEIGHT: f64 = 0.4;

/// Downloads shorter than this say more about latency than about throughput and are not counted.
const MIN_SAMPLE_BYTES: f64 = 16.0 * 1024.0;

/// The variant to fetch next: the highest advertised bandwidth that fits the measured throughput (bits per
/// second), else the lowest. Without a measurement yet, `current` stays.
pub fn choose_variant(bandwidths: &[u64], throughput_bps: Option<f64>, current: usize) -> usize {
    let Some(throughput) = throughput_bps else {
        return current.min(bandwidths.len().saturating_sub(1));
    };
    let budget = throughput * BANDWIDTH_SAFETY;
    let fitting = bandwidths
        .iter()
        .enumerate()
        .filter(|(_, &b)| b as f64 <= budget)
        .max_by_key(|(_, &b)| b);
    let lowest = bandwidths.iter().enumerate().min_by_key(|(_, &b)| b);
    fitting.or(lowest).map_or(0, |(i, _)| i)
}

/// A running estimate of download throughput from segment fetches.
#[derive(Debug, Clone, Copy, Default)]
pub struct Throughput {
    bits_per_second: Option<f64>,
}

impl Throughput {
    /// Counts a download of `bytes` that took `millis`.
    pub fn add(&mut self, bytes: usize, millis: f64) {
        let bytes = bytes as f64;
        if bytes < MIN_SAMPLE_BYTES || millis.is_nan() {
            return;
        }
        let sample = bytes * 8.0 * 1000.0 / millis.max(1.0);
        self.bits_per_second = Some(match self.bits_per_second {
            Some(estimate) => estimate + THROUGHPUT_WEIGHT * (sample - estimate),
            None => sample,
        });
    }

    /// The estimate, bits per second (`None` before the first counted download).
    pub fn bits_per_second(&self) -> Option<f64> {
        self.bits_per_second
    }
}

/// Seconds to wait before reloading a live playlist (RFC 8216 §6.3.4): one target duration after a reload
/// that brought new segments, half of one after a reload that did not.
pub fn reload_delay(target_duration: f64, changed: bool) -> f64 {
    let target = target_duration.max(0.5);
    if changed {
        target
    } else {
        target / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_highest_variant_that_fits_else_the_lowest() {
        let bandwidths = [522_640, 209_808];
        assert_eq!(choose_variant(&bandwidths, None, 0), 0);
        assert_eq!(choose_variant(&bandwidths, Some(10e6), 1), 0);
        assert_eq!(choose_variant(&bandwidths, Some(500_000.0), 0), 1);
        assert_eq!(choose_variant(&bandwidths, Some(1000.0), 0), 1);
        assert_eq!(choose_variant(&[], Some(1000.0), 0), 0);
    }

    #[test]
    fn throughput_follows_downloads_and_ignores_tiny_ones() {
        let mut throughput = Throughput::default();
        throughput.add(100, 1.0);
        assert_eq!(throughput.bits_per_second(), None);
        throughput.add(125_000, 1000.0); // 1 Mbit/s
        assert_eq!(throughput.bits_per_second(), Some(1e6));
        throughput.add(250_000, 1000.0); // 2 Mbit/s
        assert_eq!(throughput.bits_per_second(), Some(1.4e6));
    }

    #[test]
    fn reload_cadence() {
        assert_eq!(reload_delay(2.0, true), 2.0);
        assert_eq!(reload_delay(2.0, false), 1.0);
    }
}
