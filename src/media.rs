//! The one sample model every container demuxes into.
//!
//! A [`Track`] says what a stream is (its codec configuration for WebCodecs and its clock) and lists its
//! [`Sample`]s in decode order. Times are integer ticks of the track's timescale, exactly as stored in the
//! container (MP4 edit lists applied, MPEG-TS 33-bit wraps unwrapped).

/// Whether a track carries pictures or sound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackKind {
    /// Video: decoded with `VideoDecoder`.
    Video,
    /// Audio: decoded with `AudioDecoder`.
    Audio,
}

impl TrackKind {
    /// `"video"` or `"audio"`, as the JS API and the `inspect` JSON name it.
    pub fn as_str(self) -> &'static str {
        match self {
            TrackKind::Video => "video",
            TrackKind::Audio => "audio",
        }
    }
}

/// What a decoder needs to be configured: the WebCodecs `codec` string and `description` bytes, plus the
/// picture size or the audio format.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CodecConfig {
    /// WebCodecs codec string, e.g. `avc1.64001e`, `mp4a.40.2`, `opus`.
    pub codec: String,
    /// The decoder configuration record WebCodecs takes as `description`: `avcC`/`hvcC` body for H.264/HEVC
    /// (samples are then length-prefixed), the AudioSpecificConfig for AAC, the `OpusHead` for Opus.
    pub description: Option<Vec<u8>>,
    /// Coded picture width in pixels (0 for audio).
    pub width: u32,
    /// Coded picture height in pixels (0 for audio).
    pub height: u32,
    /// Audio sample rate in Hz (0 for video).
    pub sample_rate: u32,
    /// Audio channel count (0 for video).
    pub channels: u32,
}

/// The coding a WebCodecs codec string names (its first dot-separated part, `avc1` in `avc1.64001e`): what
/// the library branches on when it cuts, muxes or re-encodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// H.264 (`avc1`, `avc3`).
    H264,
    /// H.265 (`hvc1`, `hev1`).
    Hevc,
    /// AV1 (`av01`).
    Av1,
    /// AAC and the other MPEG-4 audio object types (`mp4a.40.N`).
    Aac,
    /// MPEG-1/2 Layer III (`mp3`).
    Mp3,
    /// Opus (`opus`).
    Opus,
    /// Anything else: listed and decoded where the browser can, never written into a file by the library.
    Other,
}

impl Codec {
    /// The coding of a codec string.
    pub fn of(codec: &str) -> Codec {
        match codec.split('.').next().unwrap_or_default() {
            "avc1" | "avc3" => Codec::H264,
            "hvc1" | "hev1" => Codec::Hevc,
            "av01" => Codec::Av1,
            "mp4a" => Codec::Aac,
            "mp3" => Codec::Mp3,
            "opus" => Codec::Opus,
            _ => Codec::Other,
        }
    }
}

impl CodecConfig {
    /// A sound configuration: `codec` at `sample_rate` Hz with `channels` channels, with its `description`.
    pub fn audio(codec: String, description: Option<Vec<u8>>, sample_rate: u32, channels: u32) -> Self {
        CodecConfig {
            codec,
            description,
            sample_rate,
            channels,
            ..CodecConfig::default()
        }
    }

    /// A picture configuration: `codec` at `width`×`height`, with its `description`.
    pub fn video(codec: impl Into<String>, description: Option<Vec<u8>>, width: u32, height: u32) -> Self {
        CodecConfig {
            codec: codec.into(),
            description,
            width,
            height,
            ..CodecConfig::default()
        }
    }

    /// The coding [`CodecConfig::codec`] names.
    pub fn family(&self) -> Codec {
        Codec::of(&self.codec)
    }
}

/// One coded frame (video) or packet (audio).
///
/// 40 bytes: an index of an hour of 30 fps video with 48 kHz AAC (about 277,000 samples) takes 11 MB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    /// Presentation time in track ticks.
    pub pts: i64,
    /// Decode time in track ticks; samples are listed in increasing `dts`, and `dts <= pts` except in MP4
    /// fragments with negative composition offsets, whose stored decode times are kept (moving them back per
    /// fragment would make them run backwards at a seam).
    pub dts: i64,
    /// Presentation duration in track ticks.
    pub duration: u32,
    /// A sync sample: decoding can start here (H.264 IDR, every audio packet).
    pub key: bool,
    /// Where the sample's bytes start: a file offset for MP4, an offset into the demuxer's own buffer for
    /// MPEG-TS (see [`Payload`]).
    pub offset: u64,
    /// Length of the sample's bytes as handed to the decoder.
    pub size: u32,
    /// Length of the sample as the container stores it (ffprobe's packet size). Equal to `size` except for
    /// H.264 in MPEG-TS, whose Annex B start codes become 4-byte lengths.
    pub stored_size: u32,
}

