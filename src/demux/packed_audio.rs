//! HLS packed audio (RFC 8216 3.4): segments of raw ADTS AAC, MP3, AC-3 or E-AC-3 frames, each beginning
//! with an ID3v2 tag whose `PRIV` frame `com.apple.streaming.transportStreamTimestamp` holds the 33-bit
//! 90 kHz MPEG-TS timestamp of the segment's first frame. A bare `.aac`/`.mp3` file (no tag, or a tag
//! without the timestamp) is read the same way, from time 0.
//!
//! Samples are one per frame (ADTS headers stripped, as in MPEG-TS) on the 90 kHz clock, the timestamps
//! unwrapped into a continuous timeline across the segments of one [`PackedAudioDemuxer`]; a segment
//! without a timestamp continues where the previous one ended.

use super::audio_es::{self, AudioCoding, FrameClock};
use crate::error::{Error, ErrorCode, Result};
use crate::media::{CodecConfig, Demuxed, Payload, Track, TrackKind};
use crate::time::{first_33bit, unwrap_33bit, MPEG_TS_TIMESCALE};

/// The owner of the ID3 `PRIV` frame that carries the segment's timestamp.
const TIMESTAMP_OWNER: &[u8] = b"com.apple.streaming.transportStreamTimestamp";

/// Demuxes one packed audio file.
pub fn demux(bytes: &[u8]) -> Result<Demuxed> {
    PackedAudioDemuxer::new().demux_segment(bytes)
}

/// A demuxer for consecutive packed audio segments of one rendition: the codec configuration and the
/// timeline carry over.
#[derive(Debug, Default, Clone)]
pub struct PackedAudioDemuxer {
    config: Option<CodecConfig>,
    /// The last unwrapped timestamp: the next segment's 33-bit one is unwrapped next to it.
    reference: Option<i64>,
    /// Where the previous segment's last frame ended, in 90 kHz ticks.
    end: Option<i64>,
}

impl PackedAudioDemuxer {
    /// A demuxer with no state.
    pub fn new() -> Self {
        PackedAudioDemuxer::default()
    }

    /// Demuxes one segment: its ID3 tags, then its frames. Bytes between frames that are not a frame are
    /// passed over to the next frame header.
    pub fn demux_segment(&mut self, bytes: &[u8]) -> Result<Demuxed> {
        let (timestamp, position) = id3_tags(bytes);
        let frames = bytes.get(position..).unwrap_or_default();
        let coding = coding_of(frames).ok_or_else(|| {
            Error::new(
                ErrorCode::UnsupportedCodec,
                "packed audio: no ADTS, MPEG audio or AC-3 frame after the ID3 tag",
            )
        })?;
        let base = match (timestamp, self.reference) {
            (Some(raw), Some(previous)) => unwrap_33bit(previous, raw),
            (Some(raw), None) => first_33bit(raw),
            (None, _) => self.end.unwrap_or(0),
        };
        self.reference = Some(base);
        let mut samples = Vec::new();
        let mut data = Vec::with_capacity(bytes.len());
        // Frames that end the segment cut off are dropped: the next segment starts with a frame of its own.
        audio_es::read_frames(
            coding,
            frames,
            &mut self.config,
            &mut Some(FrameClock::at(base)),
            &mut [],
            &mut data,
            &mut samples,
        )
        .map_err(Error::malformed)?;
        if let Some(last) = samples.last() {
            self.end = Some(last.pts + i64::from(last.duration));
        }
        let config = self
            .config
            .clone()
            .ok_or_else(|| Error::malformed("packed audio without a whole frame"))?;
        Ok(Demuxed {
            tracks: vec![Track {
                id: 1,
                kind: TrackKind::Audio,
                timescale: MPEG_TS_TIMESCALE,
                config,
                presentation_start: None,
                display: Default::default(),
                samples,
            }],
            payload: Payload::Owned(data),
        })
    }
}

/// Whether `bytes` look like packed audio: an ID3v2 tag, or two audio frames in a row.
pub(crate) fn looks_like_packed_audio(bytes: &[u8]) -> bool {
    if bytes.starts_with(b"ID3") {
        return true;
    }
    let Some(coding) = coding_of(bytes) else {
        return false;
    };
    let Ok(Some(frame)) = audio_es::next_frame(coding, bytes, None) else {
        return false;
    };
    let next = &bytes[frame.len..];
    next.is_empty() || matches!(audio_es::next_frame(coding, next, None), Ok(Some(_)) | Ok(None))
}

/// The coding of the frame at the start of `bytes`, by its sync word.
fn coding_of(bytes: &[u8]) -> Option<AudioCoding> {
    match bytes {
        [0xFF, second, ..] if second & 0xF6 == 0xF0 => Some(AudioCoding::Adts),
        [0xFF, second, ..] if second & 0xE0 == 0xE0 => Some(AudioCoding::MpegAudio),
        [0x0B, 0x77, ..] => Some(AudioCoding::Ac3),
        _ => None,
    }
}

