// The inpainting mask, painted with a brush over the init image: white = repaint, as the API's mask field wants.
const INK = 'rgb(255, 40, 110)'; // shown at the canvas's CSS opacity; any painted pixel is "repaint"

export class MaskPainter {
  constructor(canvas, { sizeInput, modeInputs }) {
    this.canvas = canvas;
    this.context = canvas.getContext('2d');
    this.sizeInput = sizeInput;
    this.modeInputs = modeInputs;
    this.painted = false;
    canvas.addEventListener('pointerdown', e => this.start(e));
    canvas.addEventListener('pointermove', e => this.move(e));
    for (const end of ['pointerup', 'pointercancel', 'pointerleave']) canvas.addEventListener(end, () => (this.last = null));
  }

  /** A blank mask of the init image's size. */
  reset(width, height) {
    this.canvas.width = width;
    this.canvas.height = height;
    this.clear();
  }

  clear() {
    this.context.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.painted = false;
  }

  /** The mask as base64 PNG (black, white where painted), or null when nothing is painted. */
  png() {
    if (!this.painted) return null;
    const { width, height } = this.canvas;
    const pixels = this.context.getImageData(0, 0, width, height);
    const d = pixels.data;
    for (let i = 0; i < d.length; i += 4) {
      const v = d[i + 3] >= 128 ? 255 : 0;
      d[i] = d[i + 1] = d[i + 2] = v;
      d[i + 3] = 255;
    }
    const out = document.createElement('canvas');
    out.width = width;
    out.height = height;
    out.getContext('2d').putImageData(pixels, 0, 0);
    return out.toDataURL('image/png').slice('data:image/png;base64,'.length);
  }

  start(e) {
    this.canvas.setPointerCapture?.(e.pointerId);
    this.last = this.point(e);
    this.stroke(this.last, this.last);
  }

  move(e) {
    if (!this.last) return;
    const p = this.point(e);
    this.stroke(this.last, p);
    this.last = p;
  }

  stroke(from, to) {
    const c = this.context;
    const erase = this.modeInputs.find(i => i.checked)?.value === 'erase';
    c.globalCompositeOperation = erase ? 'destination-out' : 'source-over';
    c.strokeStyle = INK;
    c.lineWidth = Number(this.sizeInput.value) * (this.canvas.width / this.canvas.clientWidth);
    c.lineCap = c.lineJoin = 'round';
    c.beginPath();
    c.moveTo(from.x, from.y);
    c.lineTo(to.x + 0.01, to.y); // a click alone paints a dot
    c.stroke();
    if (!erase) this.painted = true;
  }

  /** The pointer in canvas pixels (the canvas is shown scaled to its column). */
  point(e) {
    const r = this.canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * this.canvas.width) / r.width, y: ((e.clientY - r.top) * this.canvas.height) / r.height };
  }
}
