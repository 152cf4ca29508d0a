// How the tests and the benchmark start Debian's Chromium headless: the
// networking flags keep it from reaching out (this machine has no network,
// and without them it stalls), and each run uses a fresh profile folder.

/** Options for `chromium.launchPersistentContext(freshProfileFolder, CHROMIUM_OPTIONS)`. */
export const CHROMIUM_OPTIONS = {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};
