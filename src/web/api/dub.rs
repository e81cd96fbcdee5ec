//! `Dub`: a voice over a clip, from `clip.dub({ voice, at, mode, originalGain })`. It keeps every take
//! (imported files, recordings) so the user can switch between them, previews the result in a player and
//! exports it.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Array, Float32Array, Object, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::clip::Clip;
use super::media::Media;
use super::player::Player;
use super::throw;
use crate::decimal::Fixed;
use crate::edit::dub::{DubMode, DubPlacement};
use crate::edit::waveform::{self, Peaks};
use crate::error::{Error, ErrorCode, Result};
use crate::media::Pcm;
use crate::web::capture::Recording;
use crate::web::cell::Access;
use crate::web::content::Content;
use crate::web::dictionary::plain_object;
use crate::web::dub_export::export_dub;
use crate::web::file::FileContent;
use crate::web::job::Job;
use crate::web::life::{Life, MEDIA};
use crate::web::options;
use crate::web::output::Output;
use crate::web::promise::to_promise;
use crate::web::source::Source;
use crate::web::voice;

/// One voice to lay over the clip.
struct Take {
    sound: RefCell<TakeSound>,
    /// Where it goes, seconds into the clip.
    at: Cell<f64>,
}

enum TakeSound {
    /// A file not decoded yet (decoding is asynchronous; it happens at the first preview or export).
    File(JsValue),
    Decoded(Rc<Pcm>),
}

struct DubState {
    content: Rc<Content>,
    start: f64,
    end: f64,
    mode: Cell<DubMode>,
    /// `None`: the mode's default.
    original_gain: Cell<Option<f32>>,
    takes: RefCell<Vec<Rc<Take>>>,
    current: Cell<Option<usize>>,
    /// `at` before there is a take to hold it.
    pending_at: Cell<f64>,
    recording: RefCell<Option<Recording>>,
}

/// A dub of a clip: its voice takes, where the current one goes and how it combines with the clip's sound.
#[wasm_bindgen]
pub struct Dub {
    state: Rc<DubState>,
}

#[wasm_bindgen]
impl Clip {
    /// A dub of the clip: `{ voice, at, mode, originalGain }` (all optional; `voice` a `Blob`/`File`,
    /// `Uint8Array`, `ArrayBuffer` or `AudioBuffer`, or none yet to record one; `at` seconds into the
    /// clip, default 0; `mode` `'replace'` (default), `'mix'` or `'duck'`; `originalGain` default 0.5 for
    /// `mix`, 0.2 for `duck`). Throws on a bad option.
    pub fn dub(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "DubOptions")] options: Option<js_sys::Object>,
    ) -> std::result::Result<Dub, JsValue> {
        let options = options::given(options);
        throw(Dub::new(Rc::clone(&self.content), self.start, self.end, &options))
    }
}

fn gain(value: f64) -> Result<f32> {
    if !value.is_finite() {
        return Err(Error::new(
            ErrorCode::OutOfRange,
            format!("originalGain {} is not a number", Fixed(value, 2)),
        ));
    }
    Ok(value as f32)
}

impl Dub {
    /// A dub of `[start, end)` of `content` from the options `{ voice, at, mode, originalGain }`.
    pub(crate) fn new(content: Rc<Content>, start: f64, end: f64, options: &JsValue) -> Result<Dub> {
        let mode = options::string(options, "mode")?.map_or(Ok(DubMode::Replace), |m| DubMode::parse(&m))?;
        let at = options::number(options, "at")?.unwrap_or(0.0);
        let original_gain = options::number(options, "originalGain")?.map(gain).transpose()?;
        DubPlacement::new(at, mode, original_gain.unwrap_or(mode.default_original_gain()))?;
        let dub = Dub {
            state: Rc::new(DubState {
                content,
                start,
                end,
                mode: Cell::new(mode),
                original_gain: Cell::new(original_gain),
                takes: RefCell::new(Vec::new()),
                current: Cell::new(None),
                pending_at: Cell::new(at),
                recording: RefCell::new(None),
            }),
        };
        if let Some(voice) = options::value(options, "voice") {
            dub.state.add_take(take_sound(&voice)?, at);
        }
        Ok(dub)
    }
}

