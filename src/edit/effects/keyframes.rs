//! Animated numbers: a parameter is a constant, or keyframes on the clip's timeline with an easing that
//! shapes each stretch between two of them (a caption that fades in, a look that warms up over a second).

use crate::decimal::Fixed;
use crate::error::{Error, Result};

/// How a stretch between two keyframes is travelled; the stretch takes the easing of the keyframe it starts
/// at. The curves are cubic (close to CSS's `ease-in`/`ease-out` without its Bézier solve).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Easing {
    /// At constant speed.
    #[default]
    Linear,
    /// Starting slowly: x³.
    EaseIn,
    /// Ending slowly: 1 − (1 − x)³.
    EaseOut,
    /// Slow at both ends: the two halves of the above, joined in the middle.
    EaseInOut,
    /// No travel: the value holds until the next keyframe, then jumps.
    Hold,
}

impl Easing {
    /// `"linear"`, `"ease-in"`, `"ease-out"`, `"ease-in-out"` or `"hold"`, as the JS API names them.
    pub fn parse(name: &str) -> Result<Easing> {
        Ok(match name {
            "linear" => Easing::Linear,
            "ease-in" => Easing::EaseIn,
            "ease-out" => Easing::EaseOut,
            "ease-in-out" => Easing::EaseInOut,
            "hold" => Easing::Hold,
            other => {
                return Err(Error::malformed(format!(
                    "unknown easing '{other}': use 'linear', 'ease-in', 'ease-out', 'ease-in-out' or 'hold'"
                )))
            }
        })
    }

    /// How far along the value is (0 to 1) when `x` (0 to 1, clamped) of the stretch's time has passed.
    pub fn apply(self, x: f64) -> f64 {
        let x = if x.is_nan() { 0.0 } else { x.clamp(0.0, 1.0) };
        match self {
            Easing::Linear => x,
            Easing::EaseIn => x * x * x,
            Easing::EaseOut => 1.0 - (1.0 - x) * (1.0 - x) * (1.0 - x),
            Easing::EaseInOut if x < 0.5 => 4.0 * x * x * x,
            Easing::EaseInOut => {
                let y = 2.0 - 2.0 * x;
                1.0 - y * y * y / 2.0
            }
            Easing::Hold => 0.0,
        }
    }
}

/// A value at a time on the clip's timeline (seconds), and how the stretch to the next keyframe goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Keyframe {
    /// Seconds on the clip's timeline (the same timeline as an effect's `start` and `end`).
    pub time: f64,
    /// The value at that time.
    pub value: f64,
    /// How the value travels to the next keyframe's.
    pub easing: Easing,
}

/// A number an effect animates: `value` when there are no keyframes; otherwise the first keyframe's value
/// before it, the last one's after it, and eased between.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Param {
    /// The value when there are no keyframes.
    pub value: f64,
    /// In time order (equal times make a jump); see [`Param::check`].
    pub keyframes: Vec<Keyframe>,
}

impl Param {
    /// A value that does not change.
    pub fn constant(value: f64) -> Param {
        Param {
            value,
            keyframes: Vec::new(),
        }
    }

    /// A value animated by `keyframes` (checked as by [`Param::check`]).
    pub fn keyed(keyframes: Vec<Keyframe>) -> Result<Param> {
        let param = Param {
            value: keyframes.first().map_or(0.0, |k| k.value),
            keyframes,
        };
        param.check("parameter")?;
        Ok(param)
    }

    /// The value at `time` (seconds on the clip's timeline). Never fails: a NaN time reads the start.
    pub fn at(&self, time: f64) -> f64 {
        let (Some(first), Some(last)) = (self.keyframes.first(), self.keyframes.last()) else {
            return self.value;
        };
        if time.is_nan() || time <= first.time {
            return first.value;
        }
        if time >= last.time {
            return last.value;
        }
        // The stretch [from.time, to.time) that holds `time`: first.time < time < last.time, so both exist
        // and from.time <= time < to.time.
        let next = self.keyframes.partition_point(|k| k.time <= time);
        let (Some(from), Some(to)) = (self.keyframes.get(next.wrapping_sub(1)), self.keyframes.get(next)) else {
            return last.value;
        };
        let span = to.time - from.time;
        let progress = if span > 0.0 { (time - from.time) / span } else { 1.0 };
        from.value + (to.value - from.value) * from.easing.apply(progress)
    }

