// A consumer's use of every public class, option object, event and error code, type-checked with
// `tsc --noEmit --strict` against the installed tarball. The `@ts-expect-error` lines are misuses the
// declarations must reject: if a type degraded to `any`, tsc would report those lines as unused.
import init, {
  Clip,
  Dub,
  Media,
  Player,
  supportsAudioDecoding,
  supportsAudioEncoding,
  supportsVideoDecoding,
  supportsVideoEncoding,
  version,
  type DubbedMp4,
  type DubMode,
  type ExportOptions,
  type MediaInput,
  type PlayerEventType,
  type ReelcutError,
  type ReelcutErrorCode,
  type SampleTable,
  type Take,
  type TimeSpan,
  type Track,
  type AudioTrackInfo,
  type VariantInfo,
} from 'reelcut';
import type { ReelcutPlayerElement } from 'reelcut/embed.js';

function isReelcutError(error: unknown): error is ReelcutError {
  return error instanceof Error && error.name === 'ReelcutError';
}

function describe(code: ReelcutErrorCode): string {
  switch (code) {
    case 'malformed_input':
    case 'unsupported_codec':
    case 'unsupported':
    case 'network':
    case 'aborted':
    case 'out_of_range':
    case 'limit_exceeded':
    case 'browser':
    case 'invalid_state':
      return code;
  }
}

export async function playAndCut(canvas: HTMLCanvasElement, source: MediaInput, voice: Blob): Promise<Uint8Array> {
  await init();
  const label: string = version();
  const codecs: boolean[] = await Promise.all([
    supportsVideoDecoding('avc1.64001e', 640, 360),
    supportsVideoEncoding('avc1.42c01e', 640, 360),
    supportsAudioDecoding('mp4a.40.2', 48000, 2),
    supportsAudioEncoding('opus', 48000, 2),
  ]);

  const media: Media = await Media.open(source);
  const tracks: Track[] = media.tracks;
  const video = tracks.find((track) => track.type === 'video');
  const size: number = video ? video.width * video.height : 0;
  const window: TimeSpan = media.seekable;
  const keyframes: Float64Array = media.keyframeTimes();
  const dated: number = media.wallClockAt(window.start) + media.timeAtWallClock(Date.now());
  const live: boolean = media.isLive;
  const tables: SampleTable[] = await media.samples({ start: 0, end: 10, onProgress: () => {}, signal: AbortSignal.timeout(5000) });
  const sizes: Uint32Array = tables[0].size;
  const every: SampleTable[] = await media.samples();

  const player = new Player(canvas, { muted: true, volume: 0.5, loop: false });
  const silent = new Player(canvas);
  silent.free();
  const events: PlayerEventType[] = ['loadedmetadata', 'play', 'playing', 'pause', 'waiting', 'seeking', 'seeked',
    'timeupdate', 'volumechange', 'ratechange', 'ended', 'error', 'livewindowchange'];
  const onEvent = (event: Event): void => {
    if (event.type === 'error' && player.error) console.log(player.error.code, player.error.fatal);
  };
  for (const kind of events) player.addEventListener(kind, onEvent);
  await player.load(media);
  await player.seek(1.5);
  await player.play();
  player.pause();
  player.volume = 0.8;
  player.muted = false;
  player.loop = true;
  if (player.isLive) await player.goLive();
  const state: number = player.currentTime + player.duration + player.liveEdge + player.droppedFrames
    + player.seekable.end + player.playbackRate;
  const flags: boolean = player.paused || player.ended;
  player.removeEventListener('timeupdate', onEvent);
  const renditions: AudioTrackInfo[] = player.audioTracks;
  player.audioTrack = renditions.length - 1;
  const variants: VariantInfo[] = player.variants;
  const highest: number | null = variants[0]?.bandwidth ?? null;
  player.variant = player.variant >= 0 ? -1 : 0;
  player.addEventListener('variantchange', onEvent);

  const clip: Clip = media.clip({ start: 1, end: 3 });
  const span: number = clip.end - clip.start;
  const controller = new AbortController();
  const options: ExportOptions = {
    mode: 'keyframe',
    container: 'fmp4',
    onProgress: (fraction: number) => console.log(fraction),
    signal: controller.signal,
  };
  let bytes: Uint8Array;
  try {
    bytes = await clip.export(options);
  } catch (error) {
    if (isReelcutError(error)) console.log(describe(error.code));
    throw error;
  }

  const dub: Dub = clip.dub({ voice, at: 0.5, mode: 'duck', originalGain: 0.2 });
  dub.at = 0.25;
  const mode: DubMode = dub.mode;
  dub.mode = mode === 'duck' ? 'mix' : 'replace';
  dub.originalGain = 0.4;
  dub.voice = new Uint8Array(16);
  const takes: Take[] = dub.takes;
  dub.take = takes.length - 1;
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  await dub.record(stream, player, { countIn: 2 });
  const take: number = await dub.stop();
  const preview: Media = await dub.preview({ signal: controller.signal });
  await player.load(preview);
  const dubbed: DubbedMp4 = await dub.export({ onProgress: (fraction) => console.log(fraction) });
  const codec: string = dubbed.audioCodec;
  // Written to a stream (an OPFS file): nothing is returned.
  const file = await (await navigator.storage.getDirectory()).getFileHandle('clip.mp4', { create: true });
  const written: undefined = await clip.export({ mode: 'keyframe', writable: await file.createWritable() });
  const dubWritten: undefined = await dub.export({ writable: await file.createWritable(), signal: controller.signal });
  console.log(written, dubWritten);

  const own = new Player(canvas);
  await own.load('/media/clip.mp4', { firstByteTimeout: 5000, stallTimeout: 5000 });
  await own.load(voice);
  own.destroy();
  const ended: boolean = own.destroyed && media.closed;
  media.close();

  const element: ReelcutPlayerElement = document.createElement('reelcut-player');
  const ready: ReelcutPlayerElement = await element.ready;
  const shown: Player | null = ready.player;
  ready.variant = ready.variants.length > 1 ? 1 : -1;
  ready.audioTrack = ready.audioTracks.length - 1;
  const rate: number = ready.playbackRate;

  console.log(label, codecs, size, keyframes, dated, live, sizes, every, state, flags, take, codec, shown, bytes, ended, span, highest, rate);
  return dubbed;
}

