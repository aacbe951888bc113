// The form as a POST /v1/images body, with the proto's field names; a blank field is left to the server's default.
import { base64Png, covering } from './images.js';

/**
 * {body, images, withKey}: images maps each image's base64 to the file name the shell commands read it from.
 * parts: the form, the LoRA picker, the init image (a canvas or null), the mask painter, the ControlNet's picture.
 */
export function buildRequest({ form, loras, init, mask, controlnet, withKey }) {
  const text = id => form.querySelector(`#${id}`).value.trim();
  const number = id => (text(id) === '' ? undefined : Number(text(id)));
  const images = new Map();
  const image = (base64, file) => (images.set(base64, file), base64);
  const body = {
    prompt: text('prompt'),
    negative_prompt: text('negative_prompt') || undefined,
    width: number('width'),
    height: number('height'),
    num_images: number('num_images'),
    steps: number('steps'),
    guidance_scale: number('guidance_scale'),
    solver: text('solver') || undefined,
    seed: text('seed') || undefined, // a string: 63-bit seeds do not fit a JS number (toJson writes it bare)
  };
  const picked = loras.selected();
  if (picked.length) body.loras = picked;
  if (init) {
    body.init_image = image(base64Png(init), 'init_image.png');
    body.strength = number('strength');
    const painted = mask.png();
    if (painted) body.mask = image(painted, 'mask.png');
  }
  const name = text('controlnet-name');
  if (name) {
    const condition = controlnet && covering(controlnet, body.width || 512, body.height || 512);
    body.controlnets = [{
      name,
      image: condition ? image(base64Png(condition), 'controlnet.png') : undefined,
      scale: number('controlnet-scale'),
      preprocess: form.querySelector('#controlnet-canny').checked ? 'canny' : '',
    }];
  }
  return { body, images, withKey };
}

/** The body as JSON, the seed as a bare integer (the string kept its digits). */
export const toJson = (body, replacer) => JSON.stringify(body, replacer).replace(/"seed":"(\d+)"/, '"seed":$1');