    /// Checks that every number is finite and the keyframes are in time order; `what` names the parameter
    /// in the message (`malformed_input`).
    pub fn check(&self, what: &str) -> Result<()> {
        if !self.value.is_finite() {
            return Err(Error::malformed(format!("{what}: the value is not a finite number")));
        }
        let mut previous = f64::NEG_INFINITY;
        for (i, key) in self.keyframes.iter().enumerate() {
            if !key.time.is_finite() || !key.value.is_finite() {
                return Err(Error::malformed(format!(
                    "{what}: keyframe {i} has a time or value that is not a finite number"
                )));
            }
            if key.time < previous {
                return Err(Error::malformed(format!(
                    "{what}: keyframe {i} at {} s comes before the one ahead of it at {} s: keyframes go in time order",
                    Fixed(key.time, 3),
                    Fixed(previous, 3)
                )));
            }
            previous = key.time;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(time: f64, value: f64, easing: Easing) -> Keyframe {
        Keyframe { time, value, easing }
    }

    #[test]
    fn every_easing_starts_at_0_and_ends_at_1_except_hold() {
        for easing in [Easing::Linear, Easing::EaseIn, Easing::EaseOut, Easing::EaseInOut] {
            assert_eq!(easing.apply(0.0), 0.0, "{easing:?}");
            assert!((easing.apply(1.0) - 1.0).abs() < 1e-12, "{easing:?}");
            assert_eq!(easing.apply(-3.0), 0.0, "clamped");
            assert!((easing.apply(7.0) - 1.0).abs() < 1e-12, "clamped");
            assert_eq!(easing.apply(f64::NAN), 0.0);
            // Monotonic.
            let mut previous = 0.0;
            for step in 1..=100 {
                let y = easing.apply(f64::from(step) / 100.0);
                assert!(y >= previous, "{easing:?} at {step}");
                previous = y;
            }
        }
        assert_eq!(Easing::Hold.apply(0.999), 0.0);
        // Shapes: slow start, slow end, symmetric in-out through the middle.
        assert!(Easing::EaseIn.apply(0.5) < 0.5 && Easing::EaseOut.apply(0.5) > 0.5);
        assert!((Easing::EaseInOut.apply(0.5) - 0.5).abs() < 1e-12);
        assert!((Easing::EaseInOut.apply(0.25) + Easing::EaseInOut.apply(0.75) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn easing_names_parse_and_unknown_ones_are_refused() {
        assert_eq!(Easing::parse("ease-in-out").unwrap(), Easing::EaseInOut);
        assert_eq!(Easing::parse("hold").unwrap(), Easing::Hold);
        assert!(Easing::parse("bounce").unwrap_err().message().contains("bounce"));
    }

    #[test]
    fn keyframes_interpolate_with_the_easing_of_the_stretch_start() {
        let param = Param::keyed(vec![
            key(1.0, 10.0, Easing::Linear),
            key(3.0, 20.0, Easing::EaseIn),
            key(5.0, 0.0, Easing::Hold),
            key(6.0, 8.0, Easing::Linear),
        ])
        .unwrap();
        assert_eq!(param.at(0.0), 10.0, "before the first keyframe");
        assert_eq!(param.at(1.0), 10.0);
        assert_eq!(param.at(2.0), 15.0, "linear halfway");
        assert_eq!(param.at(3.0), 20.0, "on a keyframe");
        assert_eq!(
            param.at(4.0),
            20.0 - 20.0 * 0.125,
            "ease-in halfway: an eighth of the way"
        );
        assert_eq!(param.at(5.5), 0.0, "hold");
        assert_eq!(param.at(5.999), 0.0, "hold until the next");
        assert_eq!(param.at(6.0), 8.0, "then the jump");
        assert_eq!(param.at(100.0), 8.0, "after the last keyframe");
        assert_eq!(param.at(f64::NAN), 10.0);
        assert_eq!(param.at(f64::INFINITY), 8.0);
        assert_eq!(param.at(f64::NEG_INFINITY), 10.0);
        assert_eq!(Param::constant(0.7).at(42.0), 0.7);
    }

    #[test]
    fn keyframes_at_the_same_time_jump() {
        let param = Param::keyed(vec![
            key(1.0, 0.0, Easing::Linear),
            key(2.0, 1.0, Easing::Linear),
            key(2.0, 5.0, Easing::Linear),
            key(3.0, 6.0, Easing::Linear),
        ])
        .unwrap();
        assert_eq!(param.at(1.5), 0.5);
        assert_eq!(param.at(2.0), 5.0);
        assert_eq!(param.at(2.5), 5.5);
    }

    #[test]
    fn keyframes_out_of_order_or_not_finite_are_refused() {
        let err = Param::keyed(vec![key(2.0, 0.0, Easing::Linear), key(1.0, 1.0, Easing::Linear)]).unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::MalformedInput);
        assert!(err.message().contains("1.000 s comes before"), "{}", err.message());
        assert!(Param::keyed(vec![key(f64::NAN, 0.0, Easing::Linear)]).is_err());
        assert!(Param::keyed(vec![key(0.0, f64::INFINITY, Easing::Linear)]).is_err());
        assert!(Param::constant(f64::NAN).check("brightness").is_err());
        // Evaluating unchecked keyframes out of order still answers, never panics.
        let unchecked = Param {
            value: 0.0,
            keyframes: vec![
                key(5.0, 1.0, Easing::Linear),
                key(1.0, 2.0, Easing::Linear),
                key(3.0, 3.0, Easing::Linear),
            ],
        };
        for t in [0.0, 2.0, 4.0, 6.0] {
            assert!(unchecked.at(t).is_finite());
        }
    }
}
