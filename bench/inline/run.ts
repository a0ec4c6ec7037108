// The inline-edit benchmark: time to the first changed line of an inline edit (Edit Selection,
// Fix with Warmline), with the file staged on the inline lane while the cursor rested
// (`warmline.inline.prewarm`, SessionManager.stage) against cold (the file sent with the
// request), side by side in one run, alternating which goes first.
//
//   node bench/inline/run.ts [--reps 15] [--quick] [--rtt-ms 40] [--lines 400] [--uplink-mbps 0]
//
// Set-up: Warmline's SessionManager on a warm WebSocket (instructions and tools staged, as at
// workspace open), through the chain benchmark's delaying proxy (RTT/2 each way) to the
// Responses emulator (a scripted test double, not AI) with the chain benchmark's server cost
// model (fixed ms per request + ms per KB of input not cached on the connection), and, as a
// second reading, a prefill-heavier model. The file is TypeScript-like, `--lines` long; the
// scripted answer rewrites the 11 marked lines. "First changed line": the first moment the
// streamed answer, laid out by the product's SuggestionModel, shows a changed line.
// Prints medians [min–max] and the median of per-repetition ratios; asserts no times.
import { contextCovers, inlineContext, inlineInstruction } from '../../src/agent/inline-context.ts';
import type { InlineDocument } from '../../src/agent/inline-context.ts';
import { SuggestionModel, codeFromStream } from '../../src/agent/suggestion.ts';
import { SessionManager } from '../../src/session/manager.ts';
import { startEmulator } from '../../test/emulator/server.ts';
import { startDelayProxy } from '../chain/proxy.ts';
import { fmtSpread, spread, table } from '../chain/stats.ts';
import type { CostModel } from '../chain/workload.ts';
import { serverCost } from '../chain/workload.ts';

const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const num = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const REPS = num('reps', quick ? 5 : 15);
const RTT = num('rtt-ms', 40);
const LINES = num('lines', 400);
const UPLINK = num('uplink-mbps', 0);
const FIRST = 100;
const LAST = 110;
const GOAL = 0.6;
const KEY = 'sk-bench-inline';
const INSTRUCTIONS = 'You are a coding assistant inside VS Code. '.repeat(60);

/** A TypeScript-like file, deterministic. */
function fileLines(n: number): string[] {
  return Array.from({ length: n }, (_, i) =>
    i % 12 === 0
      ? `export function handler${i}(input: Request, options: HandlerOptions = {}): Promise<Response> {`
      : i % 12 === 11
        ? '}'
        : `  const value${i} = await compute(input.items[${i % 7}], { retries: ${i % 5}, label: 'step-${i}' });`,
  );
}

const original = fileLines(LINES);
const doc: InlineDocument = {
  path: 'src/handlers.ts',
  languageId: 'typescript',
  version: 1,
  lineCount: original.length,
  lineAt: (i) => original[i]!,
};
const rewritten = original.slice(FIRST, LAST + 1).map((l) => l.replace(/const value(\d+)/, 'const result$1'));
const answer = `\`\`\`typescript\n${rewritten.join('\n')}\n\`\`\`\n`;

interface Reading {
  cold: number[];
  warm: number[];
  ratios: number[];
}

async function measure(model: CostModel): Promise<Reading> {
  const emu = await startEmulator({
    apiKey: KEY,
    mode: 'strict',
    chunkDelayMs: 5,
    scenario: { name: 'inline-bench', turns: () => ({ text: answer }) },
    serverDelayMs: (info) => (info.generate ? serverCost(model, info.uncachedInputBytes) : 0),
  });
  const proxy = await startDelayProxy({
    targetHost: '127.0.0.1',
    targetPort: emu.port,
    rttMs: RTT,
    uplinkMbps: UPLINK || undefined,
  });
  const reading: Reading = { cold: [], warm: [], ratios: [] };
  try {
    for (let rep = 0; rep < REPS; rep++) {
      const once = async (prewarmed: boolean) => {
        const s = new SessionManager({
          baseUrl: `http://127.0.0.1:${proxy.port}/v1`,
          model: 'bench',
          instructions: INSTRUCTIONS,
          tools: [],
          getApiKey: async () => KEY,
          transport: 'websocket',
          compression: false,
        });
        try {
          await s.start(['inline']);
          const context = inlineContext('file:///bench/src/handlers.ts', doc, FIRST)!;
          // The user rested the cursor (staging done) before asking.
          if (prewarmed && !(await s.stage([context.message], { lane: 'inline' }))) throw new Error('staging failed');
          if (!contextCovers(context, context.uri, doc.version, FIRST, LAST))
            throw new Error('context does not cover the lines');
          const model = new SuggestionModel(original.slice(FIRST, LAST + 1));
          let text = '';
          let firstChange: number | undefined;
          const started = performance.now();
          const r = await s.respond([context.message, inlineInstruction(doc, FIRST, LAST, 'rename value to result')], {
            lane: 'inline',
            onEvent: (ev) => {
              if (ev.type !== 'response.output_text.delta' || firstChange !== undefined) return;
              text += (ev as { delta: string }).delta;
              model.update(codeFromStream(text, false), false);
              if (model.hunks().length) firstChange = performance.now() - started;
            },
          });
          if (firstChange === undefined) throw new Error('no changed line was streamed');
          if (r.metrics.mode !== 'delta') throw new Error(`expected a delta request, got ${r.metrics.mode}`);
          return firstChange;
        } finally {
          s.dispose();
        }
      };
      const order = rep % 2 === 0 ? [false, true] : [true, false];
      const got: Record<string, number> = {};
      for (const prewarmed of order) got[String(prewarmed)] = await once(prewarmed);
      reading.cold.push(got.false!);
      reading.warm.push(got.true!);
      reading.ratios.push(got.true! / got.false!);
    }
    if (emu.violations.length) throw new Error(`emulator violations: ${emu.violations.join('; ')}`);
  } finally {
    await proxy.close();
    await emu.close();
  }
  return reading;
}

const MODELS: Array<{ label: string; model: CostModel; goal: boolean }> = [
  { label: 'chain bench cost model (100 ms + 1 ms/KB uncached)', model: { fixedMs: 100, perKbMs: 1 }, goal: true },
  { label: 'prefill-heavier (100 ms + 5 ms/KB uncached)', model: { fixedMs: 100, perKbMs: 5 }, goal: false },
];

async function main() {
  const contextBytes = Buffer.byteLength(JSON.stringify(inlineContext('u', doc, FIRST)!.message));
  console.log(`Inline edit: time to the first changed line, file staged while the cursor rested vs cold`);
  console.log(
    `${LINES}-line file (${(contextBytes / 1024).toFixed(1)} KB context), lines ${FIRST + 1}-${LAST + 1} rewritten; RTT ${RTT} ms${UPLINK ? `, uplink ${UPLINK} Mbit/s` : ''}; ${REPS} repetitions, order alternating\n`,
  );
  const rows: string[][] = [];
  for (const m of MODELS) {
    const r = await measure(m.model);
    const ratio = spread(r.ratios);
    rows.push([
      m.label,
      fmtSpread(spread(r.cold), 0, ' ms'),
      fmtSpread(spread(r.warm), 0, ' ms'),
      `${ratio.median.toFixed(2)}x`,
      m.goal ? `<= ${GOAL}x: ${ratio.median <= GOAL ? 'met' : 'NOT met'}` : '(reference)',
    ]);
  }
  console.log(table(['server', 'cold', 'prewarmed', 'prewarmed / cold', 'goal'], rows));
}

main().catch((err) => {
  console.error(`inline BENCHMARK FAILED: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
