//! The `tkhd` display matrix and [`Display`]: how a track's pictures are turned and mirrored on screen.
//!
//! The matrix maps a picture's point (x, y) to (a·x + c·y + tx, b·x + d·y + ty) (16.16 fixed point; the
//! translation only places the picture and is not read). [`Display`] flips the picture left to right (when
//! mirrored), then turns it clockwise; as a matrix that is the flip, then the turn: the second row (c, d)
//! is the turn's alone, (0, 1), (-1, 0), (0, -1), (1, 0) for 0, 90, 180 and 270 degrees, and the first
//! row is the turn's (1, 0), (0, 1), (-1, 0), (0, -1), negated by the flip.
//!
//! ffprobe reports an unmirrored track's turn as its `rotation` side data, counter-clockwise (-90 is a
//! quarter turn clockwise). For a mirrored matrix it turns first and flips the turned picture, so its
//! rotation is ours taken the other way round: `sample_rotate_and_reflect.mp4`'s transpose (0 1 / 1 0) is
//! our mirror + 270, ffprobe's -90 with a flip.

use crate::media::Display;

/// 1.0 in 16.16 fixed point.
const ONE: i32 = 0x0001_0000;

/// The turn and mirroring of a `tkhd` matrix's top-left 2x2 `[a, b, c, d]`; mirrored when its determinant
/// is negative. A matrix that turns by another angle (or shears) is read as the nearest quarter turn:
/// players show pictures upright or on their side, never askew. The pixel aspect ratio is square (it comes
/// from `pasp`, not the matrix).
pub fn display_of([a, b, c, d]: [i32; 4]) -> Display {
    let rotation = if d.unsigned_abs() >= c.unsigned_abs() {
        if d >= 0 {
            0
        } else {
            180
        }
    } else if c < 0 {
        90
    } else {
        270
    };
    Display {
        rotation,
        mirror: i64::from(a) * i64::from(d) < i64::from(b) * i64::from(c),
        pixel_aspect: (1, 1),
    }
}

/// The `tkhd` matrix's top-left 2x2 `[a, b, c, d]` that shows pictures as `display` turns and mirrors them
/// (the inverse of [`display_of`]).
pub fn matrix_of(display: &Display) -> [i32; 4] {
    let ([a, b], [c, d]) = match display.rotation {
        90 => ([0, ONE], [-ONE, 0]),
        180 => ([-ONE, 0], [0, -ONE]),
        270 => ([0, -ONE], [ONE, 0]),
        _ => ([ONE, 0], [0, ONE]),
    };
    if display.mirror {
        [-a, -b, c, d]
    } else {
        [a, b, c, d]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_matrices_to_quarter_turns() {
        let turn = |matrix| {
            let display = display_of(matrix);
            (display.rotation, display.mirror)
        };
        assert_eq!(turn([ONE, 0, 0, ONE]), (0, false));
        // Phones' portrait video: a quarter turn clockwise (ffprobe's rotation -90).
        assert_eq!(turn([0, ONE, -ONE, 0]), (90, false));
        assert_eq!(turn([-ONE, 0, 0, -ONE]), (180, false));
        assert_eq!(turn([0, -ONE, ONE, 0]), (270, false));
        // Flipped left to right, then turned.
        assert_eq!(turn([-ONE, 0, 0, ONE]), (0, true));
        assert_eq!(turn([0, ONE, ONE, 0]), (270, true));
        assert_eq!(turn([0, -ONE, -ONE, 0]), (90, true));
        // 30° and 60° clockwise, scaled by two: the nearest quarter turns.
        let (cos30, sin30) = (113_512, 65_536);
        assert_eq!(turn([cos30, sin30, -sin30, cos30]), (0, false));
        assert_eq!(turn([sin30, cos30, -cos30, sin30]), (90, false));
        // A degenerate matrix does not panic.
        assert_eq!(turn([i32::MIN, i32::MIN, i32::MIN, i32::MIN]), (180, false));
    }

    #[test]
    fn every_display_survives_its_matrix() {
        for rotation in [0, 90, 180, 270] {
            for mirror in [false, true] {
                let display = Display {
                    rotation,
                    mirror,
                    pixel_aspect: (1, 1),
                };
                assert_eq!(display_of(matrix_of(&display)), display);
            }
        }
    }
}
