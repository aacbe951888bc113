// The ControlNet section: the served ControlNets (GET /v1/controlnets), the condition picture, and a preview of the
// condition the ControlNet will see (POST /v1/preprocess: the server's own Canny, at the request's size).
import { call } from './api.js';
import { base64Png, covering, decode } from './images.js';

export class ControlnetPicker {
  constructor({ select, file, canny, preview, size, onError }) {
    Object.assign(this, { select, canny, preview, size, onError });
    this.picture = null;
    file.addEventListener('change', async () => {
      this.picture = file.files[0] ? await decode(file.files[0]) : null;
      if (this.picture && !select.value && select.options.length > 1) select.selectedIndex = 1;
      this.refresh();
    });
    canny.addEventListener('change', () => this.refresh());
  }

  show(controlnets) {
    this.select.replaceChildren(new Option('none', ''), ...controlnets.map(c => new Option(c.name, c.name)));
  }

  async refresh() {
    this.preview.hidden = !this.picture;
    if (!this.picture) return;
    const { width, height } = this.size();
    const image = base64Png(covering(this.picture, width, height));
    try {
      const body = JSON.stringify({ image, preprocess: this.canny.checked ? 'canny' : '' });
      const png = await (await call('v1/preprocess', { body, accept: 'image/png' })).blob();
      URL.revokeObjectURL(this.preview.src);
      this.preview.src = URL.createObjectURL(png);
    } catch (e) {
      const body = e.body || { message: e.message };
      this.onError({ ...body, field: body.field === 'image' ? 'controlnets[0].image' : body.field });
    }
  }
}
