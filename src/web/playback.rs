//! Continuous playback: chunks fetched ahead of the clock, their samples handed to the video and audio
//! decoders a few at a time, each decoded frame drawn when the clock reaches its presentation time, and
//! the decoded sound scheduled on the audio context at the matching times.
//!
//! At most [`FRAMES_AHEAD`] frames are open or queued in the video decoder, and about [`AUDIO_AHEAD`]
//! seconds of sound are decoded ahead: memory stays flat, and every frame is closed once drawn or passed.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;

use super::audio::AudioOutput;
use super::cell::Access;
use super::chunk::{Chunk, Next, Problem};
use super::clock::Clock;
use super::codec::audio_decoder::{decodable, AudioDecoder};
use super::codec::frame::{Frame, Sound};
use super::codec::video_decoder::VideoDecoder;
use super::content::{Content, Kind};
use super::render::Renderer;
use crate::decimal::Fixed;
use crate::error::{Error, ErrorCode, Result};
use crate::media::{CodecConfig, Display, Sample, Track, TrackKind};
use crate::player::catch_up::catch_up_rate;
use crate::time::{Time, MICROS_PER_SECOND};

/// Frames decoded but not yet shown, plus chunks queued in the decoder: enough to hide B-frame reordering
/// and a slow frame, few enough to keep memory flat.
const FRAMES_AHEAD: usize = 8;
/// Seconds of sound decoded ahead of the clock.
const AUDIO_AHEAD: f64 = 1.0;
/// Chunks are fetched while less than this many seconds are loaded ahead of the clock...
const BUFFER_AHEAD: f64 = 10.0;
/// ...and fewer than this many chunks wait to be decoded.
const CHUNKS_AHEAD: usize = 3;
/// Sound whose timestamp is this far (seconds) from where the sound before it ended is past a
/// discontinuity: more than a tick's rounding of MPEG-TS times, less than any audio frame.
const DISCONTINUITY: f64 = 0.001;

/// A decoder that fails this many times in a row without outputting anything in between is not given
/// another chance: the media (or the device) is beyond recovery, and playback stops with an error.
const MAX_FAILURES_IN_A_ROW: u32 = 3;

/// What a clock tick found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tick {
    /// The clock is stopped until the next frame or sound is decoded (at the start, or after the
    /// clock ran past everything loaded).
    Waiting,
    /// The clock runs.
    Playing,
    /// The last frame has been shown and the clock passed the end.
    Ended,
}

/// A track's chunks waiting to be decoded, with the index of the next sample to hand over.
type Lane = Vec<(Rc<Chunk>, usize)>;

/// The next sample of a lane, taking it off the lane.
fn next_sample(lane: &mut Lane, track: fn(&Chunk) -> Option<&Track>) -> Option<(Rc<Chunk>, Sample)> {
    loop {
        let (chunk, next) = lane.first_mut()?;
        match track(chunk).and_then(|t| t.samples.get(*next)) {
            Some(&sample) => {
                *next += 1;
                return Some((Rc::clone(chunk), sample));
            }
            None => {
                lane.remove(0);
            }
        }
    }
}

/// Asks the browser whether it decodes sound of `config`; the answer arrives in the cell (at once without a
/// configuration to ask about).
fn ask_decodable(config: Option<CodecConfig>) -> Rc<Cell<Option<bool>>> {
    let answer = Rc::new(Cell::new(None));
    match config {
        None => answer.set(Some(true)),
        Some(config) => {
            let cell = Rc::clone(&answer);
            spawn_local(async move {
                // A configuration the browser cannot even check is left to the decoder to refuse.
                cell.set(Some(decodable(&config).await.unwrap_or(true)));
            });
        }
    }
    answer
}

fn video_of(chunk: &Chunk) -> Option<&Track> {
    chunk.video.as_ref()
}

fn audio_of(chunk: &Chunk) -> Option<&Track> {
    chunk.audio.as_ref()
}

