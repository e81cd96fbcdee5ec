//! Continuous playback of the video track: samples fetched a group of pictures at a time, handed to the
//! decoder a few at a time, and each decoded frame drawn when the clock reaches its presentation time.
//!
//! At most [`FRAMES_AHEAD`] frames are open or queued in the decoder at once: decoding runs just ahead of
//! the clock, and every frame is closed once drawn or passed.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use wasm_bindgen_futures::spawn_local;

use super::decode::VideoDecoding;
use super::media::{MediaData, SampleSpan};
use super::render::Renderer;
use crate::error::{Error, ErrorCode, Result};
use crate::player::plan_frame;
use crate::time::{Time, MICROS_PER_SECOND};

/// Frames decoded but not yet shown, plus chunks queued in the decoder: enough to hide B-frame reordering
/// and a slow frame, few enough to keep memory flat.
const FRAMES_AHEAD: usize = 8;

/// What a clock tick did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tick {
    /// The first frame is not decoded yet: the clock waits for it.
    Waiting,
    /// Still playing.
    Playing,
    /// The last frame has been shown and the clock passed the end.
    Ended,
}

/// The decoding pipeline of one run of playback (from a play or a seek while playing, to a pause).
pub(crate) struct Playback {
    media: Rc<MediaData>,
    decoder: Rc<VideoDecoding>,
    /// Next decode-order sample index to fetch.
    next_fetch: usize,
    /// The fetched group of pictures, and the decode-order index of its next sample to decode.
    pending: Option<(SampleSpan, usize)>,
    fetching: bool,
    /// Every sample has been decoded and the decoder asked to flush out its last frames.
    flushing: bool,
    /// Decoded frames not yet shown, by presentation time.
    frames: VecDeque<web_sys::VideoFrame>,
    /// The clock: media time `media_start` at `performance.now()` = `wall_start` (ms). It starts when the
    /// first frame is decoded, so that the start-up decode does not make the first frames late.
    media_start: f64,
    wall_start: Option<f64>,
    /// Frames the clock passed before they were decoded (the device was too slow).
    pub(crate) dropped: u32,
    failure: Option<Error>,
}

impl Playback {
    /// A pipeline that plays `media` from media time `from`.
    pub(crate) async fn start(media: Rc<MediaData>, from: f64) -> Result<Rc<RefCell<Playback>>> {
        let video = media.video()?;
        let ticks = Time::from_seconds(from + media.origin, video.timescale)
            .ok_or_else(|| Error::new(ErrorCode::OutOfRange, format!("cannot play from {from}")))?
            .ticks;
        let first = plan_frame(video, &media.video_order, ticks).map_or(video.samples.len(), |plan| plan.first);
        let decoder = Rc::new(VideoDecoding::new(&video.config).await?);
        Ok(Rc::new(RefCell::new(Playback {
            media,
            decoder,
            next_fetch: first,
            pending: None,
            fetching: false,
            flushing: false,
            frames: VecDeque::new(),
            media_start: from,
            wall_start: None,
            dropped: 0,
            failure: None,
        })))
    }

    /// Media time on the clock at `now_ms`.
    pub(crate) fn time_at(&self, now_ms: f64) -> f64 {
        let elapsed = self.wall_start.map_or(0.0, |start| (now_ms - start) / 1000.0);
        (self.media_start + elapsed).min(self.media.duration())
    }

    /// One step of playback at wall time `now_ms`: draw the frame due, close the ones passed, keep the
    /// decoder and the fetches going.
    pub(crate) fn tick(this: &Rc<RefCell<Playback>>, now_ms: f64, renderer: &Renderer) -> Result<Tick> {
        let mut playback = this.borrow_mut();
        if let Some(failure) = playback.failure.take() {
            return Err(failure);
        }
        playback.collect_frames();
        if playback.wall_start.is_none() && !playback.frames.is_empty() {
            playback.wall_start = Some(now_ms);
        }
        let now = playback.time_at(now_ms);
        let due_micros = (now + playback.media.origin) * f64::from(MICROS_PER_SECOND);
        // The newest frame whose presentation time has come is shown; the ones before it are passed.
        let due = playback
            .frames
            .iter()
            .rposition(|frame| frame.timestamp() <= due_micros);
        if let Some(due) = due {
            for passed in playback.frames.drain(..due) {
                passed.close();
            }
            playback.dropped += due as u32;
            if let Some(frame) = playback.frames.pop_front() {
                let drawn = renderer.draw(&frame);
                frame.close();
                drawn?;
            }
        }
        playback.feed()?;
        let video_len = playback.media.video()?.samples.len();
        let idle = playback.pending.is_none() && !playback.fetching;
        if idle && playback.next_fetch < video_len {
            drop(playback);
            Playback::fetch_next_group(this);
        } else if idle && !playback.flushing {
            playback.flushing = true;
            let decoder = Rc::clone(&playback.decoder);
            let weak = Rc::downgrade(this);
            drop(playback);
            spawn_local(async move {
                if let (Err(error), Some(playback)) = (decoder.flush().await, weak.upgrade()) {
                    playback.borrow_mut().failure = Some(error);
                }
            });
        } else {
            let ended = playback.flushing
                && playback.frames.is_empty()
                && playback.decoder.queue_size() == 0
                && now >= playback.media.duration();
            return Ok(if ended { Tick::Ended } else { playback.running() });
        }
        Ok(this.borrow().running())
    }

    fn running(&self) -> Tick {
        if self.wall_start.is_some() {
            Tick::Playing
        } else {
            Tick::Waiting
        }
    }

    /// Moves frames out of the decoder into the presentation queue, in presentation order.
    fn collect_frames(&mut self) {
        for frame in self.decoder.take_frames() {
            let at = self.frames.partition_point(|f| f.timestamp() <= frame.timestamp());
            self.frames.insert(at, frame);
        }
    }

    /// Hands fetched samples to the decoder while fewer than [`FRAMES_AHEAD`] are in flight.
    fn feed(&mut self) -> Result<()> {
        let media = Rc::clone(&self.media);
        let video = media.video()?;
        while self.frames.len() + (self.decoder.queue_size() as usize) < FRAMES_AHEAD {
            let Some((span, next)) = self.pending.as_mut() else {
                break;
            };
            let sample = &video.samples[*next];
            self.decoder.decode(sample, span.data(sample), video.timescale)?;
            *next += 1;
            if *next == span.range.end {
                self.pending = None;
            }
        }
        Ok(())
    }

    /// Fetches the next group of pictures (from the next sample up to the keyframe after it) in one read.
    fn fetch_next_group(this: &Rc<RefCell<Playback>>) {
        let (media, range) = {
            let mut playback = this.borrow_mut();
            let Ok(video) = playback.media.video() else {
                return;
            };
            let start = playback.next_fetch;
            let end = video.samples[start + 1..]
                .iter()
                .position(|s| s.key)
                .map_or(video.samples.len(), |i| start + 1 + i);
            playback.next_fetch = end;
            playback.fetching = true;
            (Rc::clone(&playback.media), start..end)
        };
        let weak = Rc::downgrade(this);
        spawn_local(async move {
            let fetched = media.read_video_samples(range).await;
            let Some(playback) = weak.upgrade() else { return };
            let mut playback = playback.borrow_mut();
            playback.fetching = false;
            match fetched {
                Ok(span) => {
                    let first = span.range.start;
                    playback.pending = Some((span, first));
                }
                Err(error) => playback.failure = Some(error),
            }
        });
    }
}

impl Drop for Playback {
    fn drop(&mut self) {
        for frame in self.frames.drain(..) {
            frame.close();
        }
    }
}
