// `npm run demo`: Warmline in a real VS Code (code-server), with the Responses emulator playing a
// labelled, scripted model ("warmline-demo (scripted, not AI)"), and a small sample project open.
// Prints the URL to open, and runs until Ctrl+C. Options: --port=N (default 8080, 0 = any).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator } from '../emulator/server.ts';
import { ensureTools, repoRoot, stageExtension, startCodeServer } from '../runner/code-server.ts';

const portArg = process.argv.find((a) => a.startsWith('--port='));
const port = portArg ? Number(portArg.slice(7)) : 8080;

ensureTools();
const build = spawnSync(process.execPath, ['esbuild.js'], { cwd: repoRoot, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const emulator = await startEmulator({
  scenario: 'demo',
  mode: 'strict',
  chunkDelayMs: 15,
  onRequest: (r) => {
    console.log(
      `[emulator] ${r.transport} ${r.generate === false ? 'warmup' : 'turn'}: ${r.inputItems} input item(s), ${r.bytes} bytes, ${r.previousResponseId ? 'delta on previous_response_id' : 'full context'} -> ${r.outcome}`,
    );
  },
});
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'warmline-demo-'));
const workspace = path.join(scratch, 'sample-project');
fs.cpSync(path.join(import.meta.dirname, 'sample-project'), workspace, { recursive: true });
const server = await startCodeServer({
  scratch: path.join(scratch, 'code-server'),
  port,
  extensions: [stageExtension(path.join(scratch, 'staged'))],
  settings: {
    'warmline.baseUrl': emulator.url,
    'warmline.model': 'warmline-demo (scripted, not AI)',
    'workbench.colorTheme': 'Default Dark Modern',
  },
});

console.log(`\nWarmline demo is running. Open:\n\n  ${server.url(workspace)}\n`);
console.log('The model is the Responses emulator: a scripted test double, not AI. Ask anything in the Warmline view;');
console.log('it searches, reads, proposes an edit (Accept or Reject), and answers. Ctrl+C stops everything.\n');

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await server.stop();
  await emulator.close();
  fs.rmSync(scratch, { recursive: true, force: true });
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
