// The playground: wires the form to the API (listings, the POST /v1/images event stream) and the page's parts.
import { ApiError, apiKey, call, getJson } from './api.js';
import { ControlnetPicker } from './controlnet.js';
import { clearErrors, showError } from './errors.js';
import { serverEvents } from './events.js';
import { History } from './history.js';
import { decode, fitted } from './images.js';
import { LoraPicker } from './loras.js';
import { MaskPainter } from './mask.js';
import { Output } from './output.js';
import { buildRequest, toJson } from './request.js';

const $ = id => document.getElementById(id);
const form = $('form');
const loras = new LoraPicker($('loras'), document.querySelector('#lora-box .count'));
const mask = new MaskPainter($('mask-canvas'), { sizeInput: $('brush-size'), modeInputs: [...form.querySelectorAll('input[name=brush]')] });
const size = () => ({ width: Number($('width').value) || 512, height: Number($('height').value) || 512 });
const controlnet = new ControlnetPicker({ select: $('controlnet-name'), file: $('controlnet-image'), canny: $('controlnet-canny'),
  preview: $('controlnet-preview'), size, onError: error => showError(form, error) });
const output = new Output({ images: $('images'), progress: $('progress'), bar: $('progress-bar'), text: $('progress-text') });
const history = new History($('history'), { reuseSeed: seed => ($('seed').value = seed) });
let init = null; // the init image, drawn at a size the API takes
let running = null; // the AbortController of the generation under way

/** The listings fill the form, each on its own (solvers are the orchestrator's, the others ask unet-svc). */
function loadListings() {
  listing('v1/solvers', r => $('solver').replaceChildren(...r.solvers.map(s => Object.assign(new Option(s.name, s.name), { title: s.description }))));
  listing('v1/models', r => {
    const model = r.models[0];
    $('model').textContent = model ? `model ${model.name}${model.inpainting ? ' · inpainting' : ''}` : '';
    $('mask-box').dataset.inpainting = String(Boolean(model?.inpainting));
    $('mask-note').textContent = model?.inpainting ? 'paint the area to repaint' : 'needs an inpainting UNet (REFINERS_INPAINTING_WEIGHTS)';
    $('mask-tools').hidden = !init || !model?.inpainting;
  });
  listing('v1/loras', r => loras.show(r.loras));
  listing('v1/controlnets', r => controlnet.show(r.controlnets));
}

async function listing(path, fill) {
  try {
    fill(await getJson(path));
  } catch (e) {
    refused(e); // a 401: API keys are on, the key field shows
  }
}

function refused(e) {
  if (e instanceof ApiError && e.status === 401) {
    $('key-box').hidden = false;
    showError(form, { field: 'api_key', message: apiKey.get() ? 'this key is refused' : 'API keys are on: enter yours' });
  } else if (e.name !== 'AbortError') {
    showError(form, e instanceof ApiError ? e.body : { message: `cannot reach the orchestrator: ${e.message}` });
  }
}

async function generate() {
  clearErrors(form);
  const request = buildRequest({ form, loras, init, mask, controlnet: controlnet.picture, withKey: Boolean(apiKey.get()) });
  const count = request.body.num_images || 1;
  const preview_every = Math.max(1, Math.round((request.body.steps || 30) / 10));
  running = new AbortController();
  setRunning(true);
  output.begin(Number.isInteger(count) && count > 0 && count <= 8 ? count : 1);
  if (matchMedia('(max-width: 820px)').matches) $('output').scrollIntoView({ behavior: 'smooth' }); // a phone: the images are below the form
  const results = [];
  try {
    const response = await call('v1/images', { body: toJson({ ...request.body, preview_every }), accept: 'text/event-stream', signal: running.signal });
    for await (const { name, data } of serverEvents(response)) {
      if (name === 'progress') output.step(data);
      else if (name === 'result') output.result(data), results.push(data);
      else if (name === 'error') throw new ApiError(500, data);
    }
    results.sort((a, b) => a.image_index - b.image_index);
    request.body.seed = results[0].seed;
    $('seed-reuse').disabled = false;
    $('seed-reuse').dataset.seed = results[0].seed;
    history.add(request, results);
    output.end(`done · ${results.length} image${results.length > 1 ? 's' : ''}`);
  } catch (e) {
    output.stop(e.name === 'AbortError' ? 'cancelled' : 'failed');
    refused(e);
  } finally {
    setRunning(false);
  }
}

function setRunning(on) {
  $('generate').disabled = on;
  $('cancel').hidden = !on;
  if (!on) running = null;
}

async function pickInit() {
  const file = $('init_image').files[0];
  init = file ? fitted(await decode(file)) : null;
  $('mask-stack').hidden = !init;
  $('mask-tools').hidden = !init || $('mask-box').dataset.inpainting !== 'true';
  if (!init) return;
  $('width').value = init.width; // the init image is the request's size
  $('height').value = init.height;
  const shown = $('init-canvas');
  shown.width = init.width;
  shown.height = init.height;
  shown.getContext('2d').drawImage(init, 0, 0);
  mask.reset(init.width, init.height);
}

form.addEventListener('submit', e => (e.preventDefault(), generate()));
$('cancel').addEventListener('click', () => running?.abort()); // closing the stream cancels the generation
$('seed-random').addEventListener('click', () => ($('seed').value = ''));
$('seed-reuse').addEventListener('click', e => ($('seed').value = e.target.dataset.seed));
$('init_image').addEventListener('change', pickInit);
for (const id of ['width', 'height']) $(id).addEventListener('change', () => controlnet.refresh()); // the condition is of the request's size
$('mask-clear').addEventListener('click', () => mask.clear());
$('init-clear').addEventListener('click', () => {
  $('init_image').value = ''; // back to text to image
  pickInit();
});
$('strength').addEventListener('input', () => ($('strength-value').value = $('strength').value));
$('api-key').value = apiKey.get();
$('key-box').hidden = !apiKey.get();
$('api-key').addEventListener('change', () => {
  apiKey.set($('api-key').value.trim());
  clearErrors(form);
  loadListings();
});
loadListings();
