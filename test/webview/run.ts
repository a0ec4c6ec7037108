// Runs the chat webview's browser tests: `node test/webview/run.ts [filter]`.
// Builds the webview bundle, then runs every test/webview/*.webview.ts in this one process
// (one Chromium for all of them), prints the spec report and a closing `N passed, N failed`;
// exits non-zero on any failure. A filter runs only the case files whose name contains it.
import path from 'node:path';
import fs from 'node:fs';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { buildWebview } from './build.ts';
import { closeSharedEnvironment } from './harness.ts';

const dir = import.meta.dirname;
const filter = process.argv[2] ?? '';
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.webview.ts') && f.includes(filter))
  .sort()
  .map((f) => path.join(dir, f));
if (!files.length) {
  console.error(`no case files match "${filter}"`);
  process.exit(2);
}

const started = performance.now();
await buildWebview();
let passed = 0;
let failed = 0;
const stream = run({ files, isolation: 'none', concurrency: false, timeout: 120_000 });
stream.on('test:pass', (e) => {
  if (e.details.type === 'test') passed++;
});
stream.on('test:fail', (e) => {
  if (e.details.type === 'test') failed++;
});
stream.compose(spec).pipe(process.stdout);
await new Promise<void>((resolve) => stream.once('end', () => resolve()));
await closeSharedEnvironment();
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`\nwebview tests: ${files.length} files in ${seconds} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
