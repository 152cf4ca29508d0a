/**
 * The retrain settings form of a card: filled from a model's config, read back as
 * `presetConfig` options plus the learning rate and the number of epochs.
 */
import { presetConfig } from '../pkg/index.js';

/** The KL target ρ suggested when the field holds no number. */
const DEFAULT_TARGET = 0.05;

/**
 * Adds the form's own behaviour (call once): the KL target is only editable with KL,
 * and switching between L1 and KL puts that penalty's default weight in place.
 * @param {HTMLFormElement} form
 */
export function linkFields(form) {
  form.elements.namedItem('sparsity')?.addEventListener('change', () => {
    suggestSparsityWeight(form);
    updateFields(form);
  });
  updateFields(form);
}

/** Enables the fields that apply to the current choices (after fields were disabled). */
export function updateFields(form) {
  const sparsity = form.elements.namedItem('sparsity');
  if (sparsity) form.elements.namedItem('target').disabled = sparsity.value !== 'kl';
}

/**
 * Shows a model's settings in the form.
 * @param {HTMLFormElement} form
 * @param {import('../pkg/index.js').ModelConfig} config
 * @param {number} codeSize
 */
export function fillSettings(form, config, codeSize) {
  const { sparsity, contraction, corruption } = config.objective;
  setField(form, 'codeSize', codeSize);

  if (sparsity) {
    setField(form, 'sparsity', sparsity.kind);
    setField(form, 'weight', sparsity.weight);
    if (sparsity.kind === 'kl') setField(form, 'target', sparsity.target);
  }
  if (contraction) setField(form, 'weight', contraction.weight);
  if (corruption) {
    setField(form, 'noiseKind', corruption.kind);
    setField(form, 'noiseLevel', corruption.level);
  }

  updateFields(form);
}

/**
 * Reads the form. On a bad field it opens the settings, focuses the field and throws
 * an Error naming it.
 * @returns {{ preset: import('../pkg/index.js').PresetOptions, learningRate: number,
 *   epochs: number }}
 */
export function readSettings(form) {
  const preset = { codeSize: numberField(form, 'codeSize') };
  const has = (name) => form.elements.namedItem(name) !== null;

  if (has('weight')) preset.weight = numberField(form, 'weight');
  if (has('sparsity') && form.elements.namedItem('sparsity').value === 'kl') {
    preset.target = numberField(form, 'target');
  }
  if (has('noiseKind')) {
    const kind = form.elements.namedItem('noiseKind').value;
    preset.corruption = { kind, level: numberField(form, 'noiseLevel') };
  }

  return {
    preset,
    learningRate: numberField(form, 'learningRate'),
    epochs: numberField(form, 'epochs'),
  };
}

/** Puts `presetConfig`'s default weight for the chosen sparsity penalty in the form. */
function suggestSparsityWeight(form) {
  const kl = form.elements.namedItem('sparsity').value === 'kl';
  const target = form.elements.namedItem('target').valueAsNumber;
  const options = kl ? { target: Number.isFinite(target) ? target : DEFAULT_TARGET } : {};

  try {
    setField(form, 'weight', presetConfig('sparse', options).objective.sparsity.weight);
  } catch {
    // A target out of range: keep the weight as it is; reading the form will say why.
  }
}

/** Sets a field; numbers (often float32 values) are shown to 6 significant digits. */
function setField(form, name, value) {
  const field = form.elements.namedItem(name);
  if (!field || value === undefined || value === null) return;
  field.value = typeof value === 'number' ? String(Number(value.toPrecision(6))) : value;
}

/** A number field's value, checked against its min, max and step. */
function numberField(form, name) {
  const input = form.elements.namedItem(name);
  const value = input.valueAsNumber;
  if (input.checkValidity() && Number.isFinite(value)) return value;

  form.querySelector('details').open = true;
  input.focus();
  const label = input.labels[0]?.firstChild.textContent.trim() ?? name;
  throw new Error(`${label}: ${input.validationMessage || 'enter a number'}`);
}
