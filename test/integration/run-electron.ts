// The contributor path: runs the integration suite with @vscode/test-electron, which downloads
// desktop VS Code (works where VS Code's servers can be reached), then opens a copy of the
// fixture workspace with the extension under development.
//
//   node test/integration/run-electron.ts                    download VS Code stable and run
//   node test/integration/run-electron.ts --vscode=PATH      use that executable instead; offline:
//     node test/integration/run-electron.ts --vscode=test/runner/code-server-as-vscode
//   --no-build                                               skip `node esbuild.js`
//   VSCODE_TEST_VERSION=1.139.1                              which VS Code to download
//
// Not an integration test itself: esbuild.js bundles it to out/test/integration/run-electron.js
// (unused there); run this .ts file with Node 24.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTests } from '@vscode/test-electron';

// From the script's own path (not import.meta, which esbuild's CommonJS bundle of this file lacks).
const repoRoot = path.resolve(path.dirname(process.argv[1] ?? '.'), '../..');

async function main(): Promise<number> {
  const started = Date.now();
  const vscodeArg = process.argv.slice(2).find((a) => a.startsWith('--vscode='));
  const vscodeExecutablePath = vscodeArg ? path.resolve(vscodeArg.slice('--vscode='.length)) : undefined;

  if (!process.argv.includes('--no-build')) {
    const build = spawnSync(process.execPath, ['esbuild.js'], { cwd: repoRoot, stdio: 'inherit' });
    if (build.status !== 0) return 1;
  }

  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'warmline-fixture-'));
  fs.cpSync(path.join(repoRoot, 'test/fixtures/workspace'), workspace, { recursive: true });
  try {
    const code = await runTests({
      ...(vscodeExecutablePath ? { vscodeExecutablePath } : { version: process.env.VSCODE_TEST_VERSION ?? 'stable' }),
      extensionDevelopmentPath: [repoRoot, path.join(repoRoot, 'test/fixtures/slow-task-provider')],
      extensionTestsPath: path.join(repoRoot, 'out/test/integration/index.js'),
      // Checked by activation.test.ts: the environment reaches the extension host.
      extensionTestsEnv: { WARMLINE_TEST_ENV_PROBE: 'passed-through' },
      launchArgs: [workspace, '--disable-extensions'],
    });
    console.log(`[run-electron] exit code ${code} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return code;
  } catch (err) {
    // runTests rejects when VS Code exits non-zero (a failed test) or cannot be downloaded.
    console.error(`[run-electron] ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code));