struct VideoPart {
    decoder: Option<Rc<VideoDecoder>>,
    lane: Lane,
    /// Decoded frames not yet shown, by presentation time.
    frames: Vec<Frame>,
    /// Frames before this time (µs) are the run-up from the keyframe to the start position: decoded, not
    /// shown, not counted as dropped.
    preroll_until: f64,
    /// How the track being decoded is shown (its display matrix).
    display: Display,
    /// A decoder is being replaced (the codec configuration changed, or the first one is being made).
    switching: bool,
    /// Every sample is decoded and the decoder was asked for its last frames.
    flushing: bool,
    flushed: bool,
    /// The decoder failed: samples are passed over up to the next keyframe, where a new one starts.
    to_keyframe: bool,
    /// Decoder failures since the last frame came out.
    failures: u32,
    /// Presentation time (seconds) of the last sample handed to the decoder.
    fed_time: f64,
}

struct AudioPart {
    output: Rc<AudioOutput>,
    decoder: Option<AudioDecoder>,
    /// The decoder before a discontinuity, giving its last sound while it flushes (the flush holds the
    /// other reference); its sound goes before the new decoder's.
    draining: Option<Rc<AudioDecoder>>,
    lane: Lane,
    /// Decoded sound not yet scheduled.
    decoded: Vec<Sound>,
    /// Decoder failures since the last sound came out.
    failures: u32,
    /// Media time up to which samples have been handed to the decoder.
    fed_until: f64,
    /// Scheduled sound, with the context time each ends.
    scheduled: Vec<(web_sys::AudioBufferSourceNode, f64)>,
    /// Media time the scheduled sound reaches.
    scheduled_until: f64,
    /// Whether the browser decodes the track's sound, once it has answered (no decoder is made before).
    decodable: Rc<Cell<Option<bool>>>,
    /// The sound's codec, for messages.
    codec: String,
}

/// The pipeline of one run of playback (from a play, or a seek while playing, to a pause).
pub(crate) struct Playback {
    media: Rc<Content>,
    clock: Clock,
    next: Next,
    last_loaded: Option<u64>,
    loading: bool,
    /// The chunks loaded reach this media time.
    buffered_until: f64,
    /// The first chunk has been loaded and its lanes start at the start position.
    positioned: bool,
    /// Where the first chunk loaded while the clock was stopped starts.
    resume_at: Option<f64>,
    video: Option<VideoPart>,
    audio: Option<AudioPart>,
    /// Frames the clock passed before they were decoded (the device was too slow).
    pub(crate) dropped: u32,
    /// What playback passed over (segments that failed to load, damage, decoder failures), not yet
    /// reported.
    pub(crate) problems: Vec<Problem>,
    failure: Option<Error>,
}

impl Playback {
    /// A pipeline that plays `media` from media time `from`, with sound through `audio` when given.
    pub(crate) fn start(media: Rc<Content>, from: f64, audio: Option<Rc<AudioOutput>>) -> Rc<RefCell<Playback>> {
        let has_video = media.has_track(TrackKind::Video);
        let audio = audio.filter(|_| media.has_track(TrackKind::Audio));
        let audio_config = media.with_tracks(|tracks| {
            tracks
                .iter()
                .find(|t| t.kind == TrackKind::Audio)
                .map(|t| t.config.clone())
        });
        let next = media.chunk_at(from).map_or(Next::End, Next::Chunk);
        Rc::new(RefCell::new(Playback {
            media,
            clock: Clock::new(from, audio.clone()),
            next,
            last_loaded: None,
            loading: false,
            buffered_until: from,
            positioned: false,
            resume_at: None,
            video: has_video.then(|| VideoPart {
                decoder: None,
                lane: Lane::new(),
                frames: Vec::new(),
                preroll_until: f64::NEG_INFINITY,
                display: Display::default(),
                switching: false,
                flushing: false,
                flushed: false,
                to_keyframe: false,
                failures: 0,
                fed_time: from,
            }),
            audio: audio.map(|output| AudioPart {
                output,
                decoder: None,
                draining: None,
                lane: Lane::new(),
                decoded: Vec::new(),
                failures: 0,
                fed_until: from,
                scheduled: Vec::new(),
                scheduled_until: from,
                decodable: ask_decodable(audio_config.clone()),
                codec: audio_config.as_ref().map(|c| c.codec.clone()).unwrap_or_default(),
            }),
            dropped: 0,
            problems: Vec::new(),
            failure: None,
        }))
    }

