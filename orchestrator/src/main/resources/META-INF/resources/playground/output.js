// The generation under way: a progress bar, and a tile per image showing its latest preview, then the image.
import { pngUrl } from './images.js';

export class Output {
  constructor({ images, progress, bar, text }) {
    Object.assign(this, { images, progress, bar, text });
  }

  begin(count) {
    this.steps = new Array(count).fill(0);
    this.total = 1;
    this.events = this.previews = 0;
    this.tiles = this.steps.map(() => tile());
    this.images.replaceChildren(...this.tiles);
    this.progress.hidden = false;
    this.progress.dataset.events = this.progress.dataset.previews = '0';
    this.bar.value = 0;
    this.text.textContent = 'waiting for the mesh…';
  }

  /** A "progress" event: {image_index, step, total_steps, elapsed_seconds, preview_png?}. */
  step(p) {
    this.progress.dataset.events = String(++this.events); // the browser test counts them
    this.steps[p.image_index] = p.step;
    this.total = p.total_steps;
    const done = this.steps.reduce((a, b) => a + b, 0);
    this.bar.value = done / (this.total * this.steps.length);
    this.text.textContent = `step ${p.step}/${p.total_steps}` + (this.steps.length > 1 ? ` (image ${p.image_index + 1}/${this.steps.length})` : '')
      + ` · ${p.elapsed_seconds.toFixed(1)} s`;
    if (!p.preview_png) return;
    this.progress.dataset.previews = String(++this.previews);
    this.tiles[p.image_index].querySelector('img').src = pngUrl(p.preview_png);
  }

  /** A "result" event: {image_index, seed, width, height, png, timings}. */
  result(r) {
    const figure = this.tiles[r.image_index];
    const img = figure.querySelector('img');
    img.src = pngUrl(r.png);
    img.classList.add('result');
    img.alt = `seed ${r.seed}`;
    const link = figure.querySelector('a');
    link.href = img.src;
    link.download = `refiners-${r.seed}.png`;
    figure.querySelector('figcaption').textContent = `seed ${r.seed} · ${r.timings.total_seconds.toFixed(1)} s`;
  }

  end(message) {
    this.bar.value = this.bar.max;
    this.text.textContent = message;
  }

  /** Refused or cancelled: the tiles that got nothing go. */
  stop(message) {
    this.text.textContent = message;
    for (const t of this.tiles) if (!t.querySelector('img').src) t.remove();
  }
}

function tile() {
  const figure = document.createElement('figure');
  figure.className = 'tile';
  const link = document.createElement('a');
  link.append(Object.assign(document.createElement('img'), { alt: 'in progress' }));
  figure.append(link, document.createElement('figcaption'));
  return figure;
}
