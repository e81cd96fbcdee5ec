//! The TypeScript names of the option objects, results, events and errors that cross the JS API as plain
//! objects. wasm-bindgen types the classes from their Rust signatures; the methods that take or return
//! one of these objects name it with `unchecked_param_type` / `unchecked_return_type`, and this section puts
//! the declarations into `reelcut.d.ts`.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const DECLARATIONS: &str = r#"
// The classes are disposable (`using media = await Media.open(url)`): wasm-bindgen declares their
// `[Symbol.dispose]()`, which type-checks only where `Symbol.dispose` is declared. Declaring it here (as
// @types/node does) lets consumers whose `lib` predates ES2024's `esnext.disposable` type-check too.
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}

/** The `code` of every error the library throws or rejects with. */
export type ReelcutErrorCode =
  /** The bytes or an option are not what they claim to be (truncated file, bad playlist, `mode: 'fast'`). */
  | 'malformed_input'
  /** A codec this browser's WebCodecs cannot decode or encode (e.g. HEVC in Chromium without it). */
  | 'unsupported_codec'
  /** A valid request the library does not do (a keyframe cut across a change of coding, `record` in a Worker). */
  | 'unsupported'
  /** A fetch failed, or the server answered with an error status or without Range support where needed. */
  | 'network'
  /** The job's `AbortSignal` fired. */
  | 'aborted'
  /** A time, index or gain outside what the media or the option allows. */
  | 'out_of_range'
  /** More than the library holds in memory at once (a clip longer than a dub takes, a huge sample table). */
  | 'limit_exceeded'
  /** A browser API failed for its own reasons (the message carries the browser's). */
  | 'browser'
  /** The `Media` was closed or the `Player` destroyed before or during the call. */
  | 'invalid_state';

/** What the library throws or rejects with: a JS `Error` whose `name` is `'ReelcutError'`. */
export interface ReelcutError extends Error {
  /** Always `'ReelcutError'`. */
  readonly name: 'ReelcutError';
  /** What went wrong, for code to act on; `message` says it for people. */
  readonly code: ReelcutErrorCode;
  /** Set on `player.error`: whether the error stopped playback (`false`: the player went on). */
  readonly fatal?: boolean;
  /** Set on `player.error` when known: the media time, seconds, the problem concerns. */
  readonly time?: number;
}

/** `Media.open(src, options)` and `player.load(src, options)`: how long a request may wait. */
export interface OpenOptions {
  /** Milliseconds a request may wait for its response headers before it is aborted and counts as failed (default 10000). */
  firstByteTimeout?: number;
  /** Milliseconds a response body may go without new bytes before it is aborted and counts as failed (default 10000). */
  stallTimeout?: number;
}

/** A span of the media timeline, seconds. */
export interface TimeSpan {
  /** Seconds on the media timeline. */
  start: number;
  /** Seconds on the media timeline, after `start`. */
  end: number;
}

/** An audio track of an HLS stream (`player.audioTracks`): an `EXT-X-MEDIA:TYPE=AUDIO` rendition. */
export interface AudioTrackInfo {
  /** Its `NAME`. */
  name: string;
  /** Its `LANGUAGE` (RFC 5646), or `null` when the playlist gives none. */
  language: string | null;
  /** Whether it is the one playing. */
  enabled: boolean;
}

/** A variant of an HLS master playlist (`player.variants`): an `EXT-X-STREAM-INF`. `null` where the playlist gives none. */
export interface VariantInfo {
  /** `BANDWIDTH`: peak bits per second. */
  bandwidth: number;
  /** `AVERAGE-BANDWIDTH`, bits per second. */
  averageBandwidth: number | null;
  /** `RESOLUTION` width, pixels. */
  width: number | null;
  /** `RESOLUTION` height, pixels. */
  height: number | null;
  /** `CODECS`, as listed: RFC 6381 strings joined by commas, e.g. `'avc1.64001f,mp4a.40.2'`. */
  codecs: string | null;
  /** `FRAME-RATE`, frames per second. */
  frameRate: number | null;
}