    /// Media time on the clock at `now_ms`.
    pub(crate) fn time_at(&self, now_ms: f64) -> f64 {
        self.clock.time(now_ms)
    }

    /// One step of playback at wall time `now_ms`: start or hold the clock, draw the frame due, schedule
    /// the sound decoded, keep the decoders and the fetches going. Returns what it found and the clock's
    /// media time.
    pub(crate) fn tick(this: &Rc<RefCell<Playback>>, now_ms: f64, renderer: &Renderer) -> Result<(Tick, f64)> {
        let mut playback = this.write();
        if let Some(failure) = playback.failure.take() {
            return Err(failure);
        }
        playback.collect()?;
        let more_coming = playback.next != Next::End || playback.loading;
        if !playback.clock.on_audio() {
            if let Some(output) = playback.audio.as_ref().map(|a| &a.output).filter(|o| o.running()) {
                // The audio context started: sound joins from here, and pictures follow it.
                let output = Rc::clone(output);
                playback.clock.follow(output, now_ms);
            }
        }
        let mut time = playback.clock.time(now_ms);
        if !playback.clock.running() && playback.ready() {
            // Past a gap left by skipped segments, the clock resumes where the media does.
            if let Some(resume) = playback.resume_at.take() {
                playback.clock.skip_to(resume);
            }
            playback.clock.start(now_ms);
            time = playback.clock.time(now_ms);
        } else if playback.clock.running() && more_coming && time > playback.buffered_until {
            // The clock ran past everything loaded: wait for the next chunk.
            playback.clock.hold(now_ms);
            time = playback.clock.time(now_ms);
        }
        playback.draw_due(time, renderer)?;
        playback.schedule_sound(time)?;
        playback.catch_up(time, now_ms);
        playback.feed_video(this)?;
        playback.feed_audio(time)?;
        let ended = playback.ended(time);
        let running = playback.clock.running();
        drop(playback);
        Playback::load_ahead(this, time);
        let tick = match (ended, running) {
            (true, _) => Tick::Ended,
            (false, true) => Tick::Playing,
            (false, false) => Tick::Waiting,
        };
        Ok((tick, time))
    }

    /// The playback rate heard at `now_ms`: 1, or a little more while catching up with a live edge.
    pub(crate) fn rate(&self, now_ms: f64) -> f64 {
        self.clock.rate_heard(now_ms)
    }

    /// A live stream: plays faster while behind its live target, at 1 otherwise (`player::catch_up`). A
    /// change takes effect once the sound already scheduled has played, so pictures and sound stay together;
    /// it is decided on how far behind the player will be by then. While the clock waits (the start-up, a
    /// stall) the rate is chosen for when it starts again.
    fn catch_up(&mut self, time: f64, now_ms: f64) {
        let rate = self.clock.rate();
        let from = self
            .audio
            .as_ref()
            .and_then(|a| a.scheduled.last())
            .map_or(0.0, |(_, end)| *end);
        let wanted = match self.media.kind() {
            Kind::Hls(hls) if hls.is_live() => {
                let behind = hls.live_edge() - time - (rate - 1.0) * self.clock.until(from, now_ms);
                catch_up_rate(behind, rate, hls.target_duration())
            }
            _ => 1.0,
        };
        if wanted != rate {
            self.clock.set_rate(wanted, from, now_ms);
        }
    }

    /// Moves decoded frames and sound out of the decoders; replaces a decoder that failed.
    fn collect(&mut self) -> Result<()> {
        if let Some(video) = &mut self.video {
            if let Some(decoder) = &video.decoder {
                for frame in decoder.take_frames() {
                    video.failures = 0;
                    if frame.timestamp() < video.preroll_until {
                        continue;
                    }
                    let at = video.frames.partition_point(|f| f.timestamp() <= frame.timestamp());
                    video.frames.insert(at, frame);
                }
                if decoder.failed() {
                    let error = decoder.check().err();
                    recover_video(video, error, &mut self.problems)?;
                }
            }
        }
        let mut failed = None;
        if let Some(audio) = &mut self.audio {
            let decoder = match &audio.draining {
                Some(draining) => Some(&**draining),
                None => audio.decoder.as_ref(),
            };
            if let Some(decoder) = decoder {
                match decoder.take() {
                    Ok(sound) => {
                        if !sound.is_empty() {
                            audio.failures = 0;
                        }
                        audio.decoded.extend(sound);
                    }
                    Err(error) => failed = Some(error),
                }
            }
            if audio.draining.as_ref().is_some_and(|d| Rc::strong_count(d) == 1) {
                audio.draining = None;
            }
        }
        match failed {
            Some(error) => self.audio_failed(error),
            None => Ok(()),
        }
    }

