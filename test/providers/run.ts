// The provider stage: Warmline against a real llama.cpp llama-server (see README.md here).
//   1. .ci/llama-server: builds llama-server and the tiny model (cached: later runs take ~0.1 s);
//   2. vitest on test/providers/*.test.ts (config test/providers/vitest.config.ts): the session
//      and the agent loop against the server, one file per point of issue 18;
//   3. one chat in the real VS Code (code-server, through test/runner/run-integration.ts) against
//      a server started here: test/providers/vscode/, built to out/test/providers-vscode/.
// Prints each step's time; exits non-zero when a step failed (and stops there, unless --keep-going).
//
//   node test/providers/run.ts                        everything
//   node test/providers/run.ts test/providers/x.test.ts   vitest on that file only, then VS Code
//   node test/providers/run.ts --no-vscode            steps 1 and 2 only (also --no-build, --no-vitest)
//   node test/providers/run.ts --keep-going           run every step even after a failure
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { removeTempWorkspace, tempFixtureWorkspace } from '../runner/code-server.ts';
import { startLlamaServer } from './llama-server.ts';

const root = path.resolve(import.meta.dirname, '../..');
const args = process.argv.slice(2);
const keepGoing = args.includes('--keep-going');
const skip = (name: string) => args.includes(`--no-${name}`);
const files = args.filter((a) => !a.startsWith('--'));
const outDir = path.join(root, 'out/test/providers-vscode');

const times: Array<{ step: string; seconds: number; ok: boolean }> = [];
const seconds = (since: number) => (Date.now() - since) / 1000;

async function step(name: string, run: () => boolean | Promise<boolean>): Promise<boolean> {
  const started = Date.now();
  console.log(`\n[providers] ${name}`);
  let ok = false;
  try {
    ok = await run();
  } catch (err) {
    console.error(`[providers] ${name} failed:`, err);
  }
  times.push({ step: name, seconds: seconds(started), ok });
  console.log(`[providers] ${name}: ${ok ? 'ok' : 'FAILED'} in ${seconds(started).toFixed(1)} s`);
  return ok;
}

function sh(command: string, argv: string[], env: NodeJS.ProcessEnv = process.env): boolean {
  const r = spawnSync(command, argv, { cwd: root, stdio: 'inherit', env });
  return r.status === 0;
}

/** Builds the extension (as the integration runner does) and the VS Code part of this stage. */
async function buildVscodePart(): Promise<void> {
  if (!sh(process.execPath, ['esbuild.js'])) throw new Error('node esbuild.js failed');
  fs.rmSync(outDir, { recursive: true, force: true });
  const dir = path.join(root, 'test/providers/vscode');
  await esbuild.build({
    entryPoints: fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => path.join(dir, f)),
    outdir: outDir,
    outbase: dir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    external: ['vscode', 'mocha', 'bufferutil', 'utf-8-validate'],
    logLevel: 'warning',
    define: { 'import.meta.dirname': '__dirname' },
  });
  fs.writeFileSync(path.join(outDir, 'package.json'), '{ "type": "commonjs" }\n');
}

async function vscodeChat(): Promise<boolean> {
  await buildVscodePart();
  const server = await startLlamaServer();
  const workspace = tempFixtureWorkspace();
  try {
    return sh(
      process.execPath,
      [
        'test/runner/run-integration.ts',
        `--extensionDevelopmentPath=${root}`,
        `--extensionTestsPath=${path.join(outDir, 'index.js')}`,
        workspace,
      ],
      { ...process.env, WARMLINE_LLAMA_ORIGIN: server.origin },
    );
  } finally {
    removeTempWorkspace(workspace);
    await server.close();
    const log = server.log();
    fs.mkdirSync(path.join(root, '.test-artifacts/providers'), { recursive: true });
    fs.writeFileSync(path.join(root, '.test-artifacts/providers/llama-server-vscode.log'), log);
  }
}

async function main(): Promise<number> {
  const started = Date.now();
  const steps: Array<[string, () => boolean | Promise<boolean>]> = [];
  if (!skip('build'))
    steps.push([
      'build llama-server and the tiny model (.ci/llama-server)',
      () => sh(path.join(root, '.ci/llama-server'), []),
    ]);
  if (!skip('vitest')) {
    steps.push([
      'session and agent loop against llama-server (vitest)',
      () =>
        sh(process.execPath, [
          path.join(root, 'node_modules/vitest/vitest.mjs'),
          'run',
          '--config',
          'test/providers/vitest.config.ts',
          ...files,
        ]),
    ]);
  }
  if (!skip('vscode')) steps.push(['one chat in the real VS Code against llama-server', vscodeChat]);
  let failed = false;
  for (const [name, run] of steps) {
    if (!(await step(name, run))) {
      failed = true;
      if (!keepGoing) break;
    }
  }
  console.log('\n[providers] steps:');
  for (const t of times)
    console.log(`  ${t.ok ? 'ok    ' : 'FAILED'} ${t.seconds.toFixed(1).padStart(7)} s  ${t.step}`);
  console.log(`[providers] ${failed ? 'FAILED' : 'passed'} in ${seconds(started).toFixed(1)} s`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('[providers]', err);
    process.exit(1);
  },
);
