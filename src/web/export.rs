//! Clip export: gather the clip's samples from the source (a file by Range requests, only the clip's
//! bytes; HLS segment by segment, from the cache when the player has them), plan the cut, re-encode what
//! a frame-exact cut must (its head; a stretch after a change of picture size), and write the MP4.

use super::chunk::Next;
use super::content::{Content, Kind};
use super::job::Job;
use super::reencode::reencode;
use crate::edit::assemble;
use crate::edit::footage::Footage;
use crate::edit::trim::{self, TrimMode, TrimPlan};
use crate::error::{Error, Result};
use crate::mux::{self, Container};

/// Exports `[start, end)` (seconds on the media timeline) as an MP4 file's bytes.
pub(crate) async fn export(
    content: &Content,
    start: f64,
    end: f64,
    mode: TrimMode,
    container: Container,
    job: &Job,
) -> Result<Vec<u8>> {
    job.step(0.0, 0.5);
    let (footage, plan) = gather(content, start, end, mode, job).await?;
    job.check()?;
    let mut encoded = Vec::new();
    if let Some(cut) = &plan.video {
        // Progress over re-encoding goes by frames encoded, across the stretches.
        let total: usize = cut.reencoded().map(|(_, frames)| frames.len()).sum();
        let mut done = 0;
        for (decode, frames) in cut.reencoded() {
            let share = |n: usize| 0.5 + 0.45 * n as f64 / total.max(1) as f64;
            job.step(share(done), share(done + frames.len()));
            encoded.push(reencode(&footage, decode, frames, &cut.coding, job).await?);
            done += frames.len();
        }
    }
    job.step(0.95, 1.0);
    job.check()?;
    let tracks = assemble::tracks(&footage, &plan, encoded)?;
    let bytes = mux::mp4::write(&tracks, container)?;
    job.progress(1.0);
    Ok(bytes)
}

/// The samples of `[start, end)` and the plan that cuts them: from a file, only the planned samples'
/// bytes; from HLS, the segments that hold the clip.
pub(crate) async fn gather(
    content: &Content,
    start: f64,
    end: f64,
    mode: TrimMode,
    job: &Job,
) -> Result<(Footage, TrimPlan)> {
    match content.kind() {
        Kind::File(file) => file.clip_footage(start, end, mode, job).await,
        Kind::Hls(_) => stream_footage(content, start, end, mode, job).await,
    }
}

/// Seconds before a clip's start that its segments are gathered from: more than Opus' 80 ms pre-roll.
const REACH_BACK: f64 = 0.1;

/// The segments that hold `[start, end)`, joined: every one must load (a segment that fails fails the
/// export, which never leaves a hole in a clip).
async fn stream_footage(
    content: &Content,
    start: f64,
    end: f64,
    mode: TrimMode,
    job: &Job,
) -> Result<(Footage, TrimPlan)> {
    let expected = content
        .keyframe_times()
        .iter()
        .filter(|t| **t > start && **t < end)
        .count()
        + 1;
    let mut footage = Footage::default();
    // Start a little before `start`: when it falls at the very beginning of a segment, the segment before
    // holds the audio packet that primes the decoder (pre-roll) and the frame still shown at `start`
    // (the audio leads the first frame of a segment by a frame or so).
    let mut key = content.chunk_at(start - REACH_BACK).or_else(|| content.chunk_at(start));
    let mut loaded = 0;
    while let Some(current) = key {
        job.check()?;
        let chunk = content.load(current).await?;
        // Damage in a segment lost some of its data: the clip would miss it, which an export never does
        // silently.
        if let Some(problem) = chunk.problems.first() {
            return Err(Error::malformed(format!(
                "{}: the clip would miss the data lost there",
                problem.error.message()
            )));
        }
        for track in [&chunk.video, &chunk.audio].into_iter().flatten() {
            footage.append(track, &chunk.data, |_| true)?;
        }
        loaded += 1;
        job.progress(loaded as f64 / expected.max(loaded) as f64);
        key = match content.chunk_after(current) {
            Next::Chunk(next) if chunk.end < end => Some(next),
            _ => None,
        };
    }
    job.check()?;
    let plan = trim::plan(&footage, start, end, mode)?;
    Ok((footage, plan))
}
