//! Containers to samples: MP4 (progressive and fragmented), MPEG-TS and HLS packed audio, each into
//! [`crate::media::Demuxed`].

mod audio_es;
pub mod boxes;
pub mod fmp4;
mod moov;
pub mod movie;
pub mod mp4;
pub mod packed_audio;
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
    /// HLS packed audio: ADTS AAC, MP3 or AC-3 frames behind an ID3 tag (or a bare `.aac`/`.mp3` file).
    PackedAudio,
}

/// Box types that can open an MP4 file or an fMP4 segment.
const LEADING_BOXES: [&[u8; 4]; 8] = [b"ftyp", b"styp", b"moov", b"moof", b"mdat", b"free", b"skip", b"sidx"];

/// How far into a file MPEG-TS packets are looked for when it does not start with one (junk in front).
const TS_SEARCH: usize = 4096;

/// Recognises the container from the first bytes of a file: two TS packets, a box header, an ID3 tag or
/// audio frames (packed audio), or else three TS packets 188 bytes apart within the first 4 KiB (a
/// transport stream behind some junk).
pub fn detect_format(bytes: &[u8]) -> Option<Format> {
    if bytes.first() == Some(&0x47) && bytes.get(188).is_none_or(|b| *b == 0x47) {
        return Some(Format::Ts);
    }
    let kind = bytes.get(4..8).unwrap_or_default();
    if LEADING_BOXES.iter().any(|known| kind == &known[..]) {
        return Some(Format::Mp4);
    }
    if packed_audio::looks_like_packed_audio(bytes) {
        return Some(Format::PackedAudio);
    }
    (0..TS_SEARCH.min(bytes.len()))
        .any(|i| (0..3).all(|k| bytes.get(i + k * 188) == Some(&0x47)))
        .then_some(Format::Ts)
}
