//! The playback clock: media time as a function of the audio output's clock when there is sound (so that
//! pictures follow what is heard), else of `performance.now()`. A page may start its audio context late (a
//! browser resumes it only once its output really runs, or once the user has interacted with the page):
//! until then the clock follows the page, and then it moves onto the audio clock where it stands.

use std::rc::Rc;

use wasm_bindgen::prelude::*;

use super::audio::AudioOutput;

/// Sound is scheduled this far ahead of the audio context's render time, so the first buffers are not late.
const AUDIO_START_LEAD: f64 = 0.05;

/// `performance.now()` in milliseconds, in a window or a worker (0 where there is none).
pub(crate) fn now_ms() -> f64 {
    performance_now().unwrap_or(0.0)
}

#[wasm_bindgen]
extern "C" {
    /// The global `performance.now()`; it throws where there is no `performance`.
    #[wasm_bindgen(catch, js_namespace = performance, js_name = now)]
    fn performance_now() -> Result<f64, JsValue>;
}

/// Media time against a source clock (seconds of the audio context, or of the page).
pub(crate) struct Clock {
    audio: Option<Rc<AudioOutput>>,
    /// Media time when the clock last started, stopped or changed its rate.
    media_start: f64,
    /// Source-clock time at which `media_start` is heard; `None` while stopped.
    started_at: Option<f64>,
    /// Media seconds per source second from `started_at` on: 1, or a little more while a live stream
    /// catches up with its edge.
    rate: f64,
    /// After a rate change that waits for the sound already scheduled (`started_at` then lies ahead): the
    /// course until then, as media time, source time and rate.
    before: Option<(f64, f64, f64)>,
}

impl Clock {
    /// A stopped clock at media time `media_start`, driven by `audio` when given and running, else by the
    /// page until [`Clock::follow`] hands it the audio output.
    pub(crate) fn new(media_start: f64, audio: Option<Rc<AudioOutput>>) -> Clock {
        Clock {
            audio: audio.filter(|audio| audio.running()),
            media_start,
            started_at: None,
            rate: 1.0,
            before: None,
        }
    }

    /// Whether the audio output drives it (sound can be scheduled against it).
    pub(crate) fn on_audio(&self) -> bool {
        self.audio.is_some()
    }

    /// Moves a clock driven by the page onto `audio`, whose context now runs: from the media time it shows
    /// at `now_ms` on, it advances with the sound (which starts a moment later).
    pub(crate) fn follow(&mut self, audio: Rc<AudioOutput>, now_ms: f64) {
        let running = self.running();
        self.hold(now_ms);
        self.audio = Some(audio);
        if running {
            self.start(now_ms);
        }
    }

    fn source_now(&self, now_ms: f64) -> f64 {
        match &self.audio {
            Some(audio) => audio.heard_time(now_ms),
            None => now_ms / 1000.0,
        }
    }

    /// Starts the clock: media time advances from now on (with audio, from when the first scheduled
    /// sound is heard).
    pub(crate) fn start(&mut self, now_ms: f64) {
        self.started_at = Some(match &self.audio {
            Some(audio) => audio.render_time() + AUDIO_START_LEAD,
            None => now_ms / 1000.0,
        });
    }

    /// Moves a stopped clock forward to `t` (past a gap in the media, e.g. a skipped segment).
    pub(crate) fn skip_to(&mut self, t: f64) {
        if self.started_at.is_none() && t > self.media_start {
            self.media_start = t;
        }
    }

    /// Stops the clock at the media time it shows now (a rate change still waiting takes effect at the
    /// next start).
    pub(crate) fn hold(&mut self, now_ms: f64) {
        self.media_start = self.time(now_ms);
        self.started_at = None;
        self.before = None;
    }

    pub(crate) fn running(&self) -> bool {
        self.started_at.is_some()
    }

    /// Source seconds from `now_ms` until source time `from` (0 once it has passed).
    pub(crate) fn until(&self, from: f64, now_ms: f64) -> f64 {
        (from - self.source_now(now_ms)).max(0.0)
    }

    /// The rate last chosen (perhaps still waiting to take effect).
    pub(crate) fn rate(&self) -> f64 {
        self.rate
    }

    /// The rate heard at `now_ms`.
    pub(crate) fn rate_heard(&self, now_ms: f64) -> f64 {
        match (self.before, self.started_at) {
            (Some((_, _, before)), Some(at)) if self.source_now(now_ms) < at => before,
            _ => self.rate,
        }
    }

    /// Plays at `rate` from source time `from` on (no earlier than now), keeping media time continuous:
    /// with sound, `from` is when the sound already scheduled at the old rate ends. Returns `false`, changing
    /// nothing, while an earlier change still waits to take effect.
    pub(crate) fn set_rate(&mut self, rate: f64, from: f64, now_ms: f64) -> bool {
        let now = self.source_now(now_ms);
        let Some(at) = self.started_at else {
            self.rate = rate;
            return true;
        };
        if self.before.is_some() && now < at {
            return false;
        }
        let from = from.max(now).max(at);
        self.before = Some((self.media_start, at, self.rate));
        self.media_start += (from - at) * self.rate;
        self.started_at = Some(from);
        self.rate = rate;
        true
    }

    /// Media time at `now_ms`.
    pub(crate) fn time(&self, now_ms: f64) -> f64 {
        let Some(at) = self.started_at else {
            return self.media_start;
        };
        let source = self.source_now(now_ms);
        match self.before {
            Some((media, before_at, rate)) if source < at => media + (source - before_at).max(0.0) * rate,
            _ => self.media_start + (source - at).max(0.0) * self.rate,
        }
    }

    /// Media time the clock (re)started from, or changed its rate at.
    pub(crate) fn start_time(&self) -> f64 {
        self.media_start
    }

    /// Audio-context time at which the sound of media time `t` must be rendered, and the rate it plays at
    /// (`None` while stopped). Sound starting within a microsecond (a twentieth of a sample) before a rate
    /// change is the sound that follows it, its time rounded differently.
    pub(crate) fn render_time_of(&self, t: f64) -> Option<(f64, f64)> {
        let at = self.started_at?;
        Some(match self.before {
            Some((media, before_at, rate)) if t < self.media_start - 1e-6 => (before_at + (t - media) / rate, rate),
            _ => (at + (t - self.media_start) / self.rate, self.rate),
        })
    }
}
