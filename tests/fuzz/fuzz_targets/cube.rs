//! `.cube` 3D LUT files (colour looks).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = reelcut::edit::effects::cube::parse_cube(data);
});
