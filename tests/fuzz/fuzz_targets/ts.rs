//! MPEG-TS segments, whole and split in two consecutive segments (state carried between them).
#![no_main]

use libfuzzer_sys::fuzz_target;
use reelcut::demux::ts::TsDemuxer;

fuzz_target!(|data: &[u8]| {
    let _ = TsDemuxer::new().demux_segment(data);
    if data.len() > 1 {
        let (first, second) = data.split_at(data.len() / 2);
        let mut demuxer = TsDemuxer::new();
        let _ = demuxer.demux_segment(first);
        let _ = demuxer.demux_segment(second);
    }
});