impl Sample {
    /// The sample's bytes in `bytes` (which its `offset` indexes); `None` when they lie outside it.
    pub fn data_in<'a>(&self, bytes: &'a [u8]) -> Option<&'a [u8]> {
        let start = usize::try_from(self.offset).ok()?;
        bytes.get(start..start.checked_add(self.size as usize)?)
    }
}

/// How a video track's pictures are shown: turned by the container's display matrix (MP4 `tkhd`) and
/// stretched by its pixel aspect ratio (`pasp`). Phones store portrait video as landscape pictures with a
/// 90° matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Display {
    /// Clockwise turn in degrees applied to the decoded picture: 0, 90, 180 or 270.
    pub rotation: u16,
    /// The picture is flipped left to right before it is turned.
    pub mirror: bool,
    /// Pixel aspect ratio as (horizontal spacing, vertical spacing); (1, 1) for square pixels.
    pub pixel_aspect: (u32, u32),
}

impl Default for Display {
    fn default() -> Self {
        Display {
            rotation: 0,
            mirror: false,
            pixel_aspect: (1, 1),
        }
    }
}

impl Display {
    /// The size the picture is shown at, given its coded size: stretched by the pixel aspect ratio, then
    /// turned (a quarter turn swaps width and height).
    pub fn size(&self, width: u32, height: u32) -> (u32, u32) {
        let (h_spacing, v_spacing) = self.pixel_aspect;
        let width = if h_spacing > 0 && v_spacing > 0 && h_spacing != v_spacing {
            let stretched = u64::from(width) * u64::from(h_spacing) / u64::from(v_spacing);
            u32::try_from(stretched).unwrap_or(u32::MAX)
        } else {
            width
        };
        if self.rotation % 180 == 90 {
            (height, width)
        } else {
            (width, height)
        }
    }
}

/// A stream of one kind with its configuration and samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Track {
    /// The container's id for the track (MP4 track ID, MPEG-TS PID).
    pub id: u32,
    /// Video or audio.
    pub kind: TrackKind,
    /// Ticks per second of `pts`, `dts` and `duration`.
    pub timescale: u32,
    /// Decoder configuration.
    pub config: CodecConfig,
    /// Where presentation begins, in ticks, when the container says (an MP4 edit list): samples before it
    /// (AAC priming, encoder delay) are decoded but not shown. `None`: from the first sample.
    pub presentation_start: Option<i64>,
    /// How the pictures are shown (video); the default for audio.
    pub display: Display,
    /// Samples in decode order.
    pub samples: Vec<Sample>,
}

impl Track {
    /// Presentation span in ticks: from the earliest `pts` to the latest `pts + duration`.
    pub fn presentation_span(&self) -> Option<(i64, i64)> {
        let (mut start, mut end) = (i64::MAX, i64::MIN);
        for sample in &self.samples {
            start = start.min(sample.pts);
            end = end.max(sample.pts + i64::from(sample.duration));
        }
        (!self.samples.is_empty()).then_some((start, end))
    }

    /// Ticks of the first sample that is shown: the earliest `pts` at or after
    /// [`Track::presentation_start`].
    pub fn first_shown_pts(&self) -> Option<i64> {
        let start = self.presentation_start.unwrap_or(i64::MIN);
        let mut first = None;
        for sample in &self.samples {
            if sample.pts >= start && first.is_none_or(|pts| sample.pts < pts) {
                first = Some(sample.pts);
            }
        }
        first
    }
}

#[cfg(test)]
impl Track {
    /// A track for unit tests: samples `(pts, key)` in decode order with `dts = pts`, one tick long.
    pub(crate) fn for_test(kind: TrackKind, timescale: u32, samples: &[(i64, bool)]) -> Track {
        Track {
            id: 1,
            kind,
            timescale,
            config: CodecConfig::default(),
            presentation_start: None,
            display: Display::default(),
            samples: samples
                .iter()
                .map(|&(pts, key)| Sample {
                    pts,
                    dts: pts,
                    duration: 1,
                    key,
                    offset: 0,
                    size: 1,
                    stored_size: 1,
                })
                .collect(),
        }
    }
}

