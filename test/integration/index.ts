// Entry of the integration suite, loaded by VS Code's extension host (the path given as
// --extensionTestsPath, built to out/test/integration/index.js by esbuild.js). Runs every
// *.test.js beside it with Mocha (bdd: describe/it). Add a test: test/integration/<topic>.test.ts.
// WARMLINE_TEST_GREP (or the runner's --grep=) selects tests by title. WARMLINE_TEST_SUITE picks
// the files: `main` (default) the top-level ones, opened on the fixture folder; `virtual` those
// in virtual/, which need the multi-root workspace with a virtual folder (--suite=virtual).
import fs from 'node:fs';
import path from 'node:path';
import Mocha from 'mocha';

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 30_000, reporter: 'spec' });
  const grep = process.env.WARMLINE_TEST_GREP;
  if (grep) mocha.grep(grep);
  // esbuild.js does not empty out/: a bundle whose source was deleted is stale, and skipped.
  const sources = path.resolve(__dirname, '../../../test/integration');
  const files = fs
    .readdirSync(__dirname, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.test.js'))
    .filter((f) => (process.env.WARMLINE_TEST_SUITE === 'virtual') === f.startsWith(`virtual${path.sep}`))
    .filter((f) => {
      const fresh = !fs.existsSync(sources) || fs.existsSync(path.join(sources, f.replace(/\.js$/, '.ts')));
      if (!fresh) console.log(`skipping ${f}: its source is gone (stale build output)`);
      return fresh;
    })
    .sort();
  for (const f of files) mocha.addFile(path.join(__dirname, f));
  if (!files.length) throw new Error(`no *.test.js files in ${__dirname}`);

  const stats = await new Promise<{ passes: number; failures: number; pending: number }>((resolve) => {
    const runner = mocha.run(() =>
      resolve({
        passes: runner.stats?.passes ?? 0,
        failures: runner.stats?.failures ?? 0,
        pending: runner.stats?.pending ?? 0,
      }),
    );
  });
  // The plain closing line CI reads; the runner repeats it as its last line.
  console.log(
    `integration: ${stats.passes} passed, ${stats.failures} failed${stats.pending ? `, ${stats.pending} skipped` : ''}`,
  );
  if (stats.failures > 0) throw new Error(`${stats.failures} integration test(s) failed`);
  if (stats.passes === 0) throw new Error('no integration test ran');
}
