//! Clip export: gather the clip's samples from the source (a file by Range requests, only the clip's
//! bytes; HLS segment by segment, from the cache when the player has them), plan the cut, re-encode the
//! head when the cut is frame-exact, and write the MP4.

use super::content::{Content, Next};
use super::encode::reencode_head;
use super::job::Job;
use crate::edit::footage::Footage;
use crate::edit::trim::{self, TrimMode, TrimPlan};
use crate::error::Result;
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
    let (footage, plan) = match content {
        Content::File(file) => file.clip_footage(start, end, mode, job).await?,
        Content::Hls(_) => stream_footage(content, start, end, mode, job).await?,
    };
    let head = match plan.video.as_ref().filter(|cut| !cut.reencode.is_empty()) {
        Some(cut) => {
            job.step(0.5, 0.95);
            Some(reencode_head(&footage, cut, job).await?)
        }
        None => None,
    };
    job.step(0.95, 1.0);
    job.check()?;
    let tracks = trim::assemble(&footage, &plan, head)?;
    let bytes = mux::mp4::write(&tracks, container)?;
    job.progress(1.0);
    Ok(bytes)
}

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
    let mut key = content.chunk_at(start);
    let mut loaded = 0;
    while let Some(current) = key {
        job.check()?;
        let chunk = content.load(current).await?;
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