/// The first video and the first audio track among `tracks` (the ones played and edited).
pub fn first_video_and_audio(mut tracks: Vec<Track>) -> (Option<Track>, Option<Track>) {
    let mut take = |kind| {
        tracks
            .iter()
            .position(|t: &Track| t.kind == kind)
            .map(|i| tracks.remove(i))
    };
    let video = take(TrackKind::Video);
    (video, take(TrackKind::Audio))
}

/// Decoded sound: planar `f32` samples (one `Vec` per channel, all the same length) at `rate` Hz.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Pcm {
    /// Samples per second.
    pub rate: u32,
    /// One list of samples per channel, each in `[-1, 1]`.
    pub channels: Vec<Vec<f32>>,
}

impl Pcm {
    /// Samples per channel.
    pub fn frames(&self) -> usize {
        self.channels.first().map_or(0, Vec::len)
    }

    /// Seconds of sound.
    pub fn duration(&self) -> f64 {
        if self.rate == 0 {
            return 0.0;
        }
        self.frames() as f64 / f64::from(self.rate)
    }
}

/// Where sample bytes live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    /// `Sample::offset` counts from the start of the bytes that were demuxed (the file, or the segment).
    Source,
    /// The demuxer rewrote the samples into this buffer (MPEG-TS: PES reassembly, Annex B to AVCC);
    /// `Sample::offset` counts from its start.
    Owned(Vec<u8>),
}

/// The result of demuxing a file or a segment.
#[derive(Debug, Clone, PartialEq)]
pub struct Demuxed {
    /// Tracks of the kinds the library handles (video, audio), in container order.
    pub tracks: Vec<Track>,
    /// Where the samples' bytes are.
    pub payload: Payload,
}

impl Demuxed {
    /// The tracks and the bytes their sample offsets index, given the bytes that were demuxed.
    pub fn into_parts(self, source: Vec<u8>) -> (Vec<Track>, Vec<u8>) {
        let bytes = match self.payload {
            Payload::Source => source,
            Payload::Owned(buffer) => buffer,
        };
        (self.tracks, bytes)
    }

    /// The bytes of `sample`, given the bytes that were demuxed.
    pub fn sample_data<'a>(&'a self, source: &'a [u8], sample: &Sample) -> Option<&'a [u8]> {
        sample.data_in(match &self.payload {
            Payload::Source => source,
            Payload::Owned(buffer) => buffer,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_costs_forty_bytes_of_index() {
        assert_eq!(std::mem::size_of::<Sample>(), 40);
    }

    #[test]
    fn sample_data_is_bounds_checked() {
        let sample = Sample {
            pts: 0,
            dts: 0,
            duration: 1,
            key: true,
            offset: 2,
            size: 3,
            stored_size: 3,
        };
        let source = Demuxed {
            tracks: Vec::new(),
            payload: Payload::Source,
        };
        assert_eq!(source.sample_data(&[0, 1, 2, 3, 4], &sample), Some(&[2, 3, 4][..]));
        assert_eq!(source.sample_data(&[0, 1, 2, 3], &sample), None);
        let owned = Demuxed {
            tracks: Vec::new(),
            payload: Payload::Owned(vec![9; 5]),
        };
        assert_eq!(owned.sample_data(&[], &sample), Some(&[9, 9, 9][..]));
    }

    #[test]
    fn codec_strings_name_their_coding() {
        for (codec, family) in [
            ("avc1.64001e", Codec::H264),
            ("avc3.42e01e", Codec::H264),
            ("hvc1.1.6.L93.B0", Codec::Hevc),
            ("hev1.2.4.L120.B0", Codec::Hevc),
            ("av01.0.04M.08", Codec::Av1),
            ("mp4a.40.2", Codec::Aac),
            ("mp3", Codec::Mp3),
            ("opus", Codec::Opus),
            ("vp09.00.10.08", Codec::Other),
            ("avc1x", Codec::Other),
            ("", Codec::Other),
        ] {
            assert_eq!(Codec::of(codec), family, "{codec}");
        }
    }

    #[test]
    fn display_size_turns_and_stretches() {
        let turned = Display {
            rotation: 90,
            ..Display::default()
        };
        assert_eq!(turned.size(1920, 1080), (1080, 1920));
        let anamorphic = Display {
            pixel_aspect: (4, 3),
            ..Display::default()
        };
        assert_eq!(anamorphic.size(720, 576), (960, 576));
        assert_eq!(
            Display {
                rotation: 270,
                ..anamorphic
            }
            .size(720, 576),
            (576, 960)
        );
        assert_eq!(Display::default().size(0, 0), (0, 0));
    }
}
