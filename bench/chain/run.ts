// The chain benchmark: Warmline's session layer and the official `openai` clients drive the same
// agent chain of N tool calls against the Responses emulator (a scripted test double, not AI),
// over TLS through a delaying TCP proxy (simulated RTT). Each client runs in its own process.
// Method, cost model and latest results: bench/README.md.
//
//   node bench/chain/run.ts [--quick | --full] [--reps 3] [--long-reps 1] [--zero-reps 1]
//        [--n 5,25,50] [--zero-cost-n 25] [--rtt 40] [--chunk-delay-ms 10] [--tool-ms 20]
//        [--server-fixed-ms 100] [--server-ms-per-kb 1] [--uplink-mbps 0] [--downlink-mbps 0]
//        [--clients warmline-ws,openai-http,...] [--json out.json] [--report-from out.json]
//
// Default (~9 min on 2 cores): 3 repetitions of N=5 and N=25, 1 of N=50, 1 of N=25 at zero
// server cost. --full: --reps repetitions of everything (~16 min). --quick: 1 repetition of N=5,
// N=25 and N=25 at zero cost (~2.5 min).
//
// Prints markdown tables of medians [min–max] over the repetitions, ratios taken within the
// same repetition. Asserts no times; exits non-zero, with a clear message, when a run breaks
// (a client fails, the chain does not complete, or the emulator records a violation).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../../test/emulator/server.ts';
import type { ServerDelayInfo } from '../../test/emulator/types.ts';
import { startDelayProxy } from './proxy.ts';
import type { ProxyStats } from './proxy.ts';
import { fmt, fmtSpread, spread, table } from './stats.ts';
import type { Spread } from './stats.ts';
import { makeThrowawayCert } from './tls.ts';
import type { ThrowawayCert } from './tls.ts';
import { CLIENTS, CLIENT_LABEL } from './types.ts';
import type { ClientConfig, ClientName, ClientResult } from './types.ts';
import { INSTRUCTIONS, TOOLS, benchScenario, finalAnswer, serverCost } from './workload.ts';
import type { CostModel } from './workload.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const CLIENT_SCRIPT = path.join(HERE, 'client.ts');
const RUN_TIMEOUT_MS = 300_000;

// ---------------------------------------------------------------------------------------
// Options

interface Options {
  /** Repetitions of the modelled-cost chains with N < 50. */
  reps: number;
  /** Repetitions of the modelled-cost chains with N >= 50 (the long ones). */
  longReps: number;
  /** Repetitions of the zero-cost chains. */
  zeroReps: number;
  ns: number[];
  zeroCostNs: number[];
  rttMs: number;
  chunkDelayMs: number;
  toolMs: number;
  uplinkMbps: number;
  downlinkMbps: number;
  cost: CostModel;
  clients: ClientName[];
  json?: string;
  quick: boolean;
}

function parseArgs(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const full = argv.includes('--full');
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  };
  const num = (name: string, dflt: number): number => {
    const v = get(name);
    if (v === undefined) return dflt;
    const x = Number(v);
    if (!Number.isFinite(x) || x < 0) throw new Error(`--${name} wants a non-negative number, got ${v}`);
    return x;
  };
  const list = (name: string, dflt: number[]): number[] => {
    const v = get(name);
    return v === undefined
      ? dflt
      : v
          .split(',')
          .filter(Boolean)
          .map((s) => Number(s));
  };
  const clients = (get('clients')?.split(',') ?? [...CLIENTS]) as ClientName[];
  for (const c of clients)
    if (!CLIENTS.includes(c)) throw new Error(`unknown client ${c} (known: ${CLIENTS.join(', ')})`);
  if (!clients.includes('warmline-ws')) throw new Error('the ratios need warmline-ws among --clients');
  const json = get('json');
  const reps = num('reps', quick ? 1 : 3);
  return {
    quick,
    reps,
    longReps: num('long-reps', full ? reps : 1),
    zeroReps: num('zero-reps', full ? reps : 1),
    ns: list('n', quick ? [5, 25] : [5, 25, 50]),
    zeroCostNs: list('zero-cost-n', [25]),
    rttMs: num('rtt', 40),
    chunkDelayMs: num('chunk-delay-ms', 10),
    toolMs: num('tool-ms', 20),
    uplinkMbps: num('uplink-mbps', 0),
    downlinkMbps: num('downlink-mbps', 0),
    cost: { fixedMs: num('server-fixed-ms', 100), perKbMs: num('server-ms-per-kb', 1) },
    clients,
    ...(json ? { json } : {}),
  };
}

