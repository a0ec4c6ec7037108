// The grep benchmark: Debian's `rg` run directly (the baseline) against Warmline's grep tool on
// its ripgrep path and on its pure-Node fallback, side by side in one run, over a generated tree
// of ~50,000 source-like files.
//
//   node bench/grep/run.ts [--files 50000] [--reps 5] [--quick]
//   WARMLINE_BENCH_RG=/path/to/rg node bench/grep/run.ts ...   (another rg as the baseline)
//
// The rg: WARMLINE_BENCH_RG, else `rg` on PATH (Debian's ripgrep), else the one bundled with
// code-server's VS Code under .tools/vscode (installed by .ci/dev); the output names it.
//
// Each repetition runs every method once per query, in turn (warm page cache: one untimed
// warm-up pass first). Prints medians [min–max] and each method's median ratio against direct
// rg. The tool runs uncapped (every match found and formatted, like rg printing them all) and,
// for reference, with its default cap of 200 matches, and once more reading rg's --json output
// alone (how its ripgrep path read rg before it read the standard output). After the table, the
// goals of issue 17 for the ripgrep path, each with its measured ratio and whether it is met.
// Asserts no times; exits 1 when no rg is found or when a method finds a different number of
// matching lines than rg.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGrepTool } from '../../src/tools/grep.ts';
import type { GrepToolOptions } from '../../src/tools/grep.ts';
import { WorkspaceGuard } from '../../src/tools/guard.ts';
import { ripgrepArgs } from '../../src/tools/grep-ripgrep.ts';
import { NodeHost } from '../../src/tools/node-host.ts';
import { findEditorRipgrep } from '../../src/tools/ripgrep-locate.ts';
import { DEFAULT_TOOL_SETTINGS } from '../../src/tools/settings.ts';
import type { ToolSettings } from '../../src/tools/types.ts';
import { editorAppRoot, goalLine, grepGoal, locateBenchRipgrep, parseGrepSummary } from './support.ts';
import type { GrepQueryKind } from './support.ts';
import { RARE_MARKER, generateTree } from './tree.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');

interface Query {
  label: string;
  kind: GrepQueryKind;
  pattern: string;
  literal: boolean;
  ignoreCase: boolean;
}
const QUERIES: Query[] = [
  { label: `rare literal "${RARE_MARKER}"`, kind: 'rare', pattern: RARE_MARKER, literal: true, ignoreCase: false },
  {
    label: 'frequent regex \\b(const|let)\\s+\\w+',
    kind: 'frequent',
    pattern: '\\b(const|let)\\s+\\w+',
    literal: false,
    ignoreCase: false,
  },
  {
    label: 'case-insensitive "todo|fixme"',
    kind: 'case-insensitive',
    pattern: 'todo|fixme',
    literal: false,
    ignoreCase: true,
  },
];