/** What `Media.open` accepts: a URL (MP4 read with Range requests, or an `.m3u8` HLS playlist), or bytes. */
export type MediaInput = string | Blob | Uint8Array;

/** One track of a `Media`. */
export interface Track {
  /** The container's track id (for HLS, 1 video and 2 audio). */
  id: number;
  /** What the track carries. */
  type: 'video' | 'audio';
  /** The WebCodecs codec string, e.g. `'avc1.64001e'`, `'mp4a.40.2'`, `'opus'`. */
  codec: string;
  /** Picture width in pixels (0 for sound). */
  width: number;
  /** Picture height in pixels (0 for sound). */
  height: number;
  /**
   * Clockwise turn the picture is shown with, from the container's display matrix (`tkhd`): portrait phone
   * videos are stored as landscape pictures turned by 90. The player draws them upright; exports keep it.
   */
  rotation: 0 | 90 | 180 | 270;
  /** The picture is shown flipped left to right (before the turn). */
  mirror: boolean;
  /** Width the picture is shown at: after the turn and the pixel aspect ratio (`pasp`). 0 for sound. */
  displayWidth: number;
  /** Height the picture is shown at: after the turn and the pixel aspect ratio. 0 for sound. */
  displayHeight: number;
  /** Samples per second (0 for video). */
  sampleRate: number;
  /** Sound channels (0 for video). */
  channels: number;
}

/** `media.samples(options)`. */
export interface SampleOptions extends JobOptions {
  /** Seconds on the media timeline (default: from the first sample). */
  start?: number;
  /** Default: to the last sample. */
  end?: number;
}

/** One track's samples presented in the span asked for, in decode order, as columns. */
export interface SampleTable {
  /** The track's kind. */
  type: 'video' | 'audio';
  /** The track's WebCodecs codec string. */
  codec: string;
  /** Presentation times, seconds on the media timeline. */
  pts: Float64Array;
  /** Decode times, seconds on the media timeline. */
  dts: Float64Array;
  /** Seconds. */
  duration: Float64Array;
  /** Bytes, as the container stores the sample. */
  size: Uint32Array;
  /** 1 for a sync sample (decoding can start there), else 0. */
  key: Uint8Array;
}

/** `new Player(canvas, options)`. */
export interface PlayerOptions {
  /** Start muted (default `false`). */
  muted?: boolean;
  /** 0 to 1 (default 1). */
  volume?: number;
  /** Start over at the end (default `false`). */
  loop?: boolean;
  /** What to draw with: by default WebGL2 where the GPU draws it, else a 2D canvas (where WebGL2 is missing
   *  or runs in software, as in a headless browser or a machine without a GPU). `'webgl2'`: WebGL2 wherever
   *  the browser gives it, in software too; `'2d'`: a 2D canvas. `player.renderer` says which it got. */
  renderer?: 'webgl2' | '2d';
}

/** The events a `Player` fires; each listener receives a plain `Event`, but `error`'s is a `CustomEvent` whose `detail` is the error. */
export type PlayerEventType =
  | 'loadedmetadata'
  | 'play'
  | 'playing'
  | 'pause'
  | 'waiting'
  | 'seeking'
  | 'seeked'
  | 'timeupdate'
  | 'volumechange'
  | 'ratechange'
  | 'ended'
  | 'error'
  | 'livewindowchange'
  | 'variantchange';

/** Progress and cancellation, for every long job (`media.samples`, `media.thumbnails`, `clip.export`, `dub.export`, `dub.preview`). */
export interface JobOptions {
  /** Called with the fraction done, from 0 to 1, never decreasing. */
  onProgress?: (fraction: number) => void;
  /** Aborting rejects the job with code `'aborted'`. */
  signal?: AbortSignal;
}

