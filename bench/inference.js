/**
 * The smallest page that runs a trained model with one entry point of our package
 * (`?entry=infer`, the inference build, or `?entry=index`, the full package): load
 * the wasm, read a model file, reconstruct one input. The benchmark records what
 * it fetches until then, and afterwards times the same entry point on the
 * reference model.
 *
 *   window.inference = {
 *     reconstructed: Promise<number>   the reconstruction's length, once done
 *     prepare(): Promise<void>         loads the digits and the reference model
 *     call(verb, ...args)              `latency`, `batch`, ... as in ours.js (null
 *                                      for a verb it does not have)
 *   }
 */
import { inferenceTimers, modelConfig } from './workload.js';

const MODEL = '/www/models/undercomplete.safetensors';
const entry = new URLSearchParams(location.search).get('entry') ?? 'infer';

let runner = null;

window.inference = {
  reconstructed: runTrainedModel(),
  prepare,
  call: async (verb, ...args) => runner[verb]?.(...args) ?? null,
};

async function runTrainedModel() {
  const { Autoencoder, init } = await import(`../pkg/${entry}.js`);
  await init();
  const response = await fetch(MODEL);
  if (!response.ok) throw new Error(`HTTP ${response.status} for ${MODEL}`);

  const model = Autoencoder.fromBytes(new Uint8Array(await response.arrayBuffer()));
  const reconstruction = model.reconstruct(new Float32Array(model.inputSize));
  model.free();
  return reconstruction.length;
}

/** Loads the reference model into this entry point, by way of the full package. */
async function prepare() {
  const { Autoencoder } = await import(`../pkg/${entry}.js`);
  const full = await import('../pkg/index.js');
  const { loadImages } = await import('./ours.js');
  const images = await loadImages();

  const reference = new full.Autoencoder(modelConfig('undercomplete'));
  const model = Autoencoder.fromBytes(reference.toBytes());
  reference.free();
  runner = inferenceTimers(model, images);
}
