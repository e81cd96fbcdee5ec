//! WAV files (imported dub voices).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = reelcut::demux::wav::decode(data);
});
