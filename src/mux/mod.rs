//! Writing MP4: the samples of a clip, in decode order, to a progressive MP4 (`moov` first, so players can
//! start before the whole file arrives) or a fragmented one. The file is laid out from the samples' sizes
//! and times alone ([`mp4::layout`]), so it can be written front to back while the samples' bytes are
//! still being read from the source.

pub mod mp4;
mod sample_entry;
mod writer;

use std::borrow::Cow;

use crate::error::{Error, Result};
use crate::media::{CodecConfig, Display, TrackKind};

/// One coded frame or audio packet to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MuxSample<'a> {
    /// Decode time, in the track's ticks: increasing from sample to sample.
    pub dts: i64,
    /// Presentation time, in the track's ticks.
    pub pts: i64,
    /// Presentation duration, in ticks: the last sample's decode duration.
    pub duration: u32,
    /// A sync sample (decoding can start here).
    pub key: bool,
    /// The sample's bytes: borrowed from the source when copied, owned when re-encoded or rewritten. With
    /// `unread`, only those the edit puts in front (H.264 parameter sets sent in-band), often none.
    pub data: Cow<'a, [u8]>,
    /// The rest of the sample's bytes when they are still in the caller's source: the index needs only
    /// their size, and they are read when the writer reaches them.
    pub unread: Option<Unread>,
}

/// Bytes of a sample not read yet: `len` bytes at position `at` of the caller's source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unread {
    /// Where they are in the source.
    pub at: u64,
    /// How many.
    pub len: u32,
}

impl MuxSample<'_> {
    /// The sample's size in the file.
    pub fn size(&self) -> u64 {
        self.data.len() as u64 + self.unread.map_or(0, |u| u64::from(u.len))
    }

    /// Appends the sample's bytes to `out`: those in hand, then `read`, its unread bytes as read from the
    /// source, which must be as many as the index promised (else the file would not match its index).
    pub fn write_to(&self, read: &[u8], out: &mut Vec<u8>) -> Result<()> {
        if read.len() != self.unread.map_or(0, |u| u.len as usize) {
            return Err(Error::malformed(
                "a sample's bytes read from the source are not as many as its index says",
            ));
        }
        out.extend_from_slice(&self.data);
        out.extend_from_slice(read);
        Ok(())
    }
}

/// A track to write: its configuration, its samples, and which stretch of them is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MuxTrack<'a> {
    /// Video or audio.
    pub kind: TrackKind,
    /// Ticks per second of the samples' times.
    pub timescale: u32,
    /// What decodes the samples: becomes the sample entry (`avc1`+`avcC`, `mp4a`+`esds`, `Opus`+`dOps`, ...).
    pub config: CodecConfig,
    /// Samples in decode order.
    pub samples: Vec<MuxSample<'a>>,
    /// How the pictures are shown (video; the default for sound): written as the `tkhd` matrix (turn and
    /// mirror) and a `pasp` box (pixel aspect ratio), so a clip keeps its source's orientation.
    pub display: Display,
    /// The presentation interval `[start, end)` shown, in the samples' ticks. Samples outside it are
    /// decoded (a keyframe a B-frame needs, AAC pre-roll) but cut by the edit list. Every track's `start`
    /// is the same instant: the clip's time 0.
    pub shown: (i64, i64),
}

/// The MP4 flavour written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Container {
    /// One `moov` with the whole index, before one `mdat` (faststart).
    #[default]
    Mp4,
    /// An initialisation `moov`, then one `moof`+`mdat` fragment per group of pictures (or second of audio).
    Fmp4,
}
