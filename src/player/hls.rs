//! HLS playback rules without the browser: which variant to fetch, when to reload a live playlist.

/// A variant fits when its advertised bandwidth is within this share of the measured throughput: the rest
/// is headroom for throughput that varies between segments.
const BANDWIDTH_SAFETY: f64 = 0.7;

/// Each new throughput sample moves the estimate this far towards it.
const THROUGHPUT_WEIGHT: f64 = 0.4;

/// Downloads shorter than this say more about latency than about throughput and are not counted.
const MIN_SAMPLE_BYTES: f64 = 16.0 * 1024.0;

/// The stable period: downloads in a row after each of which the estimate afforded a variant above the one
/// fetched, before switching up to it.
pub const UP_AFTER_DOWNLOADS: u32 = 3;

/// Segments loaded (of any variant) before a variant whose segment failed may be chosen again.
const BANNED_FOR_DOWNLOADS: u32 = 10;

/// Seconds of media kept in hand when going down: the next segment must arrive this long before the
/// buffer ahead of the playhead runs out (time to demux and decode it, and for throughput to wobble).
const BUFFER_MARGIN: f64 = 1.0;

/// Adaptive bitrate: which variant of a master playlist each segment is fetched from.
///
/// - **Down at once** when the last download of the current variant was slow (it took longer than the
///   media it brought) or the throughput estimate no longer affords the current variant (its `BANDWIDTH`
///   above 0.7× the estimate), to the highest lower variant whose next segment, at the estimated
///   throughput, arrives at least [`BUFFER_MARGIN`] before the media buffered ahead of the playhead runs out;
///   the lowest when none would. Not playing (seeking, reading samples), the buffer sets no bound: the
///   highest variant that fits the estimate, else the lowest.
/// - **Up after a stable period**: once [`UP_AFTER_DOWNLOADS`] downloads in a row, none slow, each left an
///   estimate that afforded a higher variant, to the highest one the estimate affords.
/// - **A failing segment** bans its variant for [`BANNED_FOR_DOWNLOADS`] downloads; the same segment is
///   fetched from the highest lower variant.
/// - **Pinned** (`player.variant = i`), variant `i` is fetched whatever the throughput.
#[derive(Debug, Clone, Default)]
pub struct Abr {
    bandwidths: Vec<u64>,
    throughput: Throughput,
    /// Downloads in a row, none slow, that afforded a variant above the one fetched.
    affording: u32,
    /// The variant whose last counted download took longer than the media it brought.
    slow: Option<usize>,
    /// Per variant: downloads left before it may be chosen again after a failure.
    banned: Vec<u32>,
    pinned: Option<usize>,
}

impl Abr {
    /// The policy for variants advertising `bandwidths` (bits per second).
    pub fn new(bandwidths: Vec<u64>) -> Abr {
        Abr {
            banned: vec![0; bandwidths.len()],
            bandwidths,
            ..Abr::default()
        }
    }

    /// Fetches variant `index` from now on whatever the throughput; `None`: chooses again. An index out of
    /// range is ignored.
    pub fn pin(&mut self, index: Option<usize>) {
        self.pinned = index.filter(|&i| i < self.bandwidths.len());
        self.affording = 0;
    }

    /// The variant pinned, if any.
    pub fn pinned(&self) -> Option<usize> {
        self.pinned
    }

    /// Counts a download of variant `index`: `bytes` in `millis`, bringing `media_seconds` of media.
    pub fn downloaded(&mut self, index: usize, bytes: usize, millis: f64, media_seconds: f64) {
        for ban in &mut self.banned {
            *ban = ban.saturating_sub(1);
        }
        if !self.throughput.add(bytes, millis) {
            return;
        }
        self.slow = (millis > media_seconds * 1000.0).then_some(index);
        let need = self.bandwidths.get(index).copied().unwrap_or(u64::MAX);
        let above = self.highest(u64::MAX, self.budget()).is_some_and(|(_, b)| b > need);
        self.affording = if above && self.slow.is_none() {
            self.affording + 1
        } else {
            0
        };
    }

    /// A segment of variant `index` failed: it is not chosen for a while. Returns the variant to fetch the
    /// same segment from: the highest one below it not failing too, if any.
    pub fn failed(&mut self, index: usize) -> Option<usize> {
        let need = *self.bandwidths.get(index)?;
        self.banned[index] = BANNED_FOR_DOWNLOADS;
        self.affording = 0;
        self.highest(need, f64::INFINITY).map(|(i, _)| i)
    }

