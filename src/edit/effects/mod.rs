//! Effects as plain data, and what is on screen at a time.
//!
//! An [`Effect`] is one look, overlay or mask on the clip's timeline, active from `start` (included) to `end`
//! (excluded), seconds on the same timeline as the clip. Every number that can change over time is a
//! [`Param`]: a constant or keyframes with easing (keyframe times on the same timeline). Overlays and masks
//! sit at a [`Placement`] in display pixels (after rotation), or [`Follow`] a tracked subject's
//! [`TrackPath`], their offset and size then growing with the subject's box.
//!
//! [`active`] answers, for a time, which effects show and with what values; the renderer (the WebGL2 pass
//! in the browser, not wired yet) draws them in the order given: colour first is the usual order, so that
//! a look does not tint the stickers. Images and LUTs are referred to by index into the lists the renderer
//! holds (an `ImageBitmap` cannot be plain data); [`cube`] parses `.cube` LUT files for that list.
//!
//! Everything here is pure data and arithmetic: serialisable as JSON apart from the images, evaluated the
//! same natively and in the browser.

pub mod cube;
pub mod follow;
pub mod keyframes;

pub use follow::{Follow, PathAt, PathPoint, TrackPath};
pub use keyframes::{Easing, Keyframe, Param};

use crate::decimal::Fixed;
use crate::error::{Error, Result};

/// One effect on the clip's timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Effect {
    /// Seconds on the clip's timeline where it starts showing.
    pub start: f64,
    /// Seconds where it stops (the frame shown at `end` is without it).
    pub end: f64,
    /// What it does.
    pub kind: EffectKind,
}

/// The kinds of effect.
#[derive(Debug, Clone, PartialEq)]
pub enum EffectKind {
    /// A colour look over the whole frame.
    Color(Color),
    /// A line of text.
    Text(Text),
    /// An image or sticker (with alpha).
    Image(Image),
    /// A region blurred, pixelated or spot-lit.
    Mask(Mask),
}

/// A colour look. Each parameter's neutral value leaves the picture as it is ([`Color::default`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Color {
    /// Added to each channel, −1 to 1 of full scale (neutral 0).
    pub brightness: Param,
    /// Factor around mid-grey (neutral 1; 0 is flat grey).
    pub contrast: Param,
    /// Factor of the distance from grey (neutral 1; 0 is black and white).
    pub saturation: Param,
    /// Rotation of hues, degrees (neutral 0).
    pub hue: Param,
    /// −1 (cooler, bluer) to 1 (warmer, more orange) (neutral 0).
    pub temperature: Param,
    /// Darkening towards the corners, 0 (none) to 1 (black corners).
    pub vignette: Param,
    /// A 3D LUT, by index into the renderer's list of parsed [`cube::Lut3d`]s, applied after the rest.
    pub lut: Option<usize>,
    /// How much of the LUT's result is mixed in, 0 to 1 (1 when a LUT is given and nothing else is said).
    pub lut_strength: Param,
}

impl Default for Color {
    fn default() -> Color {
        Color {
            brightness: Param::constant(0.0),
            contrast: Param::constant(1.0),
            saturation: Param::constant(1.0),
            hue: Param::constant(0.0),
            temperature: Param::constant(0.0),
            vignette: Param::constant(0.0),
            lut: None,
            lut_strength: Param::constant(1.0),
        }
    }
}

/// Where an overlay or mask is drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    /// Centre, display pixels from the left; when following, the offset from the subject's centre.
    pub x: Param,
    /// Centre, display pixels from the top; when following, the offset from the subject's centre.
    pub y: Param,
    /// Size factor (1: the size given).
    pub scale: Param,
    /// Clockwise rotation about the centre, degrees.
    pub rotation: Param,
    /// 0 (invisible) to 1 (opaque).
    pub opacity: Param,
    /// A tracked subject to stay on.
    pub follow: Option<Follow>,
}

impl Placement {
    /// Centred at (`x`, `y`), unscaled, unrotated, opaque, not following.
    pub fn at(x: f64, y: f64) -> Placement {
        Placement {
            x: Param::constant(x),
            y: Param::constant(y),
            scale: Param::constant(1.0),
            rotation: Param::constant(0.0),
            opacity: Param::constant(1.0),
            follow: None,
        }
    }
}

/// Horizontal alignment of text lines about the placement's centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    /// Lines start at the centre.
    Left,
    /// Lines centred.
    #[default]
    Center,
    /// Lines end at the centre.
    Right,
}