// ---------------------------------------------------------------------------------------
// One run: a fresh emulator and proxy, one client process.

interface ServerRecord {
  bytes: number;
  generate: boolean;
  previous: boolean;
  uncachedBytes: number;
  delayMs: number;
  /** From the modelled delay's start to the last event written: modelled delay + generation. */
  serverMs: number;
  transport: string;
  connectionId: number;
}

interface Run {
  cost: 'modelled' | 'zero';
  n: number;
  rep: number;
  client: ClientName;
  result: ClientResult;
  requests: ServerRecord[];
  proxy: ProxyStats;
  /** What no client can beat for this run's chain, ms (see README). */
  floorMs: number;
  notes: string[];
}

class BenchFailure extends Error {}

async function runOnce(
  opts: Options,
  cert: ThrowawayCert,
  client: ClientName,
  n: number,
  costName: 'modelled' | 'zero',
  rep: number,
): Promise<Run> {
  const model: CostModel = costName === 'zero' ? { fixedMs: 0, perKbMs: 0 } : opts.cost;
  const requests: ServerRecord[] = [];
  const failures: string[] = [];
  let pending: { t0: number; info: ServerDelayInfo; delay: number } | undefined;
  const emu = await startEmulator({
    scenario: benchScenario(n),
    mode: 'strict',
    chunkDelayMs: opts.chunkDelayMs,
    tls: { key: cert.key, cert: cert.cert },
    serverDelayMs: (info) => {
      const delay = serverCost(model, info.uncachedInputBytes);
      pending = { t0: performance.now(), info, delay };
      return delay;
    },
    onRequest: (r) => {
      const p = pending;
      pending = undefined;
      requests.push({
        bytes: r.bytes,
        generate: r.generate !== false,
        previous: r.previousResponseId !== undefined,
        uncachedBytes: p?.info.uncachedInputBytes ?? NaN,
        delayMs: p?.delay ?? NaN,
        serverMs: p ? performance.now() - p.t0 : NaN,
        transport: r.transport,
        connectionId: r.connectionId,
      });
      if (r.outcome !== 'completed')
        failures.push(`request ${requests.length} ended ${r.outcome}${r.errorCode ? ` (${r.errorCode})` : ''}`);
    },
  });
  const proxy = await startDelayProxy({
    targetHost: '127.0.0.1',
    targetPort: emu.port,
    rttMs: opts.rttMs,
    uplinkMbps: opts.uplinkMbps,
    downlinkMbps: opts.downlinkMbps,
  });
  const where = `${client}, N=${n}, ${costName} server cost, repetition ${rep + 1}`;
  try {
    const cfg: ClientConfig = { client, baseUrl: `https://127.0.0.1:${proxy.port}/v1`, n, toolMs: opts.toolMs };
    const result = await runClient(cfg, cert.certPath, where).catch((err: unknown) => {
      // Say what the server saw too: a violation usually explains a client's failure.
      const seen = emu.violations.length ? `\nThe emulator recorded:\n  ${emu.violations.join('\n  ')}` : '';
      throw err instanceof Error ? new BenchFailure(`${err.message}${seen}`) : err;
    });
    if (emu.violations.length)
      throw new BenchFailure(
        `${where}: the emulator recorded ${emu.violations.length} protocol violation(s):\n  ${emu.violations.join('\n  ')}`,
      );
    if (failures.length) throw new BenchFailure(`${where}: ${failures.join('; ')}`);
    const turns = requests.filter((r) => r.generate);
    if (result.turns.length !== n + 1)
      throw new BenchFailure(`${where}: the chain took ${result.turns.length} turns, expected ${n + 1}`);
    if (turns.length !== n + 1)
      throw new BenchFailure(
        `${where}: the emulator saw ${turns.length} model requests, expected ${n + 1} (a retry or a duplicate request)`,
      );
    if (result.finalText !== finalAnswer(n))
      throw new BenchFailure(
        `${where}: the final answer differs from the scripted one: ${JSON.stringify(result.finalText.slice(0, 200))}`,
      );
    const notes: string[] = [];
    result.turns.forEach((t, i) => {
      if (client.startsWith('warmline-ws') && t.mode === 'full' && i > 0)
        notes.push(`turn ${i + 1} was sent in full (mode full)`);
    });
    // Floor: per turn one RTT + the modelled server time of a request carrying only the new
    // items (everything else cached) + the generation time this server actually took; plus tools.
    let floorMs = 0;
    result.turns.forEach((t, i) => {
      const r = turns[i] as ServerRecord;
      const generation = Math.max(0, r.serverMs - r.delayMs);
      floorMs += opts.rttMs + serverCost(model, t.newBytes) + generation + t.toolMs;
    });
    return { cost: costName, n, rep, client, result, requests, proxy: { ...proxy.stats }, floorMs, notes };
  } finally {
    await proxy.close();
    await emu.close();
  }
}

