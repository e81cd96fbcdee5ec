//! Clip export: plan the cut on the source's index (a file's) or on the segments that hold the clip (HLS,
//! from the cache when the player has them), re-encode what a frame-exact cut must (its head; a stretch
//! after a change of picture size), and write the MP4 front to back: from a file, the copied samples are
//! read by Range requests (or `Blob` slices) batch by batch as they are written, only the clip's bytes.

use std::borrow::Cow;
use std::ops::Range;

use super::chunk::Next;
use super::content::{ChunkRun, Content, Kind};
use super::file::FileContent;
use super::job::Job;
use super::output::Output;
use super::reencode::reencode;
use crate::edit::assemble;
use crate::edit::footage::Footage;
use crate::edit::trim::{self, EncodedStretch, TrimMode, TrimPlan};
use crate::error::{Error, Result};
use crate::media::TrackKind;
use crate::mux::{self, Container, MuxTrack};

/// Exports `[start, end)` (seconds on the media timeline) as an MP4 file written to `output`.
pub(crate) async fn export(
    content: &Content,
    start: f64,
    end: f64,
    mode: TrimMode,
    container: Container,
    output: &mut Output,
    job: &Job,
) -> Result<()> {
    // Progress: loading HLS segments takes the first half; re-encoding a fifth; writing (and reading the
    // copied samples from a file) the rest, by bytes.
    job.step(0.0, 0.5);
    let gathered = gather(content, start, end, mode, None, job).await?;
    job.check()?;
    let mut done = if gathered.file.is_some() { 0.0 } else { 0.5 };
    let mut encoded = Vec::new();
    if let Some(cut) = &gathered.plan.video {
        let total: usize = cut.reencoded().map(|(_, frames)| frames.len()).sum();
        let mut frames_done = 0;
        let share = |n: usize| done + 0.2 * n as f64 / total.max(1) as f64;
        for (decode, frames) in cut.reencoded() {
            job.step(share(frames_done), share(frames_done + frames.len()));
            let footage = gathered.readable(TrackKind::Video, decode.clone(), job).await?;
            encoded.push(reencode(&footage, decode, frames, &cut.coding, job).await?);
            frames_done += frames.len();
        }
        if total > 0 {
            done += 0.2;
        }
    }
    job.step(done, 1.0);
    job.check()?;
    let tracks = gathered.tracks(encoded)?;
    gathered.write(&tracks, container, output, job).await
}

/// A clip's footage and plan, and the file its samples' bytes are still in (none: they are in the
/// footage, as HLS segments brought them).
pub(crate) struct Gathered<'c> {
    pub(crate) footage: Footage,
    pub(crate) plan: TrimPlan,
    file: Option<&'c FileContent>,
}

impl Gathered<'_> {
    /// The footage with the bytes of its `kind` track's samples `range` at hand, to decode them.
    pub(crate) async fn readable(&self, kind: TrackKind, range: Range<usize>, job: &Job) -> Result<Cow<'_, Footage>> {
        Ok(match self.file {
            Some(file) => Cow::Owned(file.read_samples(&self.footage, kind, range, job).await?),
            None => Cow::Borrowed(&self.footage),
        })
    }

    /// The clip's tracks as planned, with the re-encoded stretches of an exact cut.
    pub(crate) fn tracks(&self, encoded: Vec<EncodedStretch>) -> Result<Vec<MuxTrack<'_>>> {
        match self.file {
            Some(_) => assemble::tracks_at_source(&self.footage, &self.plan, encoded),
            None => assemble::tracks(&self.footage, &self.plan, encoded),
        }
    }

    /// Writes `tracks` to `output` as a `container` file, the copied samples read from the file batch by
    /// batch as they are written.
    pub(crate) async fn write(
        &self,
        tracks: &[MuxTrack<'_>],
        container: Container,
        output: &mut Output,
        job: &Job,
    ) -> Result<()> {
        let layout = mux::mp4::layout(tracks, container)?;
        output
            .write_file(&layout, self.file.map(FileContent::source), job)
            .await
    }
}

/// The samples of `[start, end)` and the plan that cuts them: from a file, its index (the bytes are read
/// later, as they are written); from HLS, the segments that hold the clip, the job's current step going
/// from 0 to 1 as they load. The sound is a file's audio track with id `sound` (`None`: the first); an HLS
/// stream's is the one it plays.
pub(crate) async fn gather<'c>(
    content: &'c Content,
    start: f64,
    end: f64,
    mode: TrimMode,
    sound: Option<u32>,
    job: &Job,
) -> Result<Gathered<'c>> {
    match content.kind() {
        Kind::File(file) => {
            let (footage, plan) = file.clip_footage(start, end, mode, sound)?;
            Ok(Gathered {
                footage,
                plan,
                file: Some(file),
            })
        }
        Kind::Hls(_) => {
            let (footage, plan) = stream_footage(content, start, end, mode, job).await?;
            Ok(Gathered {
                footage,
                plan,
                file: None,
            })
        }
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
    let mut run = ChunkRun::new(content, key, end, job.signal());
    let mut loaded = 0;
    while let Some(current) = key {
        job.check()?;
        let chunk = run.load(current).await?;
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
