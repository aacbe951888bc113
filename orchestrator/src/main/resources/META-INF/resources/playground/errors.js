// Server errors shown next to the field they name ("loras[1].scale": that LoRA's row, else "loras"), else in a banner.

export function clearErrors(form) {
  for (const e of form.querySelectorAll('.error')) {
    e.textContent = '';
    e.hidden = e.classList.contains('banner');
  }
  for (const e of form.querySelectorAll('[aria-invalid]')) e.removeAttribute('aria-invalid');
}

/** Shows the error JSON ({field, message}) at its field; returns the element that holds the message. */
export function showError(form, { field, message }) {
  const target = field ? fieldElement(form, field) : null;
  const slot = target ? errorSlot(target) : null;
  const shown = slot || form.querySelector('#form-error');
  shown.textContent = message;
  shown.hidden = false;
  if (target) {
    target.setAttribute('aria-invalid', 'true');
    const group = target.closest('details');
    if (group) group.open = true;
    slot.scrollIntoView({ block: 'nearest' });
  }
  return shown;
}

/** The element of the field, or of the nearest enclosing name: loras[1].scale, loras[1], loras. */
function fieldElement(form, field) {
  for (let name = field; ; ) {
    const element = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
    if (element) return element;
    const parent = name.replace(/(\.[a-z_]+|\[\d+])$/, '');
    if (parent === name) return null;
    name = parent;
  }
}

function errorSlot(element) {
  const own = element.querySelector(':scope > .error');
  if (own) return own;
  return element.closest('.field, .lora, .group')?.querySelector(':scope > .error') || null;
}
