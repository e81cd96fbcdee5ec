//! ISO BMFF (ISO/IEC 14496-12, MP4 and QuickTime) vocabulary that the reader (`demux`) and the writer (`mux`)
//! share, defined once: the flags of the boxes both sides handle, the MPEG-4 descriptors of `esds`, and the
//! display matrix of `tkhd`.

pub mod descriptors;
pub mod flags;
pub mod matrix;

/// `hdlr` handler type of a video track.
pub const VIDEO_HANDLER: [u8; 4] = *b"vide";
/// `hdlr` handler type of a sound track.
pub const SOUND_HANDLER: [u8; 4] = *b"soun";
