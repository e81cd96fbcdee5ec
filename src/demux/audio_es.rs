//! Audio elementary streams as MPEG-TS PES packets and HLS packed audio carry them: a byte stream of
//! self-delimiting frames (ADTS AAC, MPEG audio, AC-3/E-AC-3, DTS, LOAS/LATM AAC, Opus behind its MPEG-TS
//! control header), split here into one sample per frame the way `ffprobe` lists them.

use crate::codec::bits::BitReader;
use crate::codec::{aac, ac3, dts, mpeg_audio, opus};
use crate::media::{CodecConfig, Sample};
use crate::time::MPEG_TS_TIMESCALE;

/// How an audio stream's frames are delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AudioCoding {
    /// AAC in ADTS frames (MPEG-TS stream type 0x0F; packed audio `.aac`).
    Adts,
    /// MPEG-1/2 audio layers I to III (stream types 0x03, 0x04; packed audio `.mp3`).
    MpegAudio,
    /// AC-3 or E-AC-3 syncframes (stream types 0x81, 0x87, or 0x06 with an AC-3/E-AC-3 descriptor).
    Ac3,
    /// DTS core frames with their DTS-HD extensions (stream types 0x82, 0x85, 0x8A, or a DTS descriptor).
    Dts,
    /// AAC in LATM inside LOAS frames (stream type 0x11).
    Loas,
    /// Opus packets, each behind an `opus_control_header` (stream type 0x06 registered as `Opus`).
    Opus,
}

/// One frame found in the stream.
pub(crate) struct AudioFrame {
    /// Bytes of the frame in the stream, headers included.
    pub len: usize,
    /// Leading bytes that are framing, not codec data (the ADTS header, the Opus control header): the
    /// decoder gets `len - skip` bytes.
    pub skip: usize,
    /// The frame's size as `ffprobe` counts it: the whole frame, except for Opus whose control header it
    /// leaves out.
    pub stored: usize,
    /// Audio samples per channel the frame decodes to, at `rate`.
    pub samples: u32,
    /// Sample rate in Hz the frame's samples are counted at.
    pub rate: u32,
    /// The decoder configuration the frame's header gives, when it was asked for (Opus and LATM frames
    /// without a configuration give none: theirs comes from the PMT or an earlier frame).
    pub config: Option<CodecConfig>,
}

/// The frame at the start of `bytes`: `Ok(None)` when it is not all there yet, `Err` when the bytes are
/// not a frame of `coding`. `config` is the stream's configuration so far (LATM frames that repeat no
/// configuration are timed by it); the frame's own is returned when `config` is `None`.
pub(crate) fn next_frame(
    coding: AudioCoding,
    bytes: &[u8],
    config: Option<&CodecConfig>,
) -> Result<Option<AudioFrame>, &'static str> {
    let want = config.is_none();
    let frame = match coding {
        AudioCoding::Adts => {
            let Some(header) = aac::parse_adts(bytes).map_err(|_| "ADTS sync lost inside a PES packet")? else {
                return Ok(None);
            };
            AudioFrame {
                len: header.frame_len,
                skip: header.header_len,
                stored: header.frame_len,
                samples: aac::SAMPLES_PER_FRAME * header.blocks,
                rate: header.sample_rate,
                config: want.then(|| adts_config(&header)),
            }
        }
        AudioCoding::MpegAudio => {
            let Some(header) = mpeg_audio::parse_header(bytes)? else {
                return Ok(None);
            };
            whole(
                header.frame_len,
                header.samples,
                header.sample_rate,
                || header.config(),
                want,
            )
        }
        AudioCoding::Ac3 => {
            let Some((header, len)) = ac3::access_unit(bytes)? else {
                return Ok(None);
            };
            whole(len, header.samples, header.sample_rate, || header.config(), want)
        }
        AudioCoding::Dts => {
            let Some((header, len)) = dts::access_unit(bytes)? else {
                return Ok(None);
            };
            whole(len, header.samples, header.sample_rate, || header.config(), want)
        }
        AudioCoding::Loas => {
            let Some(header) = bytes.get(..3) else {
                return Ok(None);
            };
            if header[0] != 0x56 || header[1] & 0xE0 != 0xE0 {
                return Err("LOAS sync word not found");
            }
            let len = 3 + (usize::from(header[1] & 0x1F) << 8 | usize::from(header[2]));
            let own = bytes.get(3..len).and_then(latm_config);
            let rate = match (&own, config) {
                (Some(own), _) => own.sample_rate,
                (None, Some(known)) => known.sample_rate,
                (None, None) => return Err("LATM frame before any StreamMuxConfig"),
            };
            whole(
                len,
                aac::SAMPLES_PER_FRAME,
                rate,
                || own.clone().unwrap_or_default(),
                want,
            )
        }
        AudioCoding::Opus => {
            let Some((skip, size)) = opus::ts_control_header(bytes)? else {
                return Ok(None);
            };
            let Some(packet) = bytes.get(skip..skip + size) else {
                return Ok(None);
            };
            AudioFrame {
                len: skip + size,
                skip,
                stored: size,
                samples: opus::packet_samples(packet).ok_or("empty Opus packet")?,
                rate: 48_000,
                config: None,
            }
        }
    };
    if frame.len == 0 || frame.rate == 0 {
        return Err("audio frame of no length or no sample rate");
    }
    Ok((frame.len <= bytes.len()).then_some(frame))
}

