// Reads the frame index the fixtures draw as a barcode: in the top 32 of 360 rows, 16 columns, bit k white
// in column k (tests/fixtures/make.sh). Works on any canvas the frame is drawn to, at any size, as long as
// the picture fills it (no letterbox bars). `rotation` is the clockwise turn the picture is shown with (a
// portrait fixture's display matrix): the bars are then read where the turn put them.
export function readBarcode(canvas, rotation = 0) {
  const copy = document.createElement('canvas');
  copy.width = canvas.width;
  copy.height = canvas.height;
  const context = copy.getContext('2d');
  context.drawImage(canvas, 0, 0);
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
  // (u, v): a point of the decoded picture, as fractions of its width and height; where it is shown.
  const shown = {
    0: (u, v) => [u, v],
    90: (u, v) => [1 - v, u],
    180: (u, v) => [1 - u, 1 - v],
    270: (u, v) => [v, 1 - u],
  }[rotation];
  let index = 0;
  for (let bit = 0; bit < 16; bit++) {
    const [x, y] = shown((bit + 0.5) / 16, 16 / 360);
    const column = Math.min(canvas.width - 1, Math.floor(x * canvas.width));
    const row = Math.min(canvas.height - 1, Math.floor(y * canvas.height));
    const at = (row * canvas.width + column) * 4;
    if ((pixels[at] + pixels[at + 1] + pixels[at + 2]) / 3 > 128) index |= 1 << bit;
  }
  return index;
}