/// The ID3v2 tags at the start of `bytes`: the transport stream timestamp one of them holds, and where the
/// audio after them starts.
fn id3_tags(bytes: &[u8]) -> (Option<u64>, usize) {
    let mut position = 0;
    let mut timestamp = None;
    while let Some(header) = bytes.get(position..position + 10).filter(|h| h.starts_with(b"ID3")) {
        let version = header[3];
        let footer = if header[5] & 0x10 != 0 { 10 } else { 0 };
        let size = syncsafe(&header[6..10]);
        let end = (position + 10 + size).min(bytes.len());
        timestamp = timestamp.or_else(|| private_timestamp(&bytes[position + 10..end], version));
        position = (end + footer).min(bytes.len());
    }
    (timestamp, position)
}

/// A 28-bit ID3 "syncsafe" integer: 7 bits in each of 4 bytes.
fn syncsafe(bytes: &[u8]) -> usize {
    bytes.iter().fold(0, |value, b| value << 7 | usize::from(b & 0x7F))
}

/// The timestamp in the `PRIV` frame of a tag body (ID3v2.3/2.4 frames: id, size, flags, body): its
/// 8 bytes big-endian, of which the low 33 bits count.
fn private_timestamp(mut frames: &[u8], version: u8) -> Option<u64> {
    while frames.len() >= 10 && frames[0] != 0 {
        let size = match version {
            4 => syncsafe(&frames[4..8]),
            _ => u32::from_be_bytes([frames[4], frames[5], frames[6], frames[7]]) as usize,
        };
        let body = frames.get(10..10 + size)?;
        if &frames[..4] == b"PRIV" {
            if let Some(value) = body.strip_prefix(TIMESTAMP_OWNER).and_then(|v| v.strip_prefix(&[0])) {
                let value: [u8; 8] = value.get(..8)?.try_into().ok()?;
                return Some(u64::from_be_bytes(value) & ((1 << 33) - 1));
            }
        }
        frames = &frames[10 + size..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An ID3v2.4 tag with the transport stream timestamp `ticks`.
    fn tag(ticks: u64) -> Vec<u8> {
        let mut body = b"PRIV\0\0\0\x35\0\0".to_vec();
        body.extend_from_slice(TIMESTAMP_OWNER);
        body.push(0);
        body.extend_from_slice(&ticks.to_be_bytes());
        let mut tag = b"ID3\x04\0\0\0\0\0".to_vec();
        tag.push(body.len() as u8);
        tag.extend_from_slice(&body);
        tag
    }

    /// An ADTS frame (AAC LC, 22.05 kHz, stereo) of `len` bytes.
    fn adts(len: usize) -> Vec<u8> {
        let mut frame = vec![
            0xFF,
            0xF1,
            0x5C,
            0x80,
            (len >> 3) as u8,
            ((len & 7) << 5) as u8 | 0x1F,
            0xFC,
        ];
        frame.resize(len, 0xAA);
        frame
    }

    #[test]
    fn reads_the_timestamp_and_the_frames() {
        let segment = [tag(891_380), adts(13), adts(20)].concat();
        assert!(looks_like_packed_audio(&segment));
        let mut demuxer = PackedAudioDemuxer::new();
        let demuxed = demuxer.demux_segment(&segment).unwrap();
        let track = &demuxed.tracks[0];
        assert_eq!(track.config.codec, "mp4a.40.2");
        assert_eq!(track.config.sample_rate, 22_050);
        let times: Vec<(i64, u32, u32)> = track.samples.iter().map(|s| (s.pts, s.size, s.stored_size)).collect();
        // 1024 samples at 22.05 kHz: 4179.6 ticks, counted from the timestamp and rounded once.
        assert_eq!(times, [(891_380, 6, 13), (895_560, 13, 20)]);
        // The next segment without a tag continues where this one ended.
        let next = demuxer.demux_segment(&adts(9)).unwrap();
        assert_eq!(next.tracks[0].samples[0].pts, 891_380 + 8359);
        // Tagged segments are placed by their tags, next to the previous one across the 33-bit wrap.
        let before_wrap = (1 << 33) - 120 * 90_000;
        let mut demuxer = PackedAudioDemuxer::new();
        demuxer.demux_segment(&[tag(before_wrap), adts(9)].concat()).unwrap();
        let wrapped = demuxer.demux_segment(&[tag(100), adts(9)].concat()).unwrap();
        assert_eq!(wrapped.tracks[0].samples[0].pts, (1 << 33) + 100);
    }

    #[test]
    fn bare_audio_starts_at_zero_and_junk_is_refused() {
        let bare = [adts(10), adts(10)].concat();
        assert!(looks_like_packed_audio(&bare));
        assert_eq!(demux(&bare).unwrap().tracks[0].samples[1].pts, 4180);
        assert!(!looks_like_packed_audio(b"hello world, not media"));
        assert!(demux(&tag(0)).is_err());
        assert!(demux(b"ID3\x04\0\0\x7F\x7F\x7F\x7F").is_err());
    }
}
