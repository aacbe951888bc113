// This session's generations (newest first): their images, parameters, and the request as curl / grpcurl commands.
import { curl, grpcurl } from './commands.js';
import { pngUrl } from './images.js';

export class History {
  constructor(list, { reuseSeed }) {
    this.list = list;
    this.reuseSeed = reuseSeed;
  }

  /** request: as buildRequest made it, its seed set to the first image's; results: the "result" events. */
  add(request, results) {
    const entry = document.createElement('li');
    const thumbs = document.createElement('div');
    thumbs.className = 'thumbs';
    for (const r of results) thumbs.append(Object.assign(document.createElement('img'), { src: pngUrl(r.png), alt: `seed ${r.seed}`, title: `seed ${r.seed}` }));
    const prompt = Object.assign(document.createElement('p'), { className: 'prompt', textContent: request.body.prompt || '(no prompt)' });
    const params = Object.assign(document.createElement('p'), { className: 'params muted', textContent: summary(request.body) });
    const command = Object.assign(document.createElement('pre'), { className: 'command', hidden: true });
    const buttons = document.createElement('div');
    buttons.className = 'inline';
    buttons.append(
      button('Copy as curl', 'copy-curl', b => copy(b, command, curl(request, location))),
      button('Copy as grpcurl', 'copy-grpcurl', b => copy(b, command, grpcurl(request, location))),
      button('Reuse seed', 'reuse-seed', () => this.reuseSeed(request.body.seed)));
    entry.append(thumbs, prompt, params, buttons, command);
    this.list.prepend(entry);
  }
}

function summary(b) {
  const parts = [`${b.width ?? 512}×${b.height ?? 512}`, `${b.steps ?? 30} steps`, b.solver ?? 'dpm', `guidance ${b.guidance_scale ?? 7.5}`, `seed ${b.seed}`];
  if ((b.num_images ?? 1) > 1) parts.push(`${b.num_images} images`);
  for (const l of b.loras ?? []) parts.push(`LoRA ${l.name} ${l.scale}`);
  if (b.init_image) parts.push(b.mask ? 'inpainting' : `image to image ${b.strength}`);
  for (const c of b.controlnets ?? []) parts.push(`ControlNet ${c.name}${c.preprocess ? ` (${c.preprocess})` : ''}`);
  return parts.join(' · ');
}

function button(label, className, onClick) {
  const b = Object.assign(document.createElement('button'), { type: 'button', className, textContent: label });
  b.addEventListener('click', () => onClick(b));
  return b;
}

/** To the clipboard when the page may write it (https or localhost); shown in any case, to select by hand. */
async function copy(button, pre, text) {
  pre.textContent = text;
  pre.hidden = false;
  try {
    await navigator.clipboard.writeText(text);
    flash(button, 'Copied');
  } catch {
    flash(button, 'Shown below');
  }
}

function flash(button, text) {
  const label = button.textContent;
  button.textContent = text;
  setTimeout(() => (button.textContent = label), 1500);
}
