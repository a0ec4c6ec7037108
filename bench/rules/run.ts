// The project rules benchmark (issue 15): what refreshing the rules costs each model request.
// The chat refreshes them before every request of a turn (a folder a call touched may bring its
// AGENTS.md into the next request), so this cost is paid 20+ times in a long tool chain.
//
//   node bench/rules/run.ts [--reps 200] [--quick]
//
// Tree: a workspace with a root AGENTS.md and N packages (one in three with its own AGENTS.md),
// each with a file three folders down; the chat has touched one file per package. Side by side in
// one process, alternating order, per request:
//   cold     a new RulesLoader each time (every touched path resolved, every file read);
//   stats    a kept loader, unwatched (paths resolved once, every rules file's stat looked at,
//            read again only when it changed): what a request pays in a virtual workspace;
//   watched  a kept loader whose workspace is watched (the extension, local folders): nothing
//            looked at but the user's file until a touched folder is new or a change is seen.
// Prints medians [min–max] and the ratios to cold; asserts nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RulesLoader } from '../../src/agent/rules.ts';
import { NodeHost } from '../../src/tools/node-host.ts';
import { withDefaults } from '../../src/tools/settings.ts';
import { fmtSpread, spread, table } from '../chain/stats.ts';

const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const i = process.argv.indexOf('--reps');
const REPS = i >= 0 ? Number(process.argv[i + 1]) : quick ? 40 : 200;
const SIZES = [1, 10, 50];

function workspace(packages: number): { root: string; touched: string[] } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'warmline-bench-rules-'));
  fs.writeFileSync(path.join(root, 'AGENTS.md'), '- Run the tests before you finish.\n'.repeat(100));
  fs.writeFileSync(path.join(root, '.gitignore'), 'node_modules\ndist\n');
  const touched: string[] = [];
  for (let p = 0; p < packages; p++) {
    const dir = path.join(root, `pkg${p}`, 'src', 'deep');
    fs.mkdirSync(dir, { recursive: true });
    if (p % 3 === 0) fs.writeFileSync(path.join(root, `pkg${p}`, 'AGENTS.md'), `- Package ${p} rules.\n`);
    fs.writeFileSync(path.join(dir, 'file.ts'), 'export {};\n');
    touched.push(`pkg${p}/src/deep/file.ts`);
  }
  return { root, touched };
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function main(): Promise<void> {
  const rows: string[][] = [];
  for (const n of SIZES) {
    const { root, touched } = workspace(n);
    const host = new NodeHost({ roots: [root] });
    const settings = () => withDefaults({});
    const statsLoader = new RulesLoader(host, settings);
    const watchedLoader = new RulesLoader(host, settings, { watched: () => true });
    const files = await statsLoader.load(touched, { include: [] });
    await watchedLoader.load(touched, { include: [] });
    const runs = {
      cold: () => time(() => new RulesLoader(host, settings).load(touched, { include: [] })),
      stats: () => time(() => statsLoader.load(touched, { include: [] })),
      watched: () => time(() => watchedLoader.load(touched, { include: [] })),
    };
    const ms: Record<keyof typeof runs, number[]> = { cold: [], stats: [], watched: [] };
    const order = Object.keys(runs) as (keyof typeof runs)[];
    for (let r = 0; r < REPS; r++) {
      for (const k of r % 2 ? order : [...order].reverse()) ms[k].push(await runs[k]());
    }
    const c = spread(ms.cold);
    const st = spread(ms.stats);
    const w = spread(ms.watched);
    rows.push([
      `${n} touched, ${files.length} rules files`,
      fmtSpread(c, 2),
      `${fmtSpread(st, 2)} (${(st.median / c.median).toFixed(2)}×)`,
      `${fmtSpread(w, 2)} (${(w.median / c.median).toFixed(3)}×)`,
    ]);
    fs.rmSync(root, { recursive: true, force: true });
  }
  console.log(`rules refresh per model request (${REPS} reps, medians [min–max] ms)`);
  console.log(table(['workspace', 'cold', 'stats (virtual folders)', 'watched (the extension)'], rows));
}

await main();