export function misuses(media: Media, player: Player, clip: Clip, dub: Dub): void {
  // @ts-expect-error: not a mode
  void clip.export({ mode: 'fast' });
  // @ts-expect-error: not a container
  void clip.export({ container: 'webm' });
  // @ts-expect-error: progress reports a number
  void clip.export({ onProgress: (fraction: string) => fraction });
  // @ts-expect-error writable is a WritableStream, not bytes
  void clip.export({ writable: new Uint8Array(4) });
  // @ts-expect-error: a clip needs its span
  media.clip({ start: 1 });
  // @ts-expect-error: not a dub mode
  dub.mode = 'overlay';
  // @ts-expect-error: a voice is audio, not a number
  dub.voice = 42;
  // @ts-expect-error: not a player event
  player.addEventListener('progress', () => {});
  // @ts-expect-error: the playback rate is the player's (live catch-up), read-only
  player.playbackRate = 2;
  // @ts-expect-error: the variants are the playlist's, read-only
  player.variants = [];
  // @ts-expect-error: volume is a number
  void new Player(document.createElement('canvas'), { volume: 'loud' });
  // @ts-expect-error: not an error code
  const code: ReelcutErrorCode = 'timeout';
  // @ts-expect-error: tracks are typed
  const width: string = media.tracks[0].width;
  // @ts-expect-error: sample tables hold typed arrays
  void media.samples().then((tables) => tables[0].pts.push(1));
  // @ts-expect-error: open takes a URL or bytes
  void Media.open(42);
  // @ts-expect-error: timeouts are milliseconds
  void Media.open('/clip.mp4', { firstByteTimeout: 'soon' });
  // @ts-expect-error: a player loads a Media or what Media.open takes
  void player.load(42);
  console.log(code, width);
}