/// A text overlay.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    /// What it says (lines split at `\n`).
    pub text: String,
    /// A CSS font family (`"Inter, sans-serif"`).
    pub font: String,
    /// Font size in display pixels at scale 1.
    pub size: f64,
    /// Fill colour, RGBA.
    pub color: [u8; 4],
    /// An outline: colour and width in display pixels at scale 1.
    pub outline: Option<([u8; 4], f64)>,
    /// A box behind the text, RGBA.
    pub background: Option<[u8; 4]>,
    /// How its lines align.
    pub align: Align,
    /// Where it is.
    pub place: Placement,
}

/// An image or sticker overlay.
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    /// Which image, by index into the renderer's list.
    pub image: usize,
    /// Width in display pixels at scale 1.
    pub width: f64,
    /// Height in display pixels at scale 1.
    pub height: f64,
    /// Where it is.
    pub place: Placement,
}

/// What a mask does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaskKind {
    /// Blurs inside the box (privacy); `amount` is the blur radius in display pixels.
    Blur,
    /// Pixelates inside the box; `amount` is the block size in display pixels.
    Pixelate,
    /// Darkens outside the box; `amount` is how much, 0 to 1.
    Spotlight,
}

/// A rectangular (rotatable) mask.
#[derive(Debug, Clone, PartialEq)]
pub struct Mask {
    /// What it does.
    pub kind: MaskKind,
    /// Width in display pixels at scale 1 (when following, at the path's start size).
    pub width: f64,
    /// Height, likewise.
    pub height: f64,
    /// Its strength, by kind.
    pub amount: Param,
    /// Where it is.
    pub place: Placement,
}

/// A colour look's values at a time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ColorAt {
    /// See [`Color::brightness`].
    pub brightness: f64,
    /// See [`Color::contrast`].
    pub contrast: f64,
    /// See [`Color::saturation`].
    pub saturation: f64,
    /// See [`Color::hue`].
    pub hue: f64,
    /// See [`Color::temperature`].
    pub temperature: f64,
    /// See [`Color::vignette`].
    pub vignette: f64,
    /// See [`Color::lut`].
    pub lut: Option<usize>,
    /// See [`Color::lut_strength`].
    pub lut_strength: f64,
}

/// An overlay's or mask's place at a time, in display pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placed {
    /// Centre, from the left.
    pub x: f64,
    /// Centre, from the top.
    pub y: f64,
    /// Size factor: the placement's, times the subject's growth when following with scale.
    pub scale: f64,
    /// Clockwise rotation, degrees.
    pub rotation: f64,
    /// 0 to 1.
    pub opacity: f64,
}

/// Where a follower, or a fixed overlay, is at a time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Place {
    /// Drawn here.
    At(Placed),
    /// Its subject is lost at that time: the renderer decides (hide a sticker; a privacy blur may cover
    /// the last place seen, or more).
    Lost,
    /// Its path does not cover that time (or names no path).
    Untracked,
}