    /// The variant to fetch the next segment from, `current` being the one fetched last, with `ahead`
    /// seconds of media buffered ahead of the playhead when playing (`None` otherwise) and segments of about
    /// `segment_seconds`.
    pub fn choose(&self, current: usize, ahead: Option<f64>, segment_seconds: f64) -> usize {
        let Some(&need) = self.bandwidths.get(current) else {
            return 0;
        };
        if let Some(pinned) = self.pinned {
            return pinned;
        }
        let Some(estimate) = self.throughput.bits_per_second() else {
            return current;
        };
        let budget = estimate * BANDWIDTH_SAFETY;
        if self.slow == Some(current) || need as f64 > budget || !self.usable(current) {
            // At most what arrives in time, at the estimated throughput.
            let cap = ahead.map_or(budget, |ahead| estimate * (ahead - BUFFER_MARGIN) / segment_seconds);
            let lower = self.highest(need, cap).or_else(|| self.lowest());
            return lower.map_or(current, |(i, _)| i);
        }
        match self.highest(u64::MAX, budget) {
            Some((up, b)) if b > need && self.affording >= UP_AFTER_DOWNLOADS => up,
            _ => current,
        }
    }

    /// The throughput estimate, bits per second.
    pub fn throughput(&self) -> Option<f64> {
        self.throughput.bits_per_second()
    }

    /// The most bandwidth the estimate affords (0 before there is one).
    fn budget(&self) -> f64 {
        self.throughput.bits_per_second().unwrap_or(0.0) * BANDWIDTH_SAFETY
    }

    fn usable(&self, index: usize) -> bool {
        self.banned.get(index) == Some(&0)
    }

    /// The variant of highest bandwidth (index, bandwidth) not failing, under `below` and at most `cap`.
    fn highest(&self, below: u64, cap: f64) -> Option<(usize, u64)> {
        self.pick(below, cap, false)
    }

    /// The variant of lowest bandwidth not failing.
    fn lowest(&self) -> Option<(usize, u64)> {
        self.pick(u64::MAX, f64::INFINITY, true)
    }

    fn pick(&self, below: u64, cap: f64, lowest: bool) -> Option<(usize, u64)> {
        let mut best: Option<(usize, u64)> = None;
        for (i, &b) in self.bandwidths.iter().enumerate() {
            let better = best.is_none_or(|(_, kept)| if lowest { b < kept } else { b > kept });
            if b < below && b as f64 <= cap && self.usable(i) && better {
                best = Some((i, b));
            }
        }
        best
    }
}

/// A running estimate of download throughput from segment fetches.
#[derive(Debug, Clone, Copy, Default)]
pub struct Throughput {
    bits_per_second: Option<f64>,
}