    /// An audio decoder failed with `error`. A codec this browser cannot decode means playing on without
    /// sound (reported); anything else, a new decoder at the next packet (see [`recover_audio`]).
    fn audio_failed(&mut self, error: Error) -> Result<()> {
        if error.code() != ErrorCode::UnsupportedCodec {
            return match &mut self.audio {
                Some(audio) => recover_audio(audio, error, &mut self.problems),
                None => Ok(()),
            };
        }
        if let Some(audio) = self.audio.take() {
            stop_sound(audio);
        }
        self.problems.push(Problem {
            error: Error::new(
                ErrorCode::UnsupportedCodec,
                format!("{}; playing on without sound", error.message()),
            ),
            time: None,
        });
        Ok(())
    }

    /// Whether the clock can start: the first frame is decoded and the sound is ready (or there is
    /// nothing more to wait for).
    fn ready(&self) -> bool {
        let video_ready = self.video.as_ref().is_none_or(|v| !v.frames.is_empty() || v.flushed);
        let audio_ready = self.audio.as_ref().is_none_or(|a| {
            !a.decoded.is_empty() || (a.lane.is_empty() && a.decoder.as_ref().is_none_or(|d| d.queue_size() == 0))
        });
        let something = self.video.as_ref().is_some_and(|v| !v.frames.is_empty())
            || self.audio.as_ref().is_some_and(|a| !a.decoded.is_empty());
        video_ready && audio_ready && (something || self.next == Next::End && !self.loading)
    }

    /// Draws the frame due at wall time `now_ms`, when it is decoded and its animation frame has not come
    /// yet: a pause holds the frame of the time it stops at.
    pub(crate) fn show_due(&mut self, now_ms: f64, renderer: &Renderer) -> Result<()> {
        let time = self.time_at(now_ms);
        self.draw_due(time, renderer)
    }

    /// Draws the newest frame whose presentation time has come; closes the ones it passed.
    fn draw_due(&mut self, time: f64, renderer: &Renderer) -> Result<()> {
        let Some(video) = &mut self.video else {
            return Ok(());
        };
        let due_micros = time * f64::from(MICROS_PER_SECOND);
        let Some(due) = video.frames.iter().rposition(|frame| frame.timestamp() <= due_micros) else {
            return Ok(());
        };
        // The frames it passed are closed as they are dropped.
        self.dropped += due as u32;
        if let Some(frame) = video.frames.drain(..=due).next_back() {
            renderer.draw(&frame, &video.display)?;
        }
        Ok(())
    }

    /// Schedules the decoded sound at its media time on the audio clock; what is already late is cut.
    fn schedule_sound(&mut self, time: f64) -> Result<()> {
        let Some(audio) = &mut self.audio else {
            return Ok(());
        };
        if !self.clock.on_audio() {
            // Silent until the audio context runs: what the clock has passed will never be heard.
            let now = time * f64::from(MICROS_PER_SECOND);
            audio.decoded.retain(|data| data.timestamp() + data.duration() > now);
            return Ok(());
        }
        if !self.clock.running() {
            return Ok(());
        }
        let render_now = audio.output.render_time();
        audio.scheduled.retain(|(_, end)| *end >= render_now);
        for data in std::mem::take(&mut audio.decoded) {
            let start = data.timestamp() / f64::from(MICROS_PER_SECOND);
            let duration = data.duration() / f64::from(MICROS_PER_SECOND);
            // Leave out what comes before the start position (or before a rate change the clock made when
            // this sound was not scheduled yet: that time passed unheard), what was scheduled already (across
            // a discontinuity the sound of the next period may begin before the last one ends: a stream
            // looped or spliced, its encoder's priming frame first; Firefox's decoder keeps those times), and
            // what is already late; the rest plays at the rate of the time it starts at.
            let lead = (self.clock.start_time().max(audio.scheduled_until) - start).max(0.0);
            let played = self.clock.render_time_of(start + lead).map(|(at, rate)| {
                let late = ((render_now - at) * rate).max(0.0);
                let skip = lead + late;
                (skip < duration).then(|| audio.output.play(&data, at + late / rate, skip, rate))
            });
            if let Some(Some(scheduled)) = played {
                audio.scheduled.push(scheduled?);
                audio.scheduled_until = start + duration;
            }
        }
        Ok(())
    }

