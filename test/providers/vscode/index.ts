// Entry of the provider stage's VS Code part, loaded by the extension host (built by
// test/providers/run.ts to out/test/providers-vscode/index.js; the normal integration stage
// neither builds nor runs anything here). Runs every *.test.js beside it with Mocha.
import fs from 'node:fs';
import path from 'node:path';
import Mocha from 'mocha';

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 240_000, reporter: 'spec' });
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort();
  for (const f of files) mocha.addFile(path.join(__dirname, f));
  if (!files.length) throw new Error(`no *.test.js files in ${__dirname}`);
  const stats = await new Promise<{ passes: number; failures: number }>((resolve) => {
    const runner = mocha.run(() =>
      resolve({ passes: runner.stats?.passes ?? 0, failures: runner.stats?.failures ?? 0 }),
    );
  });
  console.log(`providers (VS Code): ${stats.passes} passed, ${stats.failures} failed`);
  if (stats.failures > 0) throw new Error(`${stats.failures} test(s) failed`);
  if (stats.passes === 0) throw new Error('no test ran');
}