impl Throughput {
    /// Counts a download of `bytes` that took `millis`; returns whether it was counted.
    pub fn add(&mut self, bytes: usize, millis: f64) -> bool {
        let bytes = bytes as f64;
        if bytes < MIN_SAMPLE_BYTES || millis.is_nan() {
            return false;
        }
        let sample = bytes * 8.0 * 1000.0 / millis.max(1.0);
        self.bits_per_second = Some(match self.bits_per_second {
            Some(estimate) => estimate + THROUGHPUT_WEIGHT * (sample - estimate),
            None => sample,
        });
        true
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

    /// Three variants: 3 Mbit/s, 1 Mbit/s, 300 kbit/s (in a master playlist's order, not sorted).
    fn three() -> Abr {
        Abr::new(vec![1_000_000, 3_000_000, 300_000])
    }

    /// A 2 s segment of `kbytes` that took `millis`.
    fn download(abr: &mut Abr, index: usize, kbytes: usize, millis: f64) {
        abr.downloaded(index, kbytes * 1000, millis, 2.0);
    }

    /// `count` fast downloads of variant `index` (250 kB in 100 ms: 20 Mbit/s, which affords any variant),
    /// after each of which the choice stays on it.
    fn fast_and_staying(abr: &mut Abr, index: usize, count: u32) {
        for _ in 0..count {
            download(abr, index, 250, 100.0);
            assert_eq!(abr.choose(index, Some(10.0), 2.0), index);
        }
    }

    #[test]
    fn without_a_measurement_the_variant_stays() {
        let abr = three();
        assert_eq!(abr.choose(1, Some(10.0), 2.0), 1);
        assert_eq!(Abr::new(Vec::new()).choose(0, None, 2.0), 0);
    }

    #[test]
    fn down_at_once_on_a_slow_segment_as_far_as_the_buffer_needs() {
        let mut abr = three();
        // 750 kB of 2 s of media in 2.5 s: 2.4 Mbit/s, slower than real time.
        download(&mut abr, 1, 750, 2500.0);
        // Ten seconds buffered: 1 Mbit/s arrives in 0.83 s, well in time.
        assert_eq!(abr.choose(1, Some(10.0), 2.0), 0);
        // 1.5 s buffered: only the 300 kbit/s segment (0.25 s) arrives a second before it runs out.
        assert_eq!(abr.choose(1, Some(1.5), 2.0), 2);
        // Nothing arrives in time: the lowest.
        assert_eq!(abr.choose(1, Some(0.5), 2.0), 2);
        // Not playing: the highest that fits the estimate.
        assert_eq!(abr.choose(1, None, 2.0), 0);
        // The slow download was of the top variant: the one below is not slow for it.
        assert_eq!(abr.choose(0, Some(10.0), 2.0), 0);
    }

    #[test]
    fn down_when_the_estimate_no_longer_affords_the_variant() {
        let mut abr = three();
        // 400 kB in 1 s: 3.2 Mbit/s, faster than real time but 3 Mbit/s is over 0.7 of it.
        download(&mut abr, 1, 400, 1000.0);
        assert_eq!(abr.choose(1, Some(10.0), 2.0), 0);
        // Tiny downloads count for nothing.
        let mut tiny = three();
        tiny.downloaded(1, 1000, 5000.0, 2.0);
        assert_eq!(tiny.throughput(), None);
        assert_eq!(tiny.choose(1, Some(10.0), 2.0), 1);
    }

    #[test]
    fn up_only_after_the_stable_period() {
        let mut abr = three();
        fast_and_staying(&mut abr, 2, UP_AFTER_DOWNLOADS - 1);
        // A slow download in between starts the period again.
        download(&mut abr, 2, 75, 2500.0);
        fast_and_staying(&mut abr, 2, UP_AFTER_DOWNLOADS - 1);
        download(&mut abr, 2, 250, 100.0);
        // Straight to the highest the estimate affords.
        assert_eq!(abr.choose(2, Some(10.0), 2.0), 1);
        // At the top, nothing above: it stays.
        for _ in 0..UP_AFTER_DOWNLOADS {
            download(&mut abr, 1, 750, 100.0);
        }
        assert_eq!(abr.choose(1, Some(10.0), 2.0), 1);
    }

    #[test]
    fn a_failing_variant_falls_back_and_is_left_alone_for_a_while() {
        let mut abr = three();
        for _ in 0..UP_AFTER_DOWNLOADS {
            download(&mut abr, 1, 750, 100.0);
        }
        assert_eq!(abr.failed(1), Some(0));
        // While banned, fast downloads do not bring it back; then the stable period again, from the download
        // that ends the ban.
        fast_and_staying(&mut abr, 0, BANNED_FOR_DOWNLOADS + UP_AFTER_DOWNLOADS - 2);
        download(&mut abr, 0, 250, 100.0);
        assert_eq!(abr.choose(0, Some(10.0), 2.0), 1);
        // The failing variant is the one fetched: the choice leaves it at once.
        assert_eq!(abr.failed(0), Some(2));
        assert_eq!(abr.choose(0, Some(10.0), 2.0), 2);
        // Nothing below the lowest, or below a variant whose lower ones fail too.
        assert_eq!(abr.failed(2), None);
        assert_eq!(abr.failed(7), None);
    }

    #[test]
    fn a_pinned_variant_stays_until_unpinned() {
        let mut abr = three();
        abr.pin(Some(2));
        fast_and_staying(&mut abr, 2, 2 * UP_AFTER_DOWNLOADS);
        abr.pin(None);
        assert_eq!(abr.pinned(), None);
        fast_and_staying(&mut abr, 2, UP_AFTER_DOWNLOADS - 1);
        download(&mut abr, 2, 250, 100.0);
        assert_eq!(abr.choose(2, Some(10.0), 2.0), 1);
        abr.pin(Some(9));
        assert_eq!(abr.pinned(), None);
    }

    #[test]
    fn throughput_follows_downloads_and_ignores_tiny_ones() {
        let mut throughput = Throughput::default();
        assert!(!throughput.add(100, 1.0));
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
