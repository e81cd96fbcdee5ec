//! fMP4 media segments read with the fixture's init segment, and init segments on their own.
#![no_main]

use libfuzzer_sys::fuzz_target;
use reelcut::demux::boxes::{box_bytes, top_level_boxes};
use reelcut::demux::fmp4::FragmentReader;
use reelcut::demux::movie::Movie;

const INIT: &[u8] = include_bytes!("../../fixtures/hls_fmp4/init.mp4");

fuzz_target!(|data: &[u8]| {
    let boxes = top_level_boxes(INIT).expect("fixture init segment parses");
    let moov = boxes.iter().find(|b| &b.kind == b"moov").expect("fixture has moov");
    let movie = Movie::parse_moov(box_bytes(INIT, moov), u64::MAX).expect("fixture moov parses");
    let mut reader = FragmentReader::new(&movie);
    // Twice, so decode times carried from one segment to the next are exercised too.
    let _ = reader.read(data);
    let _ = reader.read(data);
    let _ = Movie::parse_moov(data, u64::MAX);
});
