//! Progressive and fragmented MP4 files, and `moov` boxes on their own (as Range I/O parses them).
#![no_main]

use libfuzzer_sys::fuzz_target;
use reelcut::demux::boxes::read_header;
use reelcut::demux::movie::Movie;
use reelcut::demux::mp4::demux;

fuzz_target!(|data: &[u8]| {
    let _ = demux(data);
    let _ = Movie::parse_moov(data, data.len() as u64);
    let _ = read_header(data, 0);
});