/// An active effect's values at a time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Active<'a> {
    /// A colour look.
    Color(ColorAt),
    /// A text overlay and its place.
    Text(&'a Text, Place),
    /// An image overlay and its place.
    Image(&'a Image, Place),
    /// A mask, its place and its amount.
    Mask(&'a Mask, Place, f64),
}

impl Effect {
    /// Whether it shows at `time`: `start <= time < end`.
    pub fn is_active(&self, time: f64) -> bool {
        self.start <= time && time < self.end
    }

    /// Its values at `time`, or `None` when it is not active then. `paths` are the tracked paths that
    /// [`Follow::path`] indexes.
    pub fn at<'a>(&'a self, time: f64, paths: &[TrackPath]) -> Option<Active<'a>> {
        if !self.is_active(time) {
            return None;
        }
        Some(match &self.kind {
            EffectKind::Color(c) => Active::Color(ColorAt {
                brightness: c.brightness.at(time),
                contrast: c.contrast.at(time),
                saturation: c.saturation.at(time),
                hue: c.hue.at(time),
                temperature: c.temperature.at(time),
                vignette: c.vignette.at(time),
                lut: c.lut,
                lut_strength: c.lut_strength.at(time),
            }),
            EffectKind::Text(t) => Active::Text(t, place(&t.place, time, paths)),
            EffectKind::Image(i) => Active::Image(i, place(&i.place, time, paths)),
            EffectKind::Mask(m) => Active::Mask(m, place(&m.place, time, paths), m.amount.at(time)),
        })
    }

    /// Checks the numbers a renderer relies on: finite times with `start < end`, parameters as
    /// [`Param::check`] says, positive sizes, followed paths that exist (`paths` of them) and LUTs and
    /// images by index below `luts` and `images`. `malformed_input` (or `out_of_range` for an index) names
    /// the effect by its position `index`.
    pub fn check(&self, index: usize, counts: Counts) -> Result<()> {
        let name = |what: &str| format!("effect {index}: {what}");
        if !(self.start.is_finite() && self.end.is_finite() && self.start < self.end) {
            return Err(Error::malformed(name(&format!(
                "start {} s must come before end {} s",
                Fixed(self.start, 3),
                Fixed(self.end, 3)
            ))));
        }
        let positive = |value: f64, what: &str| {
            if value.is_finite() && value > 0.0 {
                Ok(())
            } else {
                Err(Error::malformed(name(&format!("{what} must be a positive number"))))
            }
        };
        let index_in = |value: usize, count: usize, what: &str| {
            if value < count {
                Ok(())
            } else {
                Err(Error::new(
                    crate::ErrorCode::OutOfRange,
                    name(&format!("{what} {value} does not exist ({count} given)")),
                ))
            }
        };
        let placement = |p: &Placement| -> Result<()> {
            for (param, what) in [
                (&p.x, "x"),
                (&p.y, "y"),
                (&p.scale, "scale"),
                (&p.rotation, "rotation"),
                (&p.opacity, "opacity"),
            ] {
                param.check(&name(what))?;
            }
            match p.follow {
                Some(f) => index_in(f.path, counts.paths, "tracked path"),
                None => Ok(()),
            }
        };
        match &self.kind {
            EffectKind::Color(c) => {
                for (param, what) in [
                    (&c.brightness, "brightness"),
                    (&c.contrast, "contrast"),
                    (&c.saturation, "saturation"),
                    (&c.hue, "hue"),
                    (&c.temperature, "temperature"),
                    (&c.vignette, "vignette"),
                    (&c.lut_strength, "lut strength"),
                ] {
                    param.check(&name(what))?;
                }
                match c.lut {
                    Some(lut) => index_in(lut, counts.luts, "LUT"),
                    None => Ok(()),
                }
            }
            EffectKind::Text(t) => {
                positive(t.size, "text size")?;
                if let Some((_, width)) = t.outline {
                    positive(width, "outline width")?;
                }
                placement(&t.place)
            }
            EffectKind::Image(i) => {
                positive(i.width, "image width")?;
                positive(i.height, "image height")?;
                index_in(i.image, counts.images, "image")?;
                placement(&i.place)
            }
            EffectKind::Mask(m) => {
                positive(m.width, "mask width")?;
                positive(m.height, "mask height")?;
                m.amount.check(&name("mask amount"))?;
                placement(&m.place)
            }
        }
    }
}

/// How many of each resource the renderer holds, for [`Effect::check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Tracked paths.
    pub paths: usize,
    /// Parsed LUTs.
    pub luts: usize,
    /// Images.
    pub images: usize,
}

/// Checks every effect ([`Effect::check`]).
pub fn check(effects: &[Effect], counts: Counts) -> Result<()> {
    effects.iter().enumerate().try_for_each(|(i, e)| e.check(i, counts))
}

/// The effects showing at `time`, in the order given, with their values then.
pub fn active<'a>(effects: &'a [Effect], paths: &'a [TrackPath], time: f64) -> impl Iterator<Item = Active<'a>> {
    effects.iter().filter_map(move |e| e.at(time, paths))
}