/** `clip.export(options)`. */
export interface ExportOptions extends JobOptions {
  /**
   * `'exact'` (default): starts on the frame shown at `start`, re-encoding up to the next keyframe.
   * `'keyframe'`: lossless, from the keyframe at or before `start`.
   */
  mode?: 'exact' | 'keyframe';
  /** `'mp4'` (default, index first) or `'fmp4'` (fragmented). */
  container?: 'mp4' | 'fmp4';
}

/** `clip.export` and `dub.export` straight to a stream instead of returning the file's bytes. */
export interface WritableOption {
  /**
   * Where to write the file as it is made (an OPFS file's `createWritable()`, a `showSaveFilePicker` file, any
   * stream of bytes): the export then resolves with `undefined` once the stream is closed, and a failed or
   * aborted export aborts the stream.
   */
  writable: WritableStream<Uint8Array>;
}

/** A voice for a dub: an audio file (WAV, MP3, M4A/AAC, Ogg/Opus, WebM; as `Blob`/`File` or bytes) or decoded sound. */
export type Voice = Blob | Uint8Array | ArrayBuffer | AudioBuffer;

/** How a dub's voice combines with the clip's own sound. */
export type DubMode = 'replace' | 'mix' | 'duck';

/** `clip.dub(options)`. */
export interface DubOptions {
  /** The first take; leave out to record one with `dub.record`. */
  voice?: Voice;
  /** Seconds into the clip where the voice's first sample plays (default 0; negative cuts its head). */
  at?: number;
  /** Default `'replace'`. */
  mode?: DubMode;
  /** The original's linear gain, 0 to 1: under the voice in `'mix'` (default 0.5), while it speaks in `'duck'` (default 0.2). */
  originalGain?: number;
}

/** `dub.record(stream, player, options)`. */
export interface RecordOptions {
  /** Seconds of the clip played before its start, as a run-up (default 0). */
  countIn?: number;
}

/** One take of a dub. */
export interface Take {
  /** Where it plays, seconds into the clip. */
  at: number;
  /** Its length in seconds (`null` for a file not decoded yet). */
  duration: number | null;
}

/** A dubbed clip's MP4 bytes, with the codec its sound was encoded in (`'mp4a.40.2'` or `'opus'`). */
export type DubbedMp4 = Uint8Array & { audioCodec: string };

/** `media.thumbnails(which, options)`. */
export interface ThumbnailOptions extends JobOptions {
  /** Pixels (default 160, or from `height` and the picture's aspect ratio); 1 to 4096. */
  width?: number;
  /** Pixels (default: from `width` and the picture's aspect ratio); 1 to 4096. */
  height?: number;
  /** `false` (default): the keyframe at or before each time, only it read and decoded; `true`: the frame shown at each time. */
  exact?: boolean;
}

/** One thumbnail from `media.thumbnails()`. */
export interface Thumbnail {
  /** The time of the frame it shows, seconds on the media timeline (a keyframe's, unless `exact`). */
  time: number;
  /** The picture, upright, letterboxed in the size asked for. Close it (`image.close()`) once drawn. */
  image: ImageBitmap;
}
"#;

#[wasm_bindgen(typescript_custom_section)]
const WAVEFORM_DECLARATIONS: &str = r#"
/** `media.waveform(options)`: which stretch of the sound, in how many buckets. */
export interface WaveformOptions extends JobOptions {
  /** Seconds on the media timeline, inside `seekable` (default: the start of the seekable span). */
  start?: number;
  /** Seconds on the media timeline, inside `seekable` and after `start` (default: its end). */
  end?: number;
  /** Min/max pairs to return, a whole number from 1 to 100000 (default 1000). */
  buckets?: number;
  /** The `id` of the audio track in `media.tracks` to draw (default: the first). An HLS stream's waveform is of the audio track it plays (`player.audioTrack`). */
  track?: number;
}

/** `dub.waveform(options)`. */
export interface TakeWaveformOptions {
  /** Index in `dub.takes` (default: the current take). */
  take?: number;
  /** Min/max pairs to return, a whole number from 1 to 100000 (default 1000). */
  buckets?: number;
}
"#;