function runClient(cfg: ClientConfig, certPath: string, where: string): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-warnings', CLIENT_SCRIPT, JSON.stringify(cfg)], {
      cwd: ROOT,
      env: { ...process.env, NODE_EXTRA_CA_CERTS: certPath },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('@@RESULT ') || l.startsWith('@@ERROR '));
      if (line?.startsWith('@@RESULT ') && code === 0) return resolve(JSON.parse(line.slice(9)) as ClientResult);
      const why = line?.startsWith('@@ERROR ')
        ? (JSON.parse(line.slice(8)) as string)
        : signal
          ? `killed by ${signal} (timeout ${RUN_TIMEOUT_MS / 1000} s?)`
          : `exit code ${code}`;
      reject(
        new BenchFailure(
          `${where}: the client process failed: ${why}${err.trim() ? `\n--- stderr ---\n${err.trim().slice(-3000)}` : ''}`,
        ),
      );
    });
  });
}

// ---------------------------------------------------------------------------------------
// Report

function machine(): string {
  const cpu =
    fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  return `${os.availableParallelism()} cores (nproc), ${cpu}, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

/** The machine is shared: say how busy it was, since other processes' CPU shows up as latency. */
function load(): string {
  const [one] = os.loadavg();
  const busy = (one ?? 0) > os.availableParallelism();
  return `load average ${fmt(one ?? NaN, 2)}${busy ? ' (MORE than the cores: other processes compete; expect noisy times)' : ''}`;
}

const cpuPerTurn = (r: Run) => (r.result.cpuUserUs + r.result.cpuSystemUs) / 1000 / r.result.turns.length;
const turnBytes = (r: Run, t: number) => r.requests.filter((q) => q.generate)[t - 1]?.bytes ?? NaN;
const resent = (r: Run, t: number) => turnBytes(r, t) - (r.result.turns[t - 1]?.newBytes ?? NaN);

function report(
  opts: Options,
  runs: Run[],
): { text: string; goals: { goal: string; measured: string; met: boolean }[] } {
  const out: string[] = [];
  const goals: { goal: string; measured: string; met: boolean }[] = [];
  const costLabel = (c: 'modelled' | 'zero') =>
    c === 'zero'
      ? 'server cost 0 (transport share only)'
      : `server cost ${opts.cost.fixedMs} ms + ${opts.cost.perKbMs} ms/KB uncached input`;
  const pick = (cost: string, n: number, client?: ClientName) =>
    runs.filter((r) => r.cost === cost && r.n === n && (!client || r.client === client));
  const byRep = (rs: Run[]) => new Map(rs.map((r) => [r.rep, r]));
  const ratioTo = (rs: Run[], base: Run[], f: (r: Run) => number) => {
    const b = byRep(base);
    return spread(
      rs.map((r) => {
        const x = b.get(r.rep);
        return x ? f(r) / f(x) : NaN;
      }),
    );
  };
  const e2e = (r: Run) => r.result.e2eMs;
  // The other reading: workspace open to final answer, as if the user asked the moment the
  // workspace opened. It charges Warmline its connect + warmup, which happen at open and are not
  // in e2e, while the HTTP clients' handshakes already are (they connect inside turn 1).
  const withSetup = (r: Run) => r.result.setupMs + r.result.e2eMs;

  const combos: ['modelled' | 'zero', number][] = [
    ...opts.ns.map((n) => ['modelled', n] as ['modelled', number]),
    ...opts.zeroCostNs.map((n) => ['zero', n] as ['zero', number]),
  ];
  for (const [cost, n] of combos) {
    const all = pick(cost, n);
    if (!all.length) continue;
    const base = pick(cost, n, 'warmline-ws');
    out.push(
      `\n### Chain of ${n} tool calls, ${costLabel(cost)}, RTT ${opts.rttMs} ms (${base.length} repetition${base.length === 1 ? '' : 's'})\n`,
    );
    const rows = opts.clients.map((c) => {
      const rs = pick(cost, n, c);
      return [
        CLIENT_LABEL[c],
        fmtSpread(spread(rs.map((r) => e2e(r) / 1000)), 2),
        fmtSpread(ratioTo(rs, base, e2e), 2, 'x'),
        fmtSpread(spread(rs.map((r) => e2e(r) / r.floorMs)), 2, 'x'),
        fmtSpread(spread(rs.map((r) => r.result.setupMs)), 0),
        fmtSpread(spread(rs.map((r) => withSetup(r) / 1000)), 2),
        fmtSpread(ratioTo(rs, base, withSetup), 2, 'x'),
        fmtSpread(spread(rs.map((r) => turnBytes(r, 2))), 0),
        fmtSpread(spread(rs.map((r) => turnBytes(r, n))), 0),
        fmtSpread(spread(rs.map((r) => resent(r, n) / resent(r, 2))), 2, 'x'),
        fmtSpread(spread(rs.map((r) => r.requests.reduce((s, q) => s + q.bytes, 0) / 1024)), 0),
        fmtSpread(spread(rs.map((r) => r.proxy.bytesUp / 1024)), 0),
        fmtSpread(spread(rs.map((r) => r.proxy.connections)), 0),
        fmtSpread(spread(rs.map(cpuPerTurn)), 1),
      ];
    });
    out.push(
      table(
        [
          'client',
          'end to end, s',
          'x Warmline-WS',
          'x floor',
          'setup, ms',
          'setup + end to end, s',
          'x Warmline-WS (setup incl.)',
          'bytes turn 2',
          `bytes turn ${n}`,
          `resent ${n}/2`,
          'payload sent, KB',
          'wire up, KB',
          'TCP conns',
          'CPU ms/turn',
        ],
        rows,
      ),
    );
    const notes = [...new Set(all.flatMap((r) => r.notes.map((x) => `${r.client} rep ${r.rep + 1}: ${x}`)))];
    if (notes.length) out.push(`\nNotes: ${notes.join('; ')}`);
  }

  // Floor
  out.push('\n### Warmline-WS against the floor\n');
  out.push(
    'Floor = Σ over turns of (one RTT + modelled server time of a request carrying only the new items + the generation time the emulator took) + tool time.\n',
  );
  const floorRows = combos.map(([cost, n]) => {
    const rs = pick(cost, n, 'warmline-ws');
    return [
      `N=${n}, ${cost === 'zero' ? 'cost 0' : 'cost modelled'}`,
      fmtSpread(spread(rs.map((r) => r.floorMs / 1000)), 2),
      fmtSpread(spread(rs.map((r) => e2e(r) / 1000)), 2),
      fmtSpread(spread(rs.map((r) => e2e(r) / r.floorMs)), 3, 'x'),
    ];
  });
  out.push(table(['chain', 'floor, s', 'Warmline-WS, s', 'Warmline-WS / floor'], floorRows));

  // Start-up and first turn
  const firstN = opts.ns.includes(25) ? 25 : (opts.ns[0] as number);
  out.push(`\n### Start-up and first turn (N=${firstN}, ${costLabel('modelled')}, RTT ${opts.rttMs} ms)\n`);
  out.push(
    "Setup = workspace open until ready to send: Warmline `new SessionManager()` + `start()` (connect, and warm with `generate: false` unless disabled); the peer WS until its socket is open; HTTP clients connect lazily on the first request, so their handshakes are in turn 1 and in end to end, while the socket clients' setup (Warmline's connect + warmup, the peer's connect) is not: the chain tables' `setup + end to end` column and the goals' `setup included` rows count it.\n",
  );
  out.push(
    table(
      [
        'client',
        'setup, ms',
        'turn 1: first event, ms',
        'turn 1: first text, ms',
        'turn 1: total, ms',
        'turn 2: first event, ms',
      ],
      opts.clients.map((c) => {
        const rs = pick('modelled', firstN, c);
        return [
          CLIENT_LABEL[c],
          fmtSpread(spread(rs.map((r) => r.result.setupMs)), 0),
          fmtSpread(spread(rs.map((r) => r.result.turns[0]?.firstEventMs ?? NaN)), 0),
          fmtSpread(spread(rs.map((r) => r.result.turns[0]?.firstTextMs ?? NaN)), 0),
          fmtSpread(spread(rs.map((r) => r.result.turns[0]?.ms ?? NaN)), 0),
          fmtSpread(spread(rs.map((r) => r.result.turns[1]?.firstEventMs ?? NaN)), 0),
        ];
      }),
    ),
  );

  // Goals
  const goalN = opts.ns.includes(25) ? 25 : (opts.ns[Math.min(1, opts.ns.length - 1)] as number);
  const base = pick('modelled', goalN, 'warmline-ws');
  const med = (s: Spread) => s.median;
  if (opts.clients.includes('warmline-http')) {
    const s = ratioTo(base, pick('modelled', goalN, 'warmline-http'), e2e);
    goals.push({
      goal: `Warmline-WS <= 0.55x Warmline HTTP with history (N=${goalN}, modelled cost)`,
      measured: fmtSpread(s, 2, 'x'),
      met: med(s) <= 0.55,
    });
    const w = ratioTo(base, pick('modelled', goalN, 'warmline-http'), withSetup);
    goals.push({
      goal: `(same, setup included: Warmline-WS's connect + warmup at workspace open counted in its time)`,
      measured: fmtSpread(w, 2, 'x'),
      met: med(w) <= 0.55,
    });
    const z = ratioTo(pick('zero', goalN, 'warmline-ws'), pick('zero', goalN, 'warmline-http'), e2e);
    if (z.n)
      goals.push({
        goal: `(same, server cost 0: transport share only)`,
        measured: fmtSpread(z, 2, 'x'),
        met: med(z) <= 0.55,
      });
    const zw = ratioTo(pick('zero', goalN, 'warmline-ws'), pick('zero', goalN, 'warmline-http'), withSetup);
    if (zw.n)
      goals.push({
        goal: `(same, server cost 0, setup included)`,
        measured: fmtSpread(zw, 2, 'x'),
        met: med(zw) <= 0.55,
      });
  }
  if (opts.clients.includes('openai-http')) {
    const s = ratioTo(base, pick('modelled', goalN, 'openai-http'), e2e);
    goals.push({
      goal: `(for reference) Warmline-WS vs openai HTTP stream, full history (N=${goalN})`,
      measured: fmtSpread(s, 2, 'x'),
      met: med(s) <= 0.55,
    });
    const w = ratioTo(base, pick('modelled', goalN, 'openai-http'), withSetup);
    goals.push({
      goal: `(for reference, setup included) Warmline-WS vs openai HTTP stream (N=${goalN})`,
      measured: fmtSpread(w, 2, 'x'),
      met: med(w) <= 0.55,
    });
  }
  for (const [cost, n] of combos) {
    const rs = pick(cost, n, 'warmline-ws');
    const s = spread(rs.map((r) => e2e(r) / r.floorMs));
    goals.push({
      goal: `Warmline-WS <= 1.05x floor (N=${n}, ${cost === 'zero' ? 'cost 0' : 'modelled cost'})`,
      measured: fmtSpread(s, 3, 'x'),
      met: med(s) <= 1.05,
    });
  }
  for (const n of opts.ns) {
    const rs = pick('modelled', n, 'warmline-ws');
    const s = spread(rs.map((r) => resent(r, n) / resent(r, 2)));
    const raw = spread(rs.map((r) => turnBytes(r, n) / turnBytes(r, 2)));
    goals.push({
      goal: `Warmline-WS request bytes at turn ${n} within 1.2x of turn 2 (excluding the new tool output; raw ${fmtSpread(raw, 2, 'x')})`,
      measured: fmtSpread(s, 2, 'x'),
      met: med(s) <= 1.2,
    });
  }
  const cpuPairs: [ClientName, ClientName][] = [
    ['warmline-ws', 'openai-ws'],
    ['warmline-http', 'openai-http'],
  ];
  for (const [mine, peer] of cpuPairs) {
    if (!opts.clients.includes(mine) || !opts.clients.includes(peer)) continue;
    for (const n of opts.ns) {
      const ours = pick('modelled', n, mine);
      const theirs = pick('modelled', n, peer);
      const s = ratioTo(ours, theirs, cpuPerTurn);
      goals.push({
        goal: `Client CPU per turn: ${CLIENT_LABEL[mine]} <= ${CLIENT_LABEL[peer]} (N=${n})`,
        measured: `${fmtSpread(s, 2, 'x')} (${fmt(spread(ours.map(cpuPerTurn)).median, 1)} vs ${fmt(spread(theirs.map(cpuPerTurn)).median, 1)} ms/turn)`,
        met: med(s) <= 1.0,
      });
    }
  }
  out.push('\n### Goals\n');
  out.push(
    table(
      ['goal', 'measured (median [min–max])', 'met?'],
      goals.map((g) => [g.goal, g.measured, g.met ? 'yes' : 'NO']),
    ),
  );
  return { text: out.join('\n'), goals };
}

