//! Re-encoding stretches of a frame-exact cut: the frames from the cut to the next keyframe (so the clip
//! can start on any frame), and a stretch whose picture size the clip's coding cannot carry (after an HLS
//! discontinuity), are decoded with `VideoDecoder` and encoded again with `VideoEncoder` in the clip's
//! coding (its codec string, so the same profile and level; its picture size, other sizes letterboxed
//! into it; the first frame forced to a keyframe).

use std::ops::Range;

use super::codec::frame::Frame;
use super::codec::video_decoder::VideoDecoder;
use super::codec::video_encoder::VideoEncoder;
use super::job::Job;
use super::life::sleep_ms;
use super::scale::Scaler;
use crate::codec::h264::AvcConfig;
use crate::edit::footage::Footage;
use crate::edit::trim::{EncodedFrame, EncodedStretch};
use crate::error::{Error, ErrorCode, Result};
use crate::media::{Codec, CodecConfig, TrackKind};
use crate::time::{Time, MICROS_PER_SECOND};

/// Frames held between the decoder and the encoder at most: decoded pictures are large (a 720p frame is
/// 1.4 MB), so the decoder is not let run ahead of the encoder.
const FRAMES_IN_FLIGHT: u32 = 4;

/// A re-encoded stretch's bitrate is the source's over the same frames (per pixel of the clip's size),
/// with this margin: a second generation of lossy coding needs a little more to look the same.
const BITRATE_MARGIN: f64 = 1.25;
/// ... and never less than this, bits per second.
const MIN_BITRATE: f64 = 200_000.0;

/// Decodes the samples `decode` of `footage` and encodes the frames shown at `frames` (presentation
/// ticks, in order) again in `coding`. `job` reports progress over `[0, 1]` of this step and stops it
/// when aborted.
pub(crate) async fn reencode(
    footage: &Footage,
    decode: &Range<usize>,
    frames: &[i64],
    coding: &CodecConfig,
    job: &Job,
) -> Result<EncodedStretch> {
    let track = footage
        .video
        .as_ref()
        .ok_or_else(|| Error::new(ErrorCode::OutOfRange, "no video to re-encode"))?;
    let source = footage
        .config_at(TrackKind::Video, decode.start)
        .cloned()
        .unwrap_or_default();
    let samples = track.samples.get(decode.clone()).ok_or_else(|| {
        Error::new(
            ErrorCode::OutOfRange,
            "the plan names video samples the footage does not have",
        )
    })?;
    let micros = |ticks: i64| {
        Time {
            ticks,
            scale: track.timescale,
        }
        .micros() as f64
    };
    let seconds = |ticks: i64| ticks as f64 / f64::from(track.timescale);
    let mut wanted = Vec::with_capacity(frames.len());
    for &pts in frames {
        wanted.push(micros(pts));
    }
    let span = match (frames.first(), frames.last()) {
        (Some(first), Some(last)) if last > first => {
            seconds(last - first) * wanted.len() as f64 / (wanted.len() - 1) as f64
        }
        _ => 1.0 / 30.0,
    };
    let framerate = wanted.len() as f64 / span;
    // The source's bits per second over these frames, per pixel of the clip's picture size.
    let pixels = |c: &CodecConfig| f64::from(c.width.max(1)) * f64::from(c.height.max(1));
    let source_bits: u64 = samples.iter().map(|s| u64::from(s.size) * 8).sum();
    let bitrate = (source_bits as f64 / (samples.len() as f64 / framerate) * BITRATE_MARGIN * pixels(coding)
        / pixels(&source))
    .max(MIN_BITRATE);
    let resize = (source.width, source.height) != (coding.width, coding.height);
    let scaler = if resize {
        Some(Scaler::new(coding.width, coding.height)?)
    } else {
        None
    };

    let decoder = VideoDecoder::new(&source).await?;
    let encoder = VideoEncoder::new(coding, bitrate, framerate).await?;
    let mut encoded = 0usize;
    // Hands each decoded frame the cut shows to the encoder (fitted to the clip's size first when it
    // differs); the others were decoded only as references (before the cut).
    let mut pass_frames = |decoded: Vec<Frame>| -> Result<()> {
        for frame in decoded {
            if wanted.get(encoded).is_some_and(|t| (frame.timestamp() - t).abs() < 1.0) {
                match &scaler {
                    Some(scaler) => encoder.encode(&*scaler.fit(&frame)?, encoded == 0)?,
                    None => encoder.encode(&frame, encoded == 0)?,
                }
                encoded += 1;
            }
        }
        Ok(())
    };
    for (done, sample) in samples.iter().enumerate() {
        job.check()?;
        decoder.decode(sample, footage.sample_data(sample)?, track.timescale)?;
        while decoder.queue_size() + encoder.queue_size() > FRAMES_IN_FLIGHT {
            sleep_ms(0.0).await;
            pass_frames(decoder.take_frames())?;
        }
        pass_frames(decoder.take_frames())?;
        job.progress(0.9 * done as f64 / samples.len() as f64);
    }
    decoder.flush().await?;
    pass_frames(decoder.take_frames())?;
    encoder.flush().await?;
    job.check()?;
    if encoded != wanted.len() {
        return Err(Error::malformed(format!(
            "decoding the stretch to re-encode gave {encoded} of its {} frames",
            wanted.len()
        )));
    }
    let stretch = collect_stretch(&encoder, coding, track.timescale)?;
    job.progress(1.0);
    Ok(stretch)
}

/// The encoder's chunks as frames of the stretch, with the configuration it reported (`decoderConfig` in
/// the first chunk's metadata).
fn collect_stretch(encoder: &VideoEncoder, coding: &CodecConfig, timescale: u32) -> Result<EncodedStretch> {
    let encoded = encoder.take()?;
    let mut frames = Vec::with_capacity(encoded.chunks.len());
    for chunk in encoded.chunks {
        frames.push(EncodedFrame {
            pts: crate::time::rescale_ticks(chunk.timestamp.round() as i64, MICROS_PER_SECOND, timescale)?,
            key: chunk.key,
            data: chunk.data,
        });
    }
    let codec = encoded
        .codec
        .ok_or_else(|| Error::new(ErrorCode::Browser, "the video encoder gave no decoder configuration"))?;
    let mut config = CodecConfig {
        codec,
        description: encoded.description,
        ..coding.clone()
    };
    // Never trusted blindly: an encoder's avcC goes into the file and its parameter sets in front of the
    // re-encoded keyframe, where a wrong one makes every player fail.
    if config.family() == Codec::H264 {
        let record = config.description.as_deref().unwrap_or_default();
        config.description = Some(AvcConfig::repaired(record)?);
    }
    Ok(EncodedStretch { config, frames })
}
