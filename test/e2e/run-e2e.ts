// Runs every test/e2e/*.e2e.ts (or those named on the command line) with node:test, one file at
// a time (each starts its own code-server and Chromium), spec output, and a closing line
// `e2e: N passed, N failed`. Exits non-zero on any failure.
//
//   node test/e2e/run-e2e.ts                         all cases (via .ci/dev for Node 24)
//   node test/e2e/run-e2e.ts test/e2e/workbench.e2e.ts
// Screenshots: .test-artifacts/screenshots/. Logs of each case: .test-artifacts/e2e/<case>/.
import fs from 'node:fs';
import path from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { prepare } from './harness.ts';

const here = import.meta.dirname;
const started = Date.now();
const named = process.argv
  .slice(2)
  .filter((a) => !a.startsWith('-'))
  .map((f) => path.resolve(f));
const files = named.length
  ? named
  : fs
      .readdirSync(here)
      .filter((f) => f.endsWith('.e2e.ts'))
      .sort()
      .map((f) => path.join(here, f));
if (!files.length) {
  console.error('no test/e2e/*.e2e.ts files');
  process.exit(1);
}

prepare(); // tools and build once; the case processes inherit WARMLINE_E2E_PREPARED=1

let passed = 0;
let failed = 0;
let skipped = 0;
// On Ctrl+C or SIGTERM, stop the case processes (SIGTERM: each stops its code-server and browser).
const abort = new AbortController();
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.once(signal, () => {
    console.error(`[e2e] ${signal}: stopping`);
    abort.abort();
    process.exitCode = code;
    setTimeout(() => process.exit(code), 10_000).unref();
  });
}
const stream = run({
  files,
  concurrency: 1,
  signal: abort.signal,
  timeout: Number(process.env.WARMLINE_E2E_TIMEOUT_MS ?? 300_000),
});
stream.on('test:pass', (e) => {
  if (e.details.type === 'suite') return;
  if (e.skip || e.todo) skipped++;
  else passed++;
});
stream.on('test:fail', (e) => {
  if (e.details.type !== 'suite') failed++;
});
stream.compose(spec).pipe(process.stdout);
stream.on('end', () => {
  // A file that failed outside any test (e.g. it did not load) is reported as a failed test too.
  if (failed === 0 && passed === 0) failed = 1;
  setImmediate(() => {
    console.log(`[e2e] ${files.length} file(s) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    console.log(`e2e: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
    if (!abort.signal.aborted) process.exitCode = failed ? 1 : 0;
  });
});
