// The DOM-free part of the API in a dedicated Worker: open a Media (a URL, or a File the page posted: read by
// slices here as on the page), export a clip, dub it with an imported voice. Posts back the MP4 bytes (or the
// error's name, code and message), and with an export what asking for a waveform here gave (no decodeAudioData).
import init, { Media } from '/node_modules/reelcut/index.js';

async function run({ src, start, end, mode, voice, dubMode }) {
  await init();
  const media = await Media.open(src);
  const clip = media.clip({ start, end });
  const progress = [];
  if (!voice) {
    const bytes = await clip.export({ mode, onProgress: (fraction) => progress.push(fraction) });
    const waveform = await media.waveform().then(() => 'resolved', (error) => `${error.code}: ${error.message}`);
    return { bytes, progress, waveform };
  }
  const voiceBytes = new Uint8Array(await (await fetch(voice)).arrayBuffer());
  const dubbed = await clip.dub({ voice: voiceBytes, at: 0.25, mode: dubMode }).export({
    onProgress: (fraction) => progress.push(fraction),
  });
  // Structured cloning keeps the bytes, not the extra property: send the codec beside them.
  return { bytes: dubbed, audioCodec: dubbed.audioCodec, progress };
}

self.onmessage = async ({ data }) => {
  try {
    const result = await run(data);
    self.postMessage(result, [result.bytes.buffer]);
  } catch (error) {
    self.postMessage({ error: { name: error.name, code: error.code, message: error.message } });
  }
};
