// The checkpoint benchmark (issue 16): what keeping a checkpoint costs a turn on a large tree.
// Only the files a turn touches are stored, so the cost follows the edit, not the tree.
//
//   node bench/checkpoints/run.ts [--files 50000] [--reps 5] [--quick]
//
// Tree: the grep benchmark's generator (bench/grep/tree.ts), in the system's temp folder (kept
// between runs). Turns edit 1, 10 and 100 files (appending a line, as an edit tool would, through
// NodeHost.applyChanges). Per turn, side by side in one process, alternating order:
//   snapshot   CheckpointStore.snapshot (blobs by SHA-256 + manifest lines) before the write;
//   copy       the baseline: fs.copyFile of the touched files to a folder;
//   edit       the write itself (host.applyChanges of the same changes).
// Then a restore to the first turn (plan + apply) puts the tree back. Prints medians [min–max]
// and ratios, and the store's size on disk against the touched files' size; asserts nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CheckpointStore, NodeCheckpointStorage } from '../../src/agent/checkpoints.ts';
import { NodeHost } from '../../src/tools/node-host.ts';
import type { FileChange } from '../../src/tools/types.ts';
import { fileUri } from '../../src/tools/uri.ts';
import { fmtSpread, spread, table } from '../chain/stats.ts';
import { generateTree } from '../grep/tree.ts';

const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const num = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const FILES = num('files', quick ? 5000 : 50_000);
const REPS = num('reps', quick ? 3 : 5);
const SIZES = [1, 10, 100];

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(root);
  return out.sort();
}

function du(dir: string): number {
  let n = 0;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else n += fs.statSync(p).blocks * 512;
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return n;
}

async function main(): Promise<void> {
  const started = performance.now();
  const treeDir = path.join(os.tmpdir(), 'warmline-bench-checkpoints', `tree-${FILES}`);
  const tree = generateTree(treeDir, { files: FILES });
  const all = listFiles(treeDir);
  const host = new NodeHost({ roots: [treeDir] });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'warmline-bench-ckpt-'));
  const storeDir = path.join(work, 'checkpoints');
  const store = new CheckpointStore(new NodeCheckpointStorage(storeDir));
  const chat = 'bench';
  let turn = 0;
  const rows: string[][] = [];
  const sizeRows: string[][] = [];
  let pick = 0;
  try {
    for (const n of SIZES) {
      const snap: number[] = [];
      const copy: number[] = [];
      const edit: number[] = [];
      const storeBefore = du(storeDir);
      let touchedBytes = 0;
      for (let rep = 0; rep < REPS; rep++) {
        // A fresh set of files each turn, spread over the tree.
        const files = Array.from({ length: n }, () => all[(pick++ * 7919) % all.length]!);
        const changes: FileChange[] = [...new Set(files)].map((p) => {
          const oldText = fs.readFileSync(p, 'utf8');
          touchedBytes += Buffer.byteLength(oldText);
          return { kind: 'update', uri: fileUri(p), oldText, newText: `${oldText}// edited in turn ${turn}\n` };
        });
        const copyDir = path.join(work, `copy-${turn}`);
        fs.mkdirSync(copyDir);
        const doSnapshot = async () => {
          const t = performance.now();
          await store.snapshot(chat, turn, changes);
          snap.push(performance.now() - t);
        };
        const doCopy = async () => {
          const t = performance.now();
          await Promise.all(files.map((p, i) => fs.promises.copyFile(p, path.join(copyDir, `${i}`))));
          copy.push(performance.now() - t);
        };
        if (rep % 2) {
          await doCopy();
          await doSnapshot();
        } else {
          await doSnapshot();
          await doCopy();
        }
        const t = performance.now();
        if (!(await host.applyChanges(changes))) throw new Error('the edit was refused');
        edit.push(performance.now() - t);
        turn++;
      }
      const s = spread(snap);
      const c = spread(copy);
      const e = spread(edit);
      rows.push([
        String(n),
        fmtSpread(s, 1, ' ms'),
        fmtSpread(c, 1, ' ms'),
        fmtSpread(e, 1, ' ms'),
        `${(s.median / c.median).toFixed(2)}×`,
        `${(s.median / e.median).toFixed(2)}×`,
      ]);
      const stored = du(storeDir) - storeBefore;
      sizeRows.push([
        String(n),
        `${(touchedBytes / REPS / 1024).toFixed(1)} KiB`,
        `${(stored / REPS / 1024).toFixed(1)} KiB`,
        `${(stored / touchedBytes).toFixed(2)}×`,
      ]);
    }
    // Everything back as it was: a restore to the first turn, timed against the edits' writes.
    const t = performance.now();
    const plan = await store.planRestore(chat, 0, host);
    await store.apply(plan, host);
    const restoreMs = performance.now() - t;

    console.log(
      `checkpoint benchmark, ${new Date().toISOString().slice(0, 10)}: a tree of ${tree.files.toLocaleString('en-US')} files (${(tree.bytes / 1e6).toFixed(1)} MB), ${REPS} turns per size; medians [min–max].`,
    );
    console.log(
      '\nTime per turn (snapshot before the write; copy = fs.copyFile of the touched files; edit = the write):\n',
    );
    console.log(
      table(['files edited', 'snapshot', 'copy (baseline)', 'edit', 'snapshot / copy', 'snapshot / edit'], rows, [
        'r',
        'r',
        'r',
        'r',
        'r',
        'r',
      ]),
    );
    console.log('\nStore size on disk per turn (blocks allocated), against the touched files:\n');
    console.log(
      table(['files edited', 'touched files', 'store growth', 'store / touched'], sizeRows, ['r', 'r', 'r', 'r']),
    );
    console.log(
      `\nRestore to the first turn: ${plan.changes.length} files in ${restoreMs.toFixed(0)} ms (plan and write). Whole run ${((performance.now() - started) / 1000).toFixed(1)} s.`,
    );
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

await main();
