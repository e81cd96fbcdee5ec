//! Containers to samples: MP4 (progressive and fragmented) and MPEG-TS, each into [`crate::media::Demuxed`].

mod audio_es;
pub mod boxes;
pub mod fmp4;
mod moov;
pub mod mp4;
mod reader;
mod sample_entry;
pub mod ts;
pub mod wav;

/// A container format the demuxers read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// ISO BMFF: MP4, M4A, fMP4 segments.
    Mp4,
    /// MPEG transport stream.
    Ts,
}

/// Box types that can open an MP4 file or an fMP4 segment.
const LEADING_BOXES: [&[u8; 4]; 8] = [b"ftyp", b"styp", b"moov", b"moof", b"mdat", b"free", b"skip", b"sidx"];

/// Recognises the container from the first bytes of a file (two TS packets, or a box header).
pub fn detect_format(bytes: &[u8]) -> Option<Format> {
    if bytes.first() == Some(&0x47) && bytes.get(188).is_none_or(|b| *b == 0x47) {
        return Some(Format::Ts);
    }
    let kind = bytes.get(4..8)?;
    LEADING_BOXES
        .iter()
        .any(|known| kind == &known[..])
        .then_some(Format::Mp4)
}
