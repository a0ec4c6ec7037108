// Runs every benchmark that exists, one after the other, each in its own process, so one
// command prints the whole set of tables:
//   bench/chain/run.ts    transports: Warmline vs HTTP vs the openai peers on an agent chain
//                         (and again on a 2 Mbit/s uplink, with and without permessage-deflate)
//   bench/size/run.ts     bundle, .vsix, activation outside VS Code
//   bench/grep/run.ts     (if present)
//   bench/webview/run.ts  (if present)
//   bench/inline/run.ts   inline edits: time to the first changed line, file staged vs cold
//   bench/checkpoints/run.ts  checkpoints: snapshot time and store size per turn on a 50,000-file tree
//   bench/rules/run.ts        project rules: the refresh before each model request, cold, by stats, watched
//
//   node bench/run.ts [--quick] [--only chain,size,...]
// `--quick` is forwarded to every benchmark (and BENCH_QUICK=1 set in its environment).
// Exits non-zero if any benchmark failed; the others still run.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
/** Each benchmark: its script under bench/, and arguments of its own. */
const BENCHES: Array<{ name: string; script: string; args?: string[] }> = [
  { name: 'chain', script: 'chain/run.ts' },
  // A slow uplink (2 Mbit/s): the 25-call chain with permessage-deflate and without, time and wire bytes.
  {
    name: 'slow-link',
    script: 'chain/run.ts',
    args: ['--clients', 'warmline-ws,warmline-ws-nodeflate', '--n', '25', '--zero-cost-n', '', '--uplink-mbps', '2'],
  },
  { name: 'size', script: 'size/run.ts' },
  { name: 'grep', script: 'grep/run.ts' },
  { name: 'webview', script: 'webview/run.ts' },
  { name: 'inline', script: 'inline/run.ts' },
  { name: 'checkpoints', script: 'checkpoints/run.ts' },
  { name: 'rules', script: 'rules/run.ts' },
];

function machine(): string {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpu = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1] ?? cpu;
  } catch {
    /* not Linux */
  }
  return `${os.availableParallelism()} cores (nproc), ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

function runBench(script: string, args: string[], quick: boolean): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--no-warnings', script, ...args], {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, ...(quick ? { BENCH_QUICK: '1' } : {}) },
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on('error', () => resolve(1));
  });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const i = argv.indexOf('--only');
  const only = i >= 0 ? (argv[i + 1] ?? '').split(',').filter(Boolean) : undefined;
  console.log(`# Warmline benchmarks${quick ? ' (--quick)' : ''}\n`);
  console.log(`Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`);
  console.log(`Machine: ${machine()}; load average ${os.loadavg()[0]?.toFixed(2)} at start\n`);
  const summary: [string, string, string][] = [];
  for (const { name, script: file, args = [] } of BENCHES) {
    if (only && !only.includes(name)) continue;
    const script = path.join(HERE, file);
    if (!fs.existsSync(script)) {
      summary.push([name, 'not present', '']);
      continue;
    }
    const t0 = performance.now();
    console.log(
      `## ${name}: node bench/${file}${args.length ? ` ${args.map((a) => a || '""').join(' ')}` : ''}${quick ? ' --quick' : ''}\n`,
    );
    const code = await runBench(script, [...args, ...(quick ? ['--quick'] : [])], quick);
    summary.push([
      name,
      code === 0 ? 'ok' : `FAILED (exit ${code})`,
      `${Math.round((performance.now() - t0) / 1000)} s`,
    ]);
    console.log('');
  }
  console.log('## Summary\n');
  console.log('| benchmark | status | time |\n|:--|:--|--:|');
  for (const [name, status, time] of summary) console.log(`| ${name} | ${status} | ${time} |`);
  if (summary.some(([, s]) => s.startsWith('FAILED'))) {
    console.error(
      `\nBENCHMARKS FAILED: ${summary
        .filter(([, s]) => s.startsWith('FAILED'))
        .map(([n]) => n)
        .join(', ')}`,
    );
    process.exit(1);
  }
}

await main();
