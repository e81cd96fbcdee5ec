//! Catching up with a live edge by playing slightly faster instead of jumping.
//!
//! A live player keeps a hold-back from the edge (`PART-HOLD-BACK`, or three target durations). A stall, a
//! slow start or a late part leaves it further behind; jumping forward would skip pictures and sound, so it
//! plays at [`CATCH_UP_RATE`] until it is back on target, then at 1 again. Hysteresis keeps the rate from
//! flapping: the catch-up starts once the player is more than [`START_BEHIND`] behind and ends only once it
//! is within [`ON_TARGET`]. A player further behind than a target duration is taken to be watching the
//! replay (a seek back, a long pause) and keeps its pace: `goLive()` brings it back.

/// The live edge on the media timeline as the clock runs. A playlist received says the edge had reached at
/// least the end of its newest part when it arrived, and the edge moves on with the clock: the most timely
/// playlist (received soonest after its newest part was out) gives the best of these lower bounds, so one
/// that arrives late (a slow network, a busy page) does not pull the estimate back.
#[derive(Debug, Clone, Copy)]
pub struct LiveEdge {
    /// The edge's media time less the clock's time, seconds (-∞ before a playlist is received).
    origin: f64,
}

impl Default for LiveEdge {
    fn default() -> Self {
        LiveEdge {
            origin: f64::NEG_INFINITY,
        }
    }
}

impl LiveEdge {
    /// A playlist whose newest part ends at media time `end` was received at clock time `now` (seconds).
    pub fn received(&mut self, end: f64, now: f64) {
        self.origin = self.origin.max(end - now);
    }

    /// The edge's media time at clock time `now` (-∞ before a playlist is received).
    pub fn at(&self, now: f64) -> f64 {
        self.origin + now
    }
}

/// The catch-up speed. The sound plays faster too, its pitch raised by 0.84 semitone (less than the smallest
/// step of a melody; speech stays natural) rather than time-stretched; at this speed a start-up of 0.2 s is
/// made up in 4 s, a late part of 1/3 s in under 7 s.
pub const CATCH_UP_RATE: f64 = 1.05;

/// Behind by more than this (seconds), the player catches up: above the jitter of the edge estimate (a
/// playlist arriving a few milliseconds late), below a start-up's delay (0.1 to 0.2 s).
const START_BEHIND: f64 = 0.1;

/// Within this of the target (seconds), the catch-up ends.
const ON_TARGET: f64 = 0.02;

/// The rate to play at, `behind` seconds behind the live target when the change would take effect (sound
/// already scheduled plays out at the rate it was scheduled at, up to a second), playing at `rate` now, on a
/// stream of `target_duration` second segments.
pub fn catch_up_rate(behind: f64, rate: f64, target_duration: f64) -> f64 {
    if behind <= ON_TARGET || behind > target_duration {
        1.0
    } else if behind > START_BEHIND {
        CATCH_UP_RATE
    } else {
        rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_edge_runs_with_the_clock_from_the_most_timely_playlist() {
        let mut edge = LiveEdge::default();
        assert_eq!(edge.at(5.0), f64::NEG_INFINITY);
        // Received at once: the part ending at 10 s was out at clock time 100 s.
        edge.received(10.0, 100.0);
        assert_eq!(edge.at(100.25), 10.25);
        // The next part's playlist arrives 0.2 s late: the edge was further on than it says.
        edge.received(10.5, 100.7);
        assert_eq!(edge.at(101.0), 11.0);
    }

    #[test]
    fn catches_up_with_hysteresis_and_leaves_the_replay_alone() {
        // On target, or a little behind: no change.
        assert_eq!(catch_up_rate(0.0, 1.0, 2.0), 1.0);
        assert_eq!(catch_up_rate(0.09, 1.0, 2.0), 1.0);
        // Behind by a start-up: faster, and faster still while it closes in...
        assert_eq!(catch_up_rate(0.15, 1.0, 2.0), CATCH_UP_RATE);
        assert_eq!(catch_up_rate(0.05, CATCH_UP_RATE, 2.0), CATCH_UP_RATE);
        // ...until it is on target (or ahead).
        assert_eq!(catch_up_rate(0.01, CATCH_UP_RATE, 2.0), 1.0);
        assert_eq!(catch_up_rate(-0.3, CATCH_UP_RATE, 2.0), 1.0);
        // A stall of under a segment is caught up; further behind is the replay.
        assert_eq!(catch_up_rate(1.9, 1.0, 2.0), CATCH_UP_RATE);
        assert_eq!(catch_up_rate(2.5, 1.0, 2.0), 1.0);
        assert_eq!(catch_up_rate(2.5, CATCH_UP_RATE, 2.0), 1.0);
    }
}