// ---------------------------------------------------------------------------------------

type Plan = { cost: 'modelled' | 'zero'; n: number; reps: number }[];

function planOf(opts: Options): Plan {
  return [
    ...opts.ns.map((n) => ({ cost: 'modelled' as const, n, reps: n >= 50 ? opts.longReps : opts.reps })),
    ...opts.zeroCostNs.map((n) => ({ cost: 'zero' as const, n, reps: opts.zeroReps })),
  ].filter((p) => p.reps > 0);
}

function header(opts: Options, date: string, machineLine: string): string {
  const payloadKb = (Buffer.byteLength(JSON.stringify(INSTRUCTIONS)) + Buffer.byteLength(JSON.stringify(TOOLS))) / 1024;
  return [
    `## Chain benchmark (${date.slice(0, 16).replace('T', ' ')} UTC)\n`,
    `Machine: ${machineLine}`,
    `Link: RTT ${opts.rttMs} ms through a delaying TCP proxy on loopback, TLS 1.3 (throwaway ECDSA certificate) for both transports.` +
      (opts.uplinkMbps || opts.downlinkMbps
        ? ` Bandwidth: up ${opts.uplinkMbps || '∞'} Mbit/s, down ${opts.downlinkMbps || '∞'} Mbit/s.`
        : ' No bandwidth limit.'),
    `Workload: instructions + tools ${fmt(payloadKb, 1)} KB, tool outputs 1-20 KB (mean 10.5), tool time ${opts.toolMs} ms per call, ` +
      `emulator chunk delay ${opts.chunkDelayMs} ms per delta event (~${fmt((1000 / Math.max(opts.chunkDelayMs, 0.001)) * 1.73, 0)} tokens/s nominal), final answer ~${fmt(finalAnswer(25).length / 4, 0)} tokens.`,
    `Server cost model: ${opts.cost.fixedMs} ms per request + ${opts.cost.perKbMs} ms per KB of input not cached on the connection; also run with cost 0 for N=${opts.zeroCostNs.join(', ') || 'none'}.`,
    `Repetitions: ${planOf(opts)
      .map((p) => `${p.reps} for N=${p.n}${p.cost === 'zero' ? ' at cost 0' : ''}`)
      .join(', ')}${opts.quick ? ' (--quick)' : ''}` +
      ' (interleaved: every repetition runs all clients, in a rotated order).',
    'Each client runs in its own process; CPU = process.cpuUsage() of that process from its first request to its final answer.\n',
  ].join('\n');
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const from = process.argv.indexOf('--report-from');
  if (from >= 0) {
    // Re-render the tables of an earlier run from its --json output, without running anything.
    const file = process.argv[from + 1] ?? '';
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      date: string;
      machine: string;
      options: Options;
      runs: Run[];
    };
    console.log(header(saved.options, saved.date, `${saved.machine} (re-rendered from ${path.basename(file)})`));
    console.log(report(saved.options, saved.runs).text);
    return;
  }
  const date = new Date().toISOString();
  const machineLine = `${machine()}; at start ${load()}`;
  console.log(header(opts, date, machineLine));
  const plan = planOf(opts);

  const cert = makeThrowawayCert();
  const runs: Run[] = [];
  const total = plan.reduce((s, p) => s + p.reps, 0) * opts.clients.length;
  const started = performance.now();
  try {
    const maxReps = Math.max(0, ...plan.map((p) => p.reps));
    for (let rep = 0; rep < maxReps; rep++) {
      for (const { cost, n, reps } of plan) {
        if (rep >= reps) continue;
        // Rotate the client order per repetition so no client always runs first or last.
        const order = opts.clients.map((_, i) => opts.clients[(i + rep) % opts.clients.length] as ClientName);
        for (const client of order) {
          const run = await runOnce(opts, cert, client, n, cost, rep);
          runs.push(run);
          process.stderr.write(
            `[${runs.length}/${total}] ${cost} N=${n} rep ${rep + 1} ${client}: ${fmt(run.result.e2eMs / 1000, 2)} s` +
              ` (elapsed ${fmt((performance.now() - started) / 1000, 0)} s)\n`,
          );
        }
      }
    }
  } finally {
    cert.cleanup();
  }
  const { text, goals } = report(opts, runs);
  console.log(text);
  console.log(
    `\nChain benchmark took ${fmt((performance.now() - started) / 1000, 0)} s; at the end ${load()}. The model is the Responses emulator: scripted, not AI.`,
  );
  if (opts.json) {
    fs.writeFileSync(
      opts.json,
      JSON.stringify({ date, machine: `${machineLine}; at the end ${load()}`, options: opts, goals, runs }, null, 1),
    );
    console.log(`Raw results written to ${opts.json}`);
  }
}

main().catch((err: unknown) => {
  const msg =
    err instanceof BenchFailure ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
  console.error(`\nCHAIN BENCHMARK FAILED: ${msg}`);
  process.exit(1);
});
