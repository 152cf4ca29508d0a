/**
 * The smallest page that runs a trained model with our package: load the wasm,
 * read a model file, reconstruct one input. The benchmark records what it fetches.
 *
 *   window.reconstructed: Promise<number>   resolves with the reconstruction's length
 */
import { Autoencoder, init } from '../pkg/index.js';

const MODEL = '/www/models/undercomplete.safetensors';

window.reconstructed = (async () => {
  await init();
  const response = await fetch(MODEL);
  if (!response.ok) throw new Error(`HTTP ${response.status} for ${MODEL}`);

  const model = Autoencoder.fromBytes(new Uint8Array(await response.arrayBuffer()));
  const reconstruction = model.reconstruct(new Float32Array(model.inputSize));
  model.free();
  return reconstruction.length;
})();
