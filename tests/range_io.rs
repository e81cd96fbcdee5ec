//! Range I/O: an MP4's index comes from a few header reads and the `moov` box, never from `mdat`, and
//! equals what demuxing the whole file gives.

// A failed unwrap here is a failed test, not a crash in a user's browser.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use reelcut::demux::boxes::{BoxLocator, Locate};
use reelcut::demux::movie::Movie;
use reelcut::demux::mp4;

#[test]
fn moov_at_the_end_is_found_with_header_reads_only() {
    for name in ["high_bframes_moovend.mp4", "baseline_mono44k_faststart.mp4"] {
        let file = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)).unwrap();
        let mut locator = BoxLocator::new(*b"moov", file.len() as u64);
        let (mut reads, mut bytes_read) = (0, 0);
        let mut step = locator.start();
        let (offset, size) = loop {
            match step {
                Locate::Read { offset, len } => {
                    reads += 1;
                    bytes_read += len;
                    step = locator.feed(&file[offset as usize..(offset + len) as usize]).unwrap();
                }
                Locate::Found { offset, size } => break (offset, size),
            }
        };
        assert!(reads <= 4, "{name}: {reads} header reads");
        let moov = &file[offset as usize..(offset + size) as usize];
        bytes_read += size;
        assert!(
            bytes_read * 20 < file.len() as u64,
            "{name}: read {bytes_read} of {} bytes",
            file.len()
        );
        let indexed = Movie::parse_moov(moov, file.len() as u64).unwrap().into_demuxed();
        assert_eq!(indexed, mp4::demux(&file).unwrap(), "{name}");
    }
}
