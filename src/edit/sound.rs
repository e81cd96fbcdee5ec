//! A clip's new sound track, from what an audio encoder returned: the packets, the encoder's delay, and how
//! many samples of it make the clip.
//!
//! An encoder's output starts with a delay (Opus' pre-skip, AAC's priming): decoding the packets gives
//! `delay` samples before the first sample it was given. The track keeps those samples (the decoder needs
//! them) and its edit list starts presentation after them, as Opus-in-ISOBMFF and common AAC practice do.

use std::borrow::Cow;

use crate::error::{Error, ErrorCode, Result};
use crate::media::{CodecConfig, Display, TrackKind};
use crate::mux::{MuxSample, MuxTrack};

/// One encoded audio packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedPacket {
    /// Presentation time, in samples at the track's rate.
    pub pts: i64,
    /// Samples it decodes to.
    pub duration: u32,
    /// The packet's bytes.
    pub data: Vec<u8>,
}

/// The encoded sound of a clip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedSound {
    /// The stream's configuration (its `sample_rate` is the track's timescale).
    pub config: CodecConfig,
    /// Packets in order.
    pub packets: Vec<EncodedPacket>,
    /// Samples the decoder outputs before the first one given to the encoder.
    pub delay: i64,
    /// Samples of the clip.
    pub frames: i64,
}

impl EncodedSound {
    /// The track to mux: the packets up to the clip's end, shown from the end of the encoder's delay for
    /// `frames` samples (packets after the end, from the encoder's flush, would only be hidden). An encoder
    /// that returned too little is an error, never a shorter clip.
    pub fn track(&self) -> Result<MuxTrack<'_>> {
        let first = self.packets.first().map_or(0, |p| p.pts);
        let end = self.packets.last().map_or(first, |p| p.pts + i64::from(p.duration));
        let shown = (first + self.delay, first + self.delay + self.frames);
        if end < shown.1 || self.config.sample_rate == 0 {
            return Err(Error::new(
                ErrorCode::Browser,
                format!(
                    "the audio encoder returned {} samples for the clip's {} (and its delay of {})",
                    end - first,
                    self.frames,
                    self.delay
                ),
            ));
        }
        let mut samples = Vec::new();
        for packet in self.packets.iter().take_while(|packet| packet.pts < shown.1) {
            samples.push(MuxSample {
                dts: packet.pts,
                pts: packet.pts,
                duration: packet.duration,
                key: true,
                data: Cow::Borrowed(packet.data.as_slice()),
                unread: None,
            });
        }
        Ok(MuxTrack {
            kind: TrackKind::Audio,
            timescale: self.config.sample_rate,
            config: self.config.clone(),
            samples,
            shown,
            display: Display::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sound(packets: i64, delay: i64, frames: i64) -> EncodedSound {
        EncodedSound {
            config: CodecConfig {
                codec: "opus".into(),
                sample_rate: 48_000,
                channels: 2,
                ..CodecConfig::default()
            },
            packets: (0..packets)
                .map(|i| EncodedPacket {
                    pts: i * 960,
                    duration: 960,
                    data: vec![i as u8],
                })
                .collect(),
            delay,
            frames,
        }
    }

    #[test]
    fn the_track_hides_the_encoder_delay_and_ends_with_the_clip() {
        let encoded = sound(11, 312, 9_600);
        let track = encoded.track().unwrap();
        assert_eq!((track.timescale, track.shown), (48_000, (312, 9_912)));
        assert_eq!(track.samples.len(), 11);
        // A packet the flush added after the end is left out.
        let padded = sound(12, 312, 9_600);
        assert_eq!(padded.track().unwrap().samples.len(), 11);
        assert!(track.samples.iter().all(|s| s.key && s.dts == s.pts));
    }

    #[test]
    fn too_few_samples_is_an_error_not_a_shorter_clip() {
        let error = sound(10, 312, 9_600).track().unwrap_err();
        assert_eq!(error.code(), ErrorCode::Browser);
        assert!(error.message().contains("9600 samples for the clip's 9600"), "{error}");
    }
}