/// The time of audio frames on the 90 kHz clock: counted in samples from the last timestamp and rounded
/// once, as `ffprobe` counts them (rounding each frame's duration would drift).
#[derive(Debug, Clone, Copy)]
pub(crate) struct FrameClock {
    base: i64,
    count: u64,
    rate: u32,
}

impl FrameClock {
    /// A clock whose next frame starts at `base`.
    pub fn at(base: i64) -> FrameClock {
        FrameClock {
            base,
            count: 0,
            rate: 0,
        }
    }

    /// The time and duration of the next frame, `samples` at `rate` Hz, and the clock moved past it. A new
    /// rate counts on from where the frames at the old one ended.
    fn next(&mut self, samples: u32, rate: u32) -> (i64, u32) {
        if rate != self.rate {
            self.base += ticks(self.count, self.rate);
            (self.count, self.rate) = (0, rate);
        }
        let start = ticks(self.count, rate);
        self.count += u64::from(samples);
        let duration = u32::try_from(ticks(self.count, rate) - start).unwrap_or(0);
        (self.base + start, duration)
    }
}

/// `samples` at `rate` Hz in 90 kHz ticks, rounded to the nearest.
pub(crate) fn ticks(samples: u64, rate: u32) -> i64 {
    let rate = u64::from(rate.max(1));
    ((samples * u64::from(MPEG_TS_TIMESCALE) + rate / 2) / rate) as i64
}

/// Cuts the frames of `coding` at the start of `bytes` into samples, one per frame: the frame's codec bytes
/// appended to `data` (sample offsets are into it), its sample to `samples`. Bytes that are not a frame here
/// (a frame broken by lost bytes, an ID3 tag some muxers put in a PES packet) are passed over to the next
/// frame, as decoders do; a frame cut off at the end waits for more bytes. Returns where the unread bytes
/// begin. `config` takes the first frame's configuration when it has none.
///
/// Frames are timed by `clock`. A timestamp in `stamps`, (position in `bytes`, time), restarts it at the
/// first frame that starts at or after its position, and is taken out.
pub(crate) fn read_frames(
    coding: AudioCoding,
    bytes: &[u8],
    config: &mut Option<CodecConfig>,
    clock: &mut Option<FrameClock>,
    stamps: &mut [Option<(usize, i64)>],
    data: &mut Vec<u8>,
    samples: &mut Vec<Sample>,
) -> Result<usize, &'static str> {
    let mut position = 0;
    while let Some(rest) = bytes.get(position..).filter(|rest| !rest.is_empty()) {
        let frame = match next_frame(coding, rest, config.as_ref()) {
            Ok(Some(frame)) => frame,
            Ok(None) => break,
            Err(_) => {
                position += 1;
                continue;
            }
        };
        if config.is_none() {
            *config = frame.config;
        }
        for stamp in stamps.iter_mut() {
            if let Some((_, pts)) = stamp.take_if(|(at, _)| position >= *at) {
                *clock = Some(FrameClock::at(pts));
            }
        }
        let Some(clock) = clock.as_mut() else {
            return Err("audio frame without a timestamp");
        };
        let (pts, duration) = clock.next(frame.samples, frame.rate);
        let payload = rest.get(frame.skip.min(frame.len)..frame.len).unwrap_or_default();
        samples.push(Sample {
            pts,
            dts: pts,
            duration,
            key: true,
            offset: data.len() as u64,
            size: payload.len() as u32,
            stored_size: frame.stored as u32,
        });
        data.extend_from_slice(payload);
        position += frame.len;
    }
    Ok(position)
}

