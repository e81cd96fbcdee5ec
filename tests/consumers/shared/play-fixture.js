// What every consumer page does with the library it imported (from the bare specifier `reelcut` through a
// bundler, or from /node_modules/reelcut/index.js): play an MP4 on a canvas for a second, then report what
// is on screen. `lib` is the module namespace; `readBarcode` reads the fixture's frame number off the canvas.
export async function playFixture(lib, canvas, src, readBarcode) {
  await lib.default();
  const player = new lib.Player(canvas, { muted: true });
  const media = await lib.Media.open(src);
  await player.load(media);
  await player.play();
  await new Promise((resolve) => {
    const check = () => (player.currentTime > 1 || player.error ? resolve() : setTimeout(check, 20));
    check();
  });
  player.pause();
  return {
    version: lib.version(),
    tracks: media.tracks.map((track) => track.codec),
    currentTime: player.currentTime,
    frame: readBarcode(canvas),
    error: player.error && `${player.error.code}: ${player.error.message}`,
  };
}