/// A take's sound from what the caller gave: an `AudioBuffer` is read now; a file later.
fn take_sound(voice: &JsValue) -> Result<TakeSound> {
    if let Some(buffer) = voice.dyn_ref::<web_sys::AudioBuffer>() {
        return Ok(TakeSound::Decoded(Rc::new(voice::from_audio_buffer(buffer)?)));
    }
    let is_file = voice.is_instance_of::<web_sys::Blob>()
        || voice.is_instance_of::<Uint8Array>()
        || voice.is_instance_of::<js_sys::ArrayBuffer>();
    if !is_file {
        return Err(Error::malformed(voice::NOT_A_VOICE));
    }
    Ok(TakeSound::File(voice.clone()))
}

impl Take {
    /// Its sound, decoded (once).
    async fn decoded(&self) -> Result<Rc<Pcm>> {
        let file = match &*self.sound.read() {
            TakeSound::Decoded(pcm) => return Ok(Rc::clone(pcm)),
            TakeSound::File(file) => file.clone(),
        };
        let pcm = Rc::new(voice::from_file(voice::bytes_of(&file).await?).await?);
        *self.sound.write() = TakeSound::Decoded(Rc::clone(&pcm));
        Ok(pcm)
    }
}

impl DubState {
    /// Keeps a new take placed at `at` and makes it the current one; returns its index.
    fn add_take(&self, sound: TakeSound, at: f64) -> usize {
        let mut takes = self.takes.write();
        takes.push(Rc::new(Take {
            sound: RefCell::new(sound),
            at: Cell::new(at),
        }));
        self.current.set(Some(takes.len() - 1));
        takes.len() - 1
    }

    fn current_take(&self) -> Option<Rc<Take>> {
        let index = self.current.get()?;
        self.takes.read().get(index).cloned()
    }

    fn at(&self) -> f64 {
        self.current_take().map_or(self.pending_at.get(), |take| take.at.get())
    }

    fn placement(&self) -> Result<DubPlacement> {
        let mode = self.mode.get();
        let gain = self.original_gain.get().unwrap_or(mode.default_original_gain());
        DubPlacement::new(self.at(), mode, gain)
    }

    /// Take `index`; `out_of_range` when there is no such take.
    fn take_at(&self, index: u32) -> Result<Rc<Take>> {
        let takes = self.takes.read();
        let count = takes.len();
        takes.get(index as usize).cloned().ok_or_else(|| {
            Error::new(
                ErrorCode::OutOfRange,
                format!("take {index} does not exist ({count} takes)"),
            )
        })
    }

    /// The current take, whose sound is the voice an export mixes in.
    fn voice(&self) -> Result<Rc<Take>> {
        self.current_take().ok_or_else(|| {
            Error::malformed("the dub has no voice yet: pass one as `voice`, set `dub.voice`, or record one")
        })
    }

    /// The dubbed clip, written to `output`, with the caller's `{ onProgress, signal }` options; the
    /// bytes when `output` is memory, and the codec of the sound.
    async fn export(&self, options: &JsValue, mut output: Output) -> Result<(Option<Vec<u8>>, String)> {
        let job = Job::from_options(options)?.on_media(self.content.life());
        let result = async {
            job.check()?;
            let placement = self.placement()?;
            let voice = self.voice()?.decoded().await?;
            // Decoding a voice file takes a while: the caller may have given up meanwhile.
            job.check()?;
            export_dub(
                &self.content,
                self.start,
                self.end,
                &voice,
                placement,
                &mut output,
                &job,
            )
            .await
        }
        .await;
        let (done, codec) = match result {
            Ok(codec) => (Ok(()), codec),
            Err(error) => (Err(error), String::new()),
        };
        Ok((output.end(done).await?, codec))
    }
}

#[wasm_bindgen]
impl Dub {
    /// Where the current take's first sample plays, seconds into the clip (negative: its head is cut).
    #[wasm_bindgen(getter)]
    pub fn at(&self) -> f64 {
        self.state.at()
    }

    /// Moves the current take (the next preview or export uses it; nothing is recorded again).
    #[wasm_bindgen(setter)]
    pub fn set_at(&self, at: f64) -> std::result::Result<(), JsValue> {
        let state = &self.state;
        throw(DubPlacement::new(at, state.mode.get(), 0.0))?;
        match state.current_take() {
            Some(take) => take.at.set(at),
            None => state.pending_at.set(at),
        }
        Ok(())
    }