/// A placement's values at `time`: fixed, or following its path.
fn place(p: &Placement, time: f64, paths: &[TrackPath]) -> Place {
    let (x, y, scale) = (p.x.at(time), p.y.at(time), p.scale.at(time));
    let (x, y, grow) = match p.follow {
        None => (x, y, 1.0),
        Some(f) => match paths.get(f.path).map(|path| follow::follow(path, f, time, (x, y))) {
            Some(Ok(placed)) => placed,
            Some(Err(PathAt::Lost)) => return Place::Lost,
            _ => return Place::Untracked,
        },
    };
    Place::At(Placed {
        x,
        y,
        scale: scale * grow,
        rotation: p.rotation.at(time),
        opacity: p.opacity.at(time).clamp(0.0, 1.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::track::TrackBox;

    fn sticker(start: f64, end: f64, place: Placement) -> Effect {
        Effect {
            start,
            end,
            kind: EffectKind::Image(Image {
                image: 0,
                width: 64.0,
                height: 64.0,
                place,
            }),
        }
    }

    fn square(cx: f32, size: f32) -> TrackBox {
        TrackBox {
            cx,
            cy: 100.0,
            width: size,
            height: size,
        }
    }

    #[test]
    fn effects_are_active_from_start_up_to_end() {
        let effects = [
            Effect {
                start: 0.0,
                end: 10.0,
                kind: EffectKind::Color(Color {
                    saturation: Param::keyed(vec![
                        Keyframe {
                            time: 0.0,
                            value: 1.0,
                            easing: Easing::Linear,
                        },
                        Keyframe {
                            time: 2.0,
                            value: 0.0,
                            easing: Easing::Linear,
                        },
                    ])
                    .unwrap(),
                    ..Color::default()
                }),
            },
            sticker(2.0, 4.0, Placement::at(100.0, 50.0)),
        ];
        let at = |t: f64| active(&effects, &[], t).collect::<Vec<_>>();
        assert_eq!(at(-0.1), vec![]);
        let Active::Color(look) = at(1.0)[0] else { panic!() };
        assert_eq!((look.saturation, look.contrast, look.lut), (0.5, 1.0, None));
        assert_eq!(at(2.0).len(), 2, "start included");
        assert_eq!(at(4.0).len(), 1, "end excluded");
        assert_eq!(at(10.0), vec![]);
        assert_eq!(at(f64::NAN), vec![]);
        let Active::Image(_, Place::At(placed)) = at(3.0)[1] else {
            panic!()
        };
        assert_eq!(
            placed,
            Placed {
                x: 100.0,
                y: 50.0,
                scale: 1.0,
                rotation: 0.0,
                opacity: 1.0
            }
        );
    }

    #[test]
    fn a_follower_resolves_on_its_path_and_reports_loss() {
        let path = TrackPath {
            start: square(100.0, 40.0),
            points: vec![
                PathPoint {
                    time: 0.0,
                    bbox: Some(square(100.0, 40.0)),
                },
                PathPoint {
                    time: 1.0,
                    bbox: Some(square(200.0, 80.0)),
                },
                PathPoint { time: 2.0, bbox: None },
                PathPoint {
                    time: 3.0,
                    bbox: Some(square(300.0, 80.0)),
                },
            ],
        };
        let mut place = Placement::at(0.0, -30.0); // 30 px above the subject's centre
        place.follow = Some(Follow { path: 0, scale: true });
        place.scale = Param::constant(0.5);
        let effects = [sticker(0.0, 5.0, place)];
        let paths = [path];
        let at = |t: f64| match active(&effects, &paths, t).next() {
            Some(Active::Image(_, place)) => place,
            other => panic!("{other:?}"),
        };
        // Halfway between frames 0 and 1: the box is at 150 and 60 px wide (1.5× the start).
        let Place::At(p) = at(0.5) else { panic!() };
        assert_eq!((p.x, p.y, p.scale), (150.0, 100.0 - 45.0, 0.75));
        assert_eq!(at(2.5), Place::Lost);
        let Place::At(p) = at(3.2) else { panic!() };
        assert_eq!((p.x, p.scale), (300.0, 1.0));
        assert_eq!(at(4.5), Place::Untracked, "past the tracked frames");
        // A path index that does not exist: untracked, and refused by the check.
        let mut bad = effects[0].clone();
        if let EffectKind::Image(i) = &mut bad.kind {
            i.place.follow = Some(Follow { path: 3, scale: false });
        }
        assert!(matches!(bad.at(1.0, &paths), Some(Active::Image(_, Place::Untracked))));
        let err = bad
            .check(
                7,
                Counts {
                    paths: 1,
                    luts: 0,
                    images: 1,
                },
            )
            .unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::OutOfRange);
        assert_eq!(err.message(), "effect 7: tracked path 3 does not exist (1 given)");
    }

    #[test]
    fn checks_name_the_effect_and_the_problem() {
        let counts = Counts {
            paths: 0,
            luts: 1,
            images: 1,
        };
        let backwards = sticker(3.0, 1.0, Placement::at(0.0, 0.0));
        assert_eq!(
            backwards.check(2, counts).unwrap_err().message(),
            "effect 2: start 3.000 s must come before end 1.000 s"
        );
        let mut nan_x = sticker(0.0, 1.0, Placement::at(f64::NAN, 0.0));
        assert!(nan_x.check(0, counts).unwrap_err().message().starts_with("effect 0: x"));
        if let EffectKind::Image(i) = &mut nan_x.kind {
            i.place.x = Param::constant(1.0);
            i.width = 0.0;
        }
        assert!(nan_x.check(0, counts).unwrap_err().message().contains("image width"));
        let look = Effect {
            start: 0.0,
            end: 1.0,
            kind: EffectKind::Color(Color {
                lut: Some(1),
                ..Color::default()
            }),
        };
        assert!(look
            .check(0, counts)
            .unwrap_err()
            .message()
            .contains("LUT 1 does not exist"));
        let mask = Effect {
            start: 0.0,
            end: 1.0,
            kind: EffectKind::Mask(Mask {
                kind: MaskKind::Pixelate,
                width: 10.0,
                height: 10.0,
                amount: Param::constant(12.0),
                place: Placement::at(5.0, 5.0),
            }),
        };
        assert!(check(&[look.clone(), mask.clone()], counts).is_err());
        assert!(check(std::slice::from_ref(&mask), counts).is_ok());
        let Some(Active::Mask(_, Place::At(_), amount)) = mask.at(0.5, &[]) else {
            panic!()
        };
        assert_eq!(amount, 12.0);
    }
}
