//! Exporting a dub: the clip's video copied bit for bit, its sound decoded, the voice laid over it (see
//! `edit::dub`), and the result encoded again (AAC where the browser can, else Opus) into an MP4.
//!
//! The clip's time 0 is the frame shown at its `start`: the video is copied from the keyframe at or before
//! it and the edit list hides the frames before, so the sound the user heard over the clip from `start`
//! lines up with the pictures (players that ignore edit lists show those frames, and the sound is late by
//! as much).

use super::codec::audio_decoder::decode_to_pcm;
use super::content::Content;
use super::dub_sound::{choose_coding, encode};
use super::export::gather;
use super::job::Job;
use super::output::Output;
use crate::decimal::Fixed;
use crate::edit::dub::{DubMode, DubPlacement};
use crate::edit::footage::Footage;
use crate::edit::mix::conform;
use crate::edit::trim::{TrimMode, TrimPlan};

use crate::error::{Error, ErrorCode, Result};
use crate::media::{Pcm, TrackKind};
use crate::mux::Container;

/// The longest clip a dub takes (its sound is held as PCM several times over while mixing).
const MAX_DUB_SECONDS: f64 = 300.0;

/// Exports `[start, end)` of `content` with `voice` placed over its sound, as an MP4 file written to
/// `output`; returns the codec of its sound.
pub(crate) async fn export_dub(
    content: &Content,
    start: f64,
    end: f64,
    voice: &Pcm,
    placement: DubPlacement,
    output: &mut Output,
    job: &Job,
) -> Result<String> {
    if end - start > MAX_DUB_SECONDS {
        return Err(Error::limit(format!(
            "a dub covers at most {} s of a clip ({} s asked)",
            Fixed(MAX_DUB_SECONDS, 0),
            Fixed(end - start, 1)
        )));
    }
    job.step(0.0, 0.3);
    let gathered = gather(content, start, end, TrimMode::HiddenLead, None, job).await?;
    job.step(0.3, 0.4);
    // `replace` never hears the original: only its format (the output keeps its rate and channels).
    let original = match (placement.mode, &gathered.plan.audio) {
        (DubMode::Mix | DubMode::Duck, Some(cut)) => {
            let footage = gathered.readable(TrackKind::Audio, cut.samples.clone(), job).await?;
            original_sound(&footage, &gathered.plan).await?
        }
        _ => None,
    };
    let (footage, plan) = (&gathered.footage, &gathered.plan);
    job.check()?;
    let source_format = footage
        .audio
        .as_ref()
        .map(|t| (t.config.sample_rate, t.config.channels as usize));
    let (rate, channels) = match (&original, source_format) {
        (Some(pcm), _) => (pcm.rate, pcm.channels.len()),
        (None, Some((rate, channels))) if rate > 0 && channels > 0 => (rate, channels),
        (None, _) => (voice.rate, voice.channels.len()),
    };
    let coding = choose_coding(rate, channels as u32).await?;
    let frames = (plan.duration() * f64::from(coding.rate)).round() as usize;
    let count = coding.channels as usize;
    // Both signals at the output's rate and channel count, the original exactly the clip's length
    // (resampling may leave it a sample off).
    let original = match &original {
        Some(pcm) => {
            let mut fitted = conform(&pcm.channels, pcm.rate, coding.rate, count)?;
            fitted.iter_mut().for_each(|channel| channel.resize(frames, 0.0));
            fitted
        }
        None => vec![vec![0.0; frames]; count],
    };
    let voice = conform(&voice.channels, voice.rate, coding.rate, count)?;
    let mixed = Pcm {
        rate: coding.rate,
        channels: placement.apply(&original, &voice, coding.rate)?,
    };
    job.progress(1.0);
    job.step(0.4, 0.7);
    let sound = encode(&mixed, &coding, job).await?;
    job.step(0.7, 1.0);
    job.check()?;
    // The video copied as planned, and the new sound.
    let mut tracks = gathered.tracks(Vec::new())?;
    tracks.retain(|track| track.kind == TrackKind::Video);
    tracks.push(sound.track()?);
    gathered.write(&tracks, Container::Mp4, output, job).await?;
    Ok(sound.config.codec.clone())
}

/// The clip's own sound as PCM over the clip's interval; `None` when the clip has none.
async fn original_sound(footage: &Footage, plan: &TrimPlan) -> Result<Option<Pcm>> {
    let (Some(cut), Some(track)) = (&plan.audio, &footage.audio) else {
        return Ok(None);
    };
    let config = footage
        .config_at(TrackKind::Audio, cut.samples.start)
        .unwrap_or(&track.config);
    let mut samples = track
        .samples
        .get(cut.samples.clone())
        .ok_or_else(|| {
            Error::new(
                ErrorCode::OutOfRange,
                "the plan names audio samples the footage does not have",
            )
        })?
        .iter()
        .map(|sample| Ok((sample, footage.sample_data(sample)?)));
    let pcm = decode_to_pcm(config, track.timescale, &mut samples, plan.start, Some(plan.duration())).await?;
    Ok(Some(pcm))
}