    /// `'replace'`, `'mix'` or `'duck'`.
    #[wasm_bindgen(getter, unchecked_return_type = "DubMode")]
    pub fn mode(&self) -> String {
        match self.state.mode.get() {
            DubMode::Replace => "replace",
            DubMode::Mix => "mix",
            DubMode::Duck => "duck",
        }
        .to_owned()
    }

    /// Sets the mode (a gain left at its default follows the new mode's default).
    #[wasm_bindgen(setter)]
    pub fn set_mode(
        &self,
        #[wasm_bindgen(unchecked_param_type = "DubMode")] mode: &str,
    ) -> std::result::Result<(), JsValue> {
        let mode = throw(DubMode::parse(mode))?;
        let gain = self.state.original_gain.get().unwrap_or(mode.default_original_gain());
        throw(DubPlacement::new(self.state.at(), mode, gain))?;
        self.state.mode.set(mode);
        Ok(())
    }

    /// The original sound's linear gain: under the voice in `mix`, while the voice speaks in `duck`.
    #[wasm_bindgen(getter, js_name = originalGain)]
    pub fn original_gain(&self) -> f64 {
        let mode = self.state.mode.get();
        f64::from(self.state.original_gain.get().unwrap_or(mode.default_original_gain()))
    }

    /// Sets the original's gain (0 to 4; at most 1 in `duck`).
    #[wasm_bindgen(setter, js_name = originalGain)]
    pub fn set_original_gain(&self, value: f64) -> std::result::Result<(), JsValue> {
        let gain = throw(gain(value))?;
        throw(DubPlacement::new(self.state.at(), self.state.mode.get(), gain))?;
        self.state.original_gain.set(Some(gain));
        Ok(())
    }

    /// Adds an imported voice (a `Blob`/`File`, `Uint8Array`, `ArrayBuffer` or `AudioBuffer`) as a new take,
    /// placed at the current `at`, and makes it the current take.
    #[wasm_bindgen(setter)]
    pub fn set_voice(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Voice")] voice: JsValue,
    ) -> std::result::Result<(), JsValue> {
        let sound = throw(take_sound(&voice))?;
        self.state.add_take(sound, self.state.at());
        Ok(())
    }

    /// The takes so far: `[{ at, duration }]` (`duration` in seconds, `null` for a file not decoded yet).
    #[wasm_bindgen(getter, unchecked_return_type = "Take[]")]
    pub fn takes(&self) -> Array {
        let takes = Array::new();
        for take in self.state.takes.read().iter() {
            let duration = match &*take.sound.read() {
                TakeSound::Decoded(pcm) => JsValue::from(pcm.duration()),
                TakeSound::File(_) => JsValue::NULL,
            };
            takes.push(&plain_object(&[("at", take.at.get().into()), ("duration", duration)]));
        }
        takes
    }

    /// Index of the current take in `takes` (`-1` when there is none).
    #[wasm_bindgen(getter)]
    pub fn take(&self) -> i32 {
        self.state.current.get().map_or(-1, |i| i as i32)
    }

    /// Makes take `index` the current one (its own `at` comes back with it).
    #[wasm_bindgen(setter)]
    pub fn set_take(&self, index: u32) -> std::result::Result<(), JsValue> {
        throw(self.state.take_at(index))?;
        self.state.current.set(Some(index as usize));
        Ok(())
    }

    /// Starts recording a take from `stream` (from `getUserMedia({ audio: true })`) while `player` plays
    /// the clip from its start, so the user can speak in sync; `stop()` ends it. The take is placed where
    /// its sound was heard against the clip, the input and output latencies taken off. Resolves once
    /// recording has started. Options: `{ countIn }`, seconds of the clip played before its start (a
    /// run-up; default 0).
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn record(
        &self,
        stream: web_sys::MediaStream,
        player: &Player,
        #[wasm_bindgen(unchecked_optional_param_type = "RecordOptions")] options: Option<Object>,
    ) -> Promise {
        let state = Rc::clone(&self.state);
        let player = Rc::clone(player.core());
        let options = options::given(options);
        to_promise(async move {
            if state.recording.read().is_some() {
                return Err(Error::unsupported("a recording is already running: stop() it first"));
            }
            let count_in = options::number(&options, "countIn")?.unwrap_or(0.0).max(0.0);
            let recording = Recording::start(&stream, player, state.start, count_in).await?;
            *state.recording.write() = Some(recording);
            Ok(JsValue::UNDEFINED)
        })
    }