/// A frame the decoder takes whole, header included.
fn whole(len: usize, samples: u32, rate: u32, config: impl FnOnce() -> CodecConfig, want: bool) -> AudioFrame {
    AudioFrame {
        len,
        skip: 0,
        stored: len,
        samples,
        rate,
        config: want.then(config),
    }
}

/// The decoder configuration of an ADTS stream: `mp4a.40.<object type>` with the AudioSpecificConfig
/// built from the header.
pub(crate) fn adts_config(header: &aac::AdtsHeader) -> CodecConfig {
    CodecConfig::audio(
        format!("mp4a.40.{}", u32::from(header.object_type)),
        Some(aac::audio_specific_config(header)),
        header.sample_rate,
        u32::from(header.channels),
    )
}

/// What the StreamMuxConfig at the start of a LATM `AudioMuxElement` says, when the element carries one
/// (`useSameStreamMux` 0) in the common layout (`audioMuxVersion` 0: the AudioSpecificConfig inline).
///
/// The frames stay LATM: WebCodecs has no codec string for LATM, and taking the AAC payloads out of it is
/// not done, so the codec is `mp4a-latm` (after the MIME type `audio/MP4A-LATM`), which no browser
/// decodes; the player plays without sound. The sample rate is the AAC core's, by which frames are timed
/// (1024 samples each).
fn latm_config(element: &[u8]) -> Option<CodecConfig> {
    let mut r = BitReader::new(element, "LATM StreamMuxConfig");
    let mut read = || -> crate::error::Result<Option<(u32, u32)>> {
        if r.bit()? || r.bit()? {
            return Ok(None); // useSameStreamMux, or audioMuxVersion 1
        }
        // allStreamsSameTimeFraming (1), numSubFrames (6), numProgram (4), numLayer (3).
        r.skip(14)?;
        if r.bits(5)? == 31 {
            r.skip(6)?; // audioObjectTypeExt
        }
        let index = r.bits(4)?;
        let rate = if index == 15 {
            r.bits(24)?
        } else {
            aac::sample_rate(index as u8).unwrap_or(0)
        };
        Ok(Some((rate, r.bits(4)?)))
    };
    let (sample_rate, channels) = read().ok().flatten()?;
    Some(CodecConfig::audio("mp4a-latm".into(), None, sample_rate, channels))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_each_coding() {
        // ADTS: AAC LC 48 kHz stereo, 9-byte frame (7-byte header, 2 bytes of data).
        let adts = [0xFF, 0xF1, 0x4C, 0x80, 0x01, 0x3F, 0xFC, 1, 2];
        let frame = next_frame(AudioCoding::Adts, &adts, None).unwrap().unwrap();
        assert_eq!((frame.len, frame.skip, frame.stored, frame.samples), (9, 7, 9, 1024));
        assert_eq!(frame.config.unwrap().codec, "mp4a.40.2");
        assert!(next_frame(AudioCoding::Adts, &adts[..8], None).unwrap().is_none());
        // Opus: control header of 3 bytes, a 2-byte packet (CELT 20 ms).
        let opus = [0x7F, 0xE0, 2, 0x7C, 0xAA];
        let frame = next_frame(AudioCoding::Opus, &opus, None).unwrap().unwrap();
        assert_eq!(
            (frame.len, frame.skip, frame.stored, frame.samples, frame.rate),
            (5, 3, 2, 960, 48_000)
        );
        assert!(next_frame(AudioCoding::Opus, &opus[..4], None).unwrap().is_none());
        // LOAS: a 4-byte AudioMuxElement with a StreamMuxConfig for AAC LC (2), 44.1 kHz (4), stereo.
        // Bits: 0 0 | 1 000000 0000 000 | 00010 0100 0010 ...
        let loas = [0x56, 0xE0, 0x04, 0x20, 0x00, 0x12, 0x10];
        let frame = next_frame(AudioCoding::Loas, &loas, None).unwrap().unwrap();
        let config = frame.config.unwrap();
        assert_eq!((frame.len, config.sample_rate, config.channels), (7, 44_100, 2));
        assert_eq!(config.codec, "mp4a-latm");
        // A LATM frame that repeats no configuration is timed by the stream's.
        let same = [0x56, 0xE0, 0x01, 0x80];
        assert!(next_frame(AudioCoding::Loas, &same, None).is_err());
        let frame = next_frame(AudioCoding::Loas, &same, Some(&config)).unwrap().unwrap();
        assert_eq!((frame.len, frame.rate), (4, 44_100));
        assert!(next_frame(AudioCoding::MpegAudio, &[0, 0, 0, 0], None).is_err());
    }
}
