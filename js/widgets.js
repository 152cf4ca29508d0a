// autoencoder-lab/widgets: custom elements that put live autoencoders into a
// page. Importing this module defines them; the README has a snippet for each.
//
//   <ae-model>           one shared model (and the digit being looked at)
//   <ae-pad>             a drawing pad that feeds one or more models
//   <ae-reconstruction>  the digit and its reconstruction
//   <ae-code>            the code h
//   <ae-noise>           a noise explorer
//   <ae-trainer>         retraining with a live loss curve
//   <ae-filters>         the encoder's weights as images
//   <ae-code-map>        a 2-D map (PCA) of the test digits' codes
//   <ae-label>, <ae-halves>   views of a multimodal (shared-code) model
//   <ae-probe>           a linear classifier on the codes, against raw pixels

import { AeCodeMap } from './widgets/code-map.js';
import { AeModel } from './widgets/model.js';
import { AePad } from './widgets/pad.js';
import { AeProbe } from './widgets/probe.js';
import { AeHalves, AeLabel } from './widgets/shared.js';
import { AeTrainer } from './widgets/trainer.js';
import { drawBars, drawDigit, drawHalves, drawWeights, fitCanvas } from './widgets/draw.js';
import { DrawingPad } from './widgets/drawing-pad.js';
import { LossChart } from './widgets/loss-chart.js';
import { ModelView } from './widgets/view.js';
import { AeCode, AeFilters, AeNoise, AeReconstruction } from './widgets/views.js';

const ELEMENTS = {
  // The model first: its elements upgrade before the widgets look for them.
  'ae-model': AeModel,
  'ae-pad': AePad,
  'ae-reconstruction': AeReconstruction,
  'ae-code': AeCode,
  'ae-noise': AeNoise,
  'ae-trainer': AeTrainer,
  'ae-filters': AeFilters,
  'ae-code-map': AeCodeMap,
  'ae-label': AeLabel,
  'ae-halves': AeHalves,
  'ae-probe': AeProbe,
};

for (const [name, element] of Object.entries(ELEMENTS)) {
  if (!customElements.get(name)) customElements.define(name, element);
}

export {
  AeCode, AeCodeMap, AeFilters, AeHalves, AeLabel, AeModel, AeNoise, AePad, AeProbe,
  AeReconstruction, AeTrainer, ModelView,
};

// The pieces the widgets are drawn with, for pages that build views of their own.
export { DrawingPad, LossChart, drawBars, drawDigit, drawHalves, drawWeights, fitCanvas };