    /// Hands samples to the video decoder while fewer than [`FRAMES_AHEAD`] are in flight; replaces the
    /// decoder when the codec configuration changes (an HLS discontinuity, a variant switch).
    fn feed_video(&mut self, this: &Rc<RefCell<Playback>>) -> Result<()> {
        let Some(video) = &mut self.video else {
            return Ok(());
        };
        while !video.switching {
            let in_flight = video.frames.len() + video.decoder.as_ref().map_or(0, |d| d.queue_size() as usize);
            if in_flight >= FRAMES_AHEAD {
                break;
            }
            let Some((chunk, sample)) = next_sample(&mut video.lane, video_of) else {
                break;
            };
            let Some(track) = chunk.video.as_ref() else { continue };
            if video.to_keyframe && !sample.key {
                continue; // undecodable without the frames the failed decoder lost
            }
            video.to_keyframe = false;
            video.display = track.display;
            let current = video.decoder.as_ref().is_some_and(|d| d.config == track.config);
            if !current {
                // Put the sample back; it is decoded by the new decoder, which must start at a keyframe.
                if let Some((_, next)) = video.lane.first_mut() {
                    *next -= 1;
                }
                video.switching = true;
                Playback::replace_video_decoder(this, video.decoder.clone(), track.config.clone());
                break;
            }
            video.fed_time = Time {
                ticks: sample.pts,
                scale: track.timescale,
            }
            .seconds();
            let fed = match &video.decoder {
                Some(decoder) => decoder.decode(&sample, chunk.sample_data(&sample)?, track.timescale),
                None => Ok(()),
            };
            if let Err(error) = fed {
                recover_video(video, Some(error), &mut self.problems)?;
                break;
            }
        }
        let drained = video.lane.is_empty() && !video.switching && !video.flushing;
        if drained && self.next == Next::End && !self.loading {
            video.flushing = true;
            let decoder = video.decoder.clone();
            let weak = Rc::downgrade(this);
            spawn_local(async move {
                let (flushed, failed) = match decoder {
                    Some(decoder) => (decoder.flush().await, decoder.failed()),
                    None => (Ok(()), false),
                };
                if let Some(playback) = weak.upgrade() {
                    let mut playback = playback.write();
                    // A decoder failing on the last frames loses them: the end is reached all the same. (One
                    // that reported its failure is reported by `collect`.)
                    if let Err(error) = flushed {
                        if !failed {
                            playback.problems.push(Problem { error, time: None });
                        }
                    }
                    if let Some(video) = &mut playback.video {
                        video.flushed = true;
                    }
                }
            });
        }
        Ok(())
    }

    /// Flushes the old decoder's last frames out, then makes a decoder for `config`.
    fn replace_video_decoder(
        this: &Rc<RefCell<Playback>>,
        old: Option<Rc<VideoDecoder>>,
        config: crate::media::CodecConfig,
    ) {
        let weak = Rc::downgrade(this);
        spawn_local(async move {
            // The old decoder's last frames come out first (a failed one has none to give).
            let flushed = match &old {
                Some(old) if !old.failed() => old.flush().await,
                _ => Ok(()),
            };
            if weak.strong_count() == 0 {
                return; // stopped meanwhile: no decoder to make
            }
            let made = VideoDecoder::new(&config).await;
            let Some(playback) = weak.upgrade() else { return };
            let mut playback = playback.write();
            // A decoder that failed on its last frames lost them (reported once, by `collect`); the new one
            // starts at its keyframe all the same.
            if let Err(error) = playback.collect() {
                playback.failure = Some(error);
            }
            if let Err(error) = flushed {
                if !old.is_some_and(|old| old.failed()) {
                    playback.problems.push(Problem { error, time: None });
                }
            }
            match made {
                Ok(decoder) => {
                    if let Some(video) = &mut playback.video {
                        video.decoder = Some(Rc::new(decoder));
                        video.switching = false;
                    }
                }
                Err(error) => playback.failure = Some(error),
            }
        });
    }

