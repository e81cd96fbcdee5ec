//! Writing MP4: the samples of a clip, in decode order with their bytes, to a progressive MP4 (`moov` first,
//! so players can start before the whole file arrives) or a fragmented one.

pub mod mp4;
mod sample_entry;
mod writer;

use std::borrow::Cow;

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
    /// The sample's bytes: borrowed from the source when copied, owned when re-encoded or rewritten.
    pub data: Cow<'a, [u8]>,
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
