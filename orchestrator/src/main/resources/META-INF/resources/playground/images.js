// Pictures the user picks, drawn at a size the API takes (sides multiples of 8), and canvases as base64 PNG.
const MAX_SIDE = 768; // a photo is scaled down to this on its long side: the default pixel budget, and fast

export const decode = file => createImageBitmap(file);

/** The picture scaled down to fit MAX_SIDE, its sides rounded down to multiples of 8 (at least 64). */
export function fitted(bitmap) {
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const side = v => Math.max(64, Math.floor((v * scale) / 8) * 8);
  return covering(bitmap, side(bitmap.width), side(bitmap.height));
}

/** The picture covering width × height, centred and cropped (a ControlNet condition is of the request's size). */
export function covering(bitmap, width, height, canvas = document.createElement('canvas')) {
  canvas.width = width;
  canvas.height = height;
  const scale = Math.max(width / bitmap.width, height / bitmap.height);
  const w = bitmap.width * scale, h = bitmap.height * scale;
  canvas.getContext('2d').drawImage(bitmap, (width - w) / 2, (height - h) / 2, w, h);
  return canvas;
}

export const base64Png = canvas => canvas.toDataURL('image/png').slice('data:image/png;base64,'.length);

export const pngUrl = base64 => `data:image/png;base64,${base64}`;
