// The trim panel: preview the selection, choose the cut (exact or at a keyframe), export with progress and
// cancel; the result plays in place (a second player), downloads, and is shared where the browser can share
// files. On a live broadcast, "Clip the last 30 s" selects the end of the replay window and exports it.
import { Media, Player } from '/pkg/reelcut.js';
import { exportJob, offerDownload, sizeAndTime } from './job.js';
import { showError } from './errors.js';

export function trimPanel(player, timeline) {
  const $ = (id) => document.getElementById(id);
  const [status, download, share, result] = [$('trim-status'), $('trim-download'), $('trim-share'), $('trim-result')];
  const resultPlayer = new Player($('trim-result-screen'));
  let media = null;
  let previewEnd = null;
  let file = null;

  $('trim-preview').addEventListener('click', async () => {
    const { start, end } = timeline.range();
    previewEnd = end;
    await player.seek(start);
    await player.play();
  });
  player.addEventListener('timeupdate', () => {
    if (previewEnd !== null && player.currentTime >= previewEnd) {
      previewEnd = null;
      player.pause();
    }
  });

  const mode = () => document.querySelector('input[name=trim-mode]:checked').value;
  const job = exportJob({
    button: $('trim-export'),
    progress: $('trim-progress'),
    cancel: $('trim-cancel'),
    status,
    run: (options) => {
      const { start, end } = timeline.range();
      result.hidden = true;
      return media.clip({ start, end }).export({ mode: mode(), ...options });
    },
    done: async (bytes, seconds) => {
      const { start, end } = timeline.range();
      file = offerDownload(download, bytes, `clip-${start.toFixed(2)}-${end.toFixed(2)}.mp4`);
      share.hidden = !navigator.canShare?.({ files: [file] });
      result.hidden = false;
      await resultPlayer.load(await Media.open(bytes));
      await resultPlayer.seek(0);
      status.textContent = `${mode() === 'exact' ? 'Exact' : 'Keyframe'} cut: ${sizeAndTime(bytes, seconds)}.`;
    },
  });

  $('trim-result-play').addEventListener('click', async () => {
    try {
      if (resultPlayer.ended) await resultPlayer.seek(0);
      await (resultPlayer.paused ? resultPlayer.play() : resultPlayer.pause());
    } catch (error) {
      showError(error, 'The export does not play');
    }
  });
  for (const kind of ['play', 'pause', 'ended']) {
    resultPlayer.addEventListener(kind, () => {
      $('trim-result-play').textContent = resultPlayer.paused ? 'Play the export' : 'Pause the export';
    });
  }
  share.addEventListener('click', () => navigator.share({ files: [file], title: file.name }).catch((error) => {
    if (error.name !== 'AbortError') showError(error, 'Sharing failed');
  }));

  $('trim-last-30').addEventListener('click', () => {
    const { end } = media.seekable;
    timeline.setRange(end - 30, end);
    job.start();
  });

  return {
    /** Shows the panel for newly opened media. */
    open(opened) {
      media = opened;
      $('trim-last-30').hidden = !opened.isLive;
      [status.textContent, download.hidden, result.hidden, share.hidden] = ['', true, true, true];
    },
  };
}