    /// The microphone's level while `record` runs: the loudest sample of the last block captured (about
    /// 85 ms), 1 at full scale (a little above when the input clips), for a meter that shows the microphone
    /// works; 0 when not recording.
    #[wasm_bindgen(getter)]
    pub fn level(&self) -> f32 {
        self.state.recording.read().as_ref().map_or(0.0, Recording::level)
    }

    /// Ends the recording: pauses the player, keeps the take (placed as heard) and makes it the current one.
    /// Resolves with its index in `takes`.
    #[wasm_bindgen(unchecked_return_type = "Promise<number>")]
    pub fn stop(&self) -> Promise {
        let state = Rc::clone(&self.state);
        to_promise(async move {
            let recording = state
                .recording
                .write()
                .take()
                .ok_or_else(|| Error::unsupported("no recording is running"))?;
            let (pcm, at) = recording.finish(state.start).await?;
            Ok(JsValue::from(
                state.add_take(TakeSound::Decoded(Rc::new(pcm)), at) as u32
            ))
        })
    }

    /// The dubbed clip as a `Media` in memory, for a player to play before exporting (move `at`, change
    /// the mode or the take, and preview again). Options as `export`.
    #[wasm_bindgen(unchecked_return_type = "Promise<Media>")]
    pub fn preview(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "JobOptions")] options: Option<Object>,
    ) -> Promise {
        let state = Rc::clone(&self.state);
        let options = options::given(options);
        to_promise(async move {
            let bytes = state
                .export(&options, Output::Memory(Vec::new()))
                .await?
                .0
                .unwrap_or_default();
            let file = FileContent::open(Source::Memory(bytes.into())).await?;
            Ok(Media::new(Content::from_file(file, Life::new(MEDIA))).into())
        })
    }

    /// Exports the dubbed clip as MP4 bytes: the video copied from the source untouched, the sound encoded
    /// as AAC where this browser can, else Opus; the resulting `Uint8Array` carries `audioCodec`
    /// (`'mp4a.40.2'` or `'opus'`). Options: `onProgress(f)`, `signal` (rejects with `aborted`),
    /// `writable` (a `WritableStream` the file is written to as it is made; resolves with `undefined`
    /// once it is closed).
    #[wasm_bindgen(unchecked_return_type = "Promise<DubbedMp4 | undefined>")]
    pub fn export(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "JobOptions | (JobOptions & WritableOption)")] options: Option<
            Object,
        >,
    ) -> Promise {
        let state = Rc::clone(&self.state);
        let options = options::given(options);
        to_promise(async move {
            let output = Output::from_options(&options)?;
            let (bytes, codec) = state.export(&options, output).await?;
            let Some(bytes) = bytes else {
                return Ok(JsValue::UNDEFINED);
            };
            let bytes = Uint8Array::from(bytes.as_slice());
            options::set_property(&bytes, "audioCodec", &codec.into());
            Ok(bytes.into())
        })
    }

    /// A take's waveform, as `media.waveform` gives the media's: `buckets` min/max pairs (default 1000, at
    /// most 100000) over the whole take, every channel folded in. Options: `{ take, buckets }` (`take` an
    /// index in `takes`, default the current one; a file is decoded first). Rejects with `out_of_range` for
    /// no such take or a bad `buckets`.
    #[wasm_bindgen(unchecked_return_type = "Promise<Float32Array>")]
    pub fn waveform(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "TakeWaveformOptions")] options: Option<Object>,
    ) -> Promise {
        let state = Rc::clone(&self.state);
        let options = options::given(options);
        to_promise(async move {
            // An index as `dub.take = index` reads it (ToUint32: -1 is a take that does not exist).
            let take = match options::number(&options, "take")? {
                Some(index) => state.take_at(index as i64 as u32)?,
                None => state
                    .current_take()
                    .ok_or_else(|| Error::new(ErrorCode::OutOfRange, "the dub has no take yet"))?,
            };
            let buckets = waveform::buckets(options::number(&options, "buckets")?)?;
            let pcm = take.decoded().await?;
            let mut peaks = Peaks::of_frames(pcm.frames());
            peaks.add(0, 0..i64::MAX, &pcm.channels);
            Ok(Float32Array::from(&peaks.waveform(0.0, pcm.frames() as f64, buckets)[..]).into())
        })
    }
}