    /// Hands samples to the audio decoder until [`AUDIO_AHEAD`] seconds past the clock are covered.
    fn feed_audio(&mut self, time: f64) -> Result<()> {
        let Some(audio) = &mut self.audio else {
            return Ok(());
        };
        match audio.decodable.get() {
            None => return Ok(()),
            Some(false) => {
                let problem = format!("this browser cannot decode {} audio", audio.codec);
                return self.audio_failed(Error::new(ErrorCode::UnsupportedCodec, problem));
            }
            Some(true) => {}
        }
        let mut failed = None;
        while audio.fed_until < time + AUDIO_AHEAD && failed.is_none() {
            let Some((chunk, sample)) = next_sample(&mut audio.lane, audio_of) else {
                break;
            };
            let Some(track) = chunk.audio.as_ref() else { continue };
            let time_of = |ticks| {
                Time {
                    ticks,
                    scale: track.timescale,
                }
                .seconds()
            };
            // Across a discontinuity (a stream looped or spliced: its sound starts over, before or after
            // where the last ended), the sound goes on in a new decoder. Chromium's numbers its output on
            // from its first input, whatever the inputs' times, which would put the new period's sound
            // off by the jump, and the pictures with it (they follow the sound).
            if (time_of(sample.pts) - audio.fed_until).abs() > DISCONTINUITY && audio.draining.is_none() {
                if let Some(old) = audio.decoder.take() {
                    let old = Rc::new(old);
                    let flushing = Rc::clone(&old);
                    spawn_local(async move {
                        // A failure shows in the decoder's `take` (see `collect`).
                        let _ = flushing.flush().await;
                    });
                    audio.draining = Some(old);
                }
            }
            audio.fed_until = time_of(sample.pts + i64::from(sample.duration));
            if audio.decoder.as_ref().is_none_or(|d| d.config != track.config) {
                match AudioDecoder::new(&track.config) {
                    Ok(decoder) => audio.decoder = Some(decoder),
                    Err(error) => {
                        failed = Some(error);
                        continue;
                    }
                }
            }
            if let Some(decoder) = &audio.decoder {
                if let Err(error) = decoder.decode(&sample, chunk.sample_data(&sample)?, track.timescale) {
                    failed = Some(error);
                }
            }
        }
        match failed {
            Some(error) => self.audio_failed(error),
            None => Ok(()),
        }
    }

    /// Whether everything has been shown and heard.
    fn ended(&self, time: f64) -> bool {
        let video_done = self
            .video
            .as_ref()
            .is_none_or(|v| v.lane.is_empty() && v.frames.is_empty() && (v.flushed || v.decoder.is_none()));
        let audio_done = self.audio.as_ref().is_none_or(|a| a.lane.is_empty());
        self.next == Next::End && !self.loading && video_done && audio_done && time >= self.buffered_until
    }

    /// Starts loading the next chunk when less than [`BUFFER_AHEAD`] seconds are loaded.
    fn load_ahead(this: &Rc<RefCell<Playback>>, time: f64) {
        let (media, key) = {
            let mut playback = this.write();
            let lanes_short = playback.video.as_ref().is_none_or(|v| v.lane.len() < CHUNKS_AHEAD)
                && playback.audio.as_ref().is_none_or(|a| a.lane.len() < CHUNKS_AHEAD);
            if playback.loading || !lanes_short || playback.buffered_until > time + BUFFER_AHEAD {
                return;
            }
            if playback.next == Next::NotYet {
                // A live stream: has the reloaded playlist listed it since?
                if let Some(last) = playback.last_loaded {
                    playback.next = playback.media.chunk_after(last);
                }
            }
            let Next::Chunk(key) = playback.next else { return };
            playback.loading = true;
            (Rc::clone(&playback.media), key)
        };
        let weak = Rc::downgrade(this);
        spawn_local(async move {
            let loaded = media.load(key).await;
            let Some(playback) = weak.upgrade() else { return };
            let mut playback = playback.write();
            playback.loading = false;
            playback.last_loaded = Some(key);
            playback.next = media.chunk_after(key);
            match loaded {
                Ok(chunk) => playback.add_chunk(chunk),
                // A segment that keeps failing (or timing out), is corrupt or too large is skipped (and
                // reported); a file that fails, or a media closed meanwhile, is fatal.
                Err(error) if media.is_stream() && !media.is_closed() => {
                    playback.problems.push(Problem { error, time: None })
                }
                Err(error) => playback.failure = Some(error),
            }
        });
    }

