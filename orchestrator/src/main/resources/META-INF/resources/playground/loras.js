// The LoRA picker: the served LoRAs (GET /v1/loras), each with a checkbox and a scale.

export class LoraPicker {
  constructor(list, counter) {
    this.list = list;
    this.counter = counter;
    list.addEventListener('change', () => this.count());
  }

  show(loras) {
    if (!loras.length) return;
    this.list.replaceChildren(...loras.map(row));
  }

  /** The checked LoRAs in list order, each with its row (whose data-field names it as the request does: loras[i]). */
  selected() {
    const rows = [...this.list.querySelectorAll('.lora')];
    rows.forEach(r => delete r.dataset.field);
    return rows.filter(r => r.querySelector('input[type=checkbox]').checked).map((r, i) => {
      r.dataset.field = `loras[${i}]`;
      return { name: r.dataset.name, scale: Number(r.querySelector('input[type=number]').value) };
    });
  }

  count() {
    const n = this.list.querySelectorAll('input[type=checkbox]:checked').length;
    this.counter.textContent = n ? `(${n})` : '';
  }
}

function row(lora) {
  const element = document.createElement('div');
  element.className = 'lora';
  element.dataset.name = lora.name;
  const check = Object.assign(document.createElement('input'), { type: 'checkbox', id: `lora-${lora.name}` });
  const label = Object.assign(document.createElement('label'), { htmlFor: check.id, textContent: lora.name });
  label.title = `rank ${lora.rank}, ${lora.unet_layers} UNet and ${lora.text_encoder_layers} text encoder layers`;
  const scale = Object.assign(document.createElement('input'), { type: 'number', value: '1', step: '0.05', title: 'scale' });
  scale.setAttribute('aria-label', `${lora.name} scale`);
  const error = Object.assign(document.createElement('small'), { className: 'error' });
  element.append(check, label, scale, error);
  return element;
}
