// Reads the frame index the fixtures draw as a barcode: in the top 32 of 360 rows, 16 columns, bit k white
// in column k (tests/fixtures/make.sh). Works on any canvas the frame is drawn to, at any size, as long as
// the picture fills it (16:9 canvas, no letterbox bars).
export function readBarcode(canvas) {
  const copy = document.createElement('canvas');
  copy.width = canvas.width;
  copy.height = canvas.height;
  const context = copy.getContext('2d');
  context.drawImage(canvas, 0, 0);
  const row = context.getImageData(0, Math.round(canvas.height * 16 / 360), canvas.width, 1).data;
  let index = 0;
  for (let bit = 0; bit < 16; bit++) {
    const x = Math.round((bit + 0.5) * canvas.width / 16);
    const [r, g, b] = row.subarray(x * 4, x * 4 + 3);
    if ((r + g + b) / 3 > 128) index |= 1 << bit;
  }
  return index;
}