    fn add_chunk(&mut self, chunk: Rc<Chunk>) {
        self.problems.extend(chunk.problems.iter().cloned());
        let first = !std::mem::replace(&mut self.positioned, true);
        if !self.clock.running() && self.resume_at.is_none() {
            self.resume_at = chunk.start();
        }
        let from = self.clock.start_time();
        self.buffered_until = self.buffered_until.max(chunk.end);
        if let (Some(video), Some(_)) = (&mut self.video, &chunk.video) {
            let mut start = 0;
            if first {
                // Decode from the keyframe before the start position; show from the frame that holds it.
                if let Ok((_, plan)) = chunk.plan_frame(from) {
                    start = plan.first;
                    let track = chunk.video.as_ref().map_or(1, |t| t.timescale);
                    video.preroll_until = Time {
                        ticks: plan.pts,
                        scale: track,
                    }
                    .micros() as f64;
                }
            }
            video.lane.push((Rc::clone(&chunk), start));
        }
        if let (Some(audio), Some(track)) = (&mut self.audio, &chunk.audio) {
            let mut start = 0;
            if first {
                // From the packet before the one that holds the start position: AAC frames overlap.
                let holds = track.samples.partition_point(|s| {
                    Time {
                        ticks: s.pts + i64::from(s.duration),
                        scale: track.timescale,
                    }
                    .seconds()
                        <= from
                });
                start = holds.saturating_sub(1);
            }
            audio.lane.push((Rc::clone(&chunk), start));
        }
    }
}

impl Drop for Playback {
    fn drop(&mut self) {
        if let Some(audio) = self.audio.take() {
            stop_sound(audio);
        }
    }
}

/// Stops the sound `audio` has scheduled (its decoder and decoded sound close as it goes).
fn stop_sound(audio: AudioPart) {
    for (source, _) in audio.scheduled {
        let _ = source.unchecked_ref::<web_sys::AudioScheduledSourceNode>().stop();
    }
}

/// Gives up on a video decoder that failed: reports it and passes over the samples up to the next
/// keyframe, where a new decoder starts; fatal after [`MAX_FAILURES_IN_A_ROW`].
fn recover_video(video: &mut VideoPart, error: Option<Error>, problems: &mut Vec<Problem>) -> Result<()> {
    video.decoder = None;
    video.to_keyframe = true;
    video.failures += 1;
    let cause = error.map_or_else(|| "the decoder closed".to_owned(), |e| e.message().to_owned());
    recovered("video", cause, video.fed_time, video.failures, problems)
}

/// Gives up on an audio decoder that failed: reports it; a new one starts at the next packet.
fn recover_audio(audio: &mut AudioPart, error: Error, problems: &mut Vec<Problem>) -> Result<()> {
    audio.decoder = None;
    audio.failures += 1;
    recovered(
        "audio",
        error.message().to_owned(),
        audio.fed_until,
        audio.failures,
        problems,
    )
}

fn recovered(what: &str, cause: String, time: f64, failures: u32, problems: &mut Vec<Problem>) -> Result<()> {
    if failures >= MAX_FAILURES_IN_A_ROW {
        return Err(Error::malformed(format!(
            "{what} decoding failed {failures} times in a row, last near {} s: {cause}",
            Fixed(time, 3)
        )));
    }
    problems.push(Problem {
        error: Error::malformed(format!(
            "{what} decoding failed near {} s ({cause}); playback resumes after the damage",
            Fixed(time, 3)
        )),
        time: Some(time),
    });
    Ok(())
}