/** `goal`: the tool on its ripgrep path, whose ratio to rg issue 17 sets a goal for. */
interface Method {
  label: string;
  run(q: Query): Promise<number>;
  goal?: { capped: boolean };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function spread(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { median: s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2, min: s[0]!, max: s[s.length - 1]! };
}

function table(headers: string[], rows: string[][]): string {
  const w = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i < 2 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join(' | ')} |`;
  return [
    line(headers),
    `|${w.map((n, i) => (i < 2 ? `:${'-'.repeat(n + 1)}` : `${'-'.repeat(n + 1)}:`)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

async function main(): Promise<void> {
  let found: ReturnType<typeof locateBenchRipgrep>;
  try {
    found = locateBenchRipgrep(process.env, REPO);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
  if (!found) {
    console.error(
      'No rg (ripgrep) found: not on PATH, and no code-server under .tools/vscode. Run .ci/dev (it installs code-server, whose VS Code bundles rg), or apt-get install ripgrep, or set WARMLINE_BENCH_RG=/path/to/rg.',
    );
    process.exit(1);
  }
  const rg = found.path;
  console.error(`rg: ${rg} (from ${found.source})`);
  const quick = process.argv.includes('--quick');
  const files = Number(arg('files') ?? (quick ? 5000 : 50_000));
  const reps = Number(arg('reps') ?? (quick ? 3 : 5));
  const cacheDir = path.join(REPO, '.tools', 'bench-grep', `tree-${files}`);
  const t0 = Date.now();
  const tree = generateTree(cacheDir, { files });
  console.error(
    `tree: ${tree.files.toLocaleString('en-US')} files, ${(tree.bytes / 1e6).toFixed(1)} MB at ${tree.root} (${Date.now() - t0} ms)`,
  );

  const host = new NodeHost({ roots: [tree.root] });
  const uncapped: ToolSettings = { ...DEFAULT_TOOL_SETTINGS, maxGrepMatches: 100_000_000 };
  const capped: ToolSettings = { ...DEFAULT_TOOL_SETTINGS };
  const guard = new WorkspaceGuard(host, uncapped);
  await guard.prepare(guard.roots()[0]!, '');

  const direct =
    (binary: string): Method['run'] =>
    (q) =>
      new Promise((resolve, reject) => {
        // The same file selection as the tool (ignore files, hidden files, size limit, secrets), plain output.
        const args = ripgrepArgs(
          guard,
          guard.roots()[0]!,
          {
            pattern: q.pattern,
            literal: q.literal,
            ignoreCase: q.ignoreCase,
            context: 0,
            include: [],
            exclude: [],
            maxFileBytes: uncapped.maxReadBytes,
            deadline: 0,
          },
          ['.'],
        ).filter((a) => a !== '--json');
        const child = spawn(binary, ['--line-number', '--no-heading', '--color', 'never', ...args], {
          cwd: tree.root,
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let lines = 0;
        child.stdout.on('data', (b: Buffer) => {
          for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) lines++;
        });
        child.on('error', reject);
        child.on('close', () => resolve(lines));
      });
  const tool = (options: GrepToolOptions, settings: ToolSettings): Method['run'] => {
    const grep = createGrepTool(options);
    return async (q) => {
      const args = { pattern: q.pattern, literal: q.literal, case: q.ignoreCase ? 'insensitive' : 'sensitive' };
      const result = await grep.run(grep.parse(JSON.stringify(args)), {
        host,
        settings,
        signal: new AbortController().signal,
        progress: () => {},
        approve: async () => true,
      });
      if (result.isError) throw new Error(result.output);
      return parseGrepSummary(result.summary).lines;
    };
  };
  // The tool with VS Code's rg too, unless that is the baseline's rg already.
  const bundled = findEditorRipgrep(editorAppRoot(REPO));
  const editorRg = bundled && fs.realpathSync(bundled) !== fs.realpathSync(rg) ? bundled : undefined;
  const methods: Method[] = [
    { label: 'rg direct (baseline)', run: direct(rg) },
    {
      label: 'grep tool, ripgrep path',
      run: tool({ engine: 'ripgrep', rgPath: rg }, uncapped),
      goal: { capped: false },
    },
    {
      label: 'grep tool, rg --json only',
      run: tool({ engine: 'ripgrep', rgPath: rg, ripgrep: { output: 'json' } }, uncapped),
    },
    { label: 'grep tool, Node fallback', run: tool({ engine: 'node' }, uncapped) },
    {
      label: 'grep tool, ripgrep, cap 200',
      run: tool({ engine: 'ripgrep', rgPath: rg }, capped),
      goal: { capped: true },
    },
    { label: 'grep tool, Node, cap 200', run: tool({ engine: 'node' }, capped) },
    ...(editorRg
      ? [{ label: "grep tool, VS Code's rg", run: tool({ engine: 'ripgrep', rgPath: editorRg }, uncapped) }]
      : []),
  ];

  const times = new Map<string, number[]>();
  const counts = new Map<string, number>();
  const key = (q: Query, m: Method) => `${q.label}\0${m.label}`;
  for (let rep = -1; rep < reps; rep++) {
    for (const q of QUERIES) {
      for (const m of methods) {
        const start = process.hrtime.bigint();
        const n = await m.run(q);
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        if (rep < 0) {
          counts.set(key(q, m), n);
          continue;
        } // warm-up
        times.set(key(q, m), [...(times.get(key(q, m)) ?? []), ms]);
      }
    }
    if (rep >= 0) console.error(`repetition ${rep + 1}/${reps} done`);
  }

  const rows: string[][] = [];
  const goals: string[] = [];
  let mismatch = false;
  for (const q of QUERIES) {
    const base = spread(times.get(key(q, methods[0]!))!).median;
    const baseCount = counts.get(key(q, methods[0]!))!;
    for (const m of methods) {
      const s = spread(times.get(key(q, m))!);
      const n = counts.get(key(q, m))!;
      const capped = m.label.includes('cap 200');
      if (!capped && n !== baseCount) mismatch = true;
      rows.push([
        q.label,
        m.label,
        `${s.median.toFixed(0)} [${s.min.toFixed(0)}–${s.max.toFixed(0)}]`,
        `${(s.median / base).toFixed(2)}×`,
        `${n.toLocaleString('en-US')}${capped ? '' : n === baseCount ? '' : ' ≠ rg!'}`,
      ]);
      if (m.goal)
        goals.push(
          `- ${goalLine(`${q.label}, ${m.goal.capped ? 'cap 200' : 'cap lifted'}`, s.median / base, grepGoal(q.kind, m.goal.capped))}`,
        );
    }
  }
  const rgVersion = spawnSync(rg, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0];
  const cpus = os.cpus();
  console.log(
    `grep benchmark, ${new Date().toISOString().slice(0, 10)}: ${tree.files.toLocaleString('en-US')} files (${(tree.bytes / 1e6).toFixed(1)} MB), ${reps} repetitions after a warm-up, warm page cache.`,
  );
  console.log(
    `Machine: ${cpus[0]?.model ?? 'unknown CPU'} x${cpus.length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}; Node ${process.version}; ${rgVersion} (${rg}, from ${found.source})${editorRg ? `; VS Code's rg at ${path.relative(REPO, editorRg)}` : ''}.\n`,
  );
  console.log(table(['query', 'method', 'ms median [min–max]', 'vs rg', 'matching lines'], rows));
  console.log(
    `\nGoals (issue 17): the grep tool on its ripgrep path against rg alone (median ratio, as in the table):\n${goals.join('\n')}`,
  );
  if (mismatch) {
    console.error('\nA method found a different number of matching lines than rg: the search paths disagree.');
    process.exit(1);
  }
}

await main();
