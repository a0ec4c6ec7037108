// A terminal demo of the session layer: the Responses emulator (a scripted test double, not AI)
// plays a 25-tool-call chain; Warmline's session runs it over a warm WebSocket and then over
// HTTP, printing per-turn figures side by side. Run: npm run demo:terminal
import { startEmulator } from '../emulator/server.ts';
import { chainScenario } from '../emulator/scenario.ts';
import { SessionManager } from '../../src/session/manager.ts';
import type { TransportSetting, TurnMetrics } from '../../src/session/manager.ts';
import { isToolCall, userMessage } from '../../src/session/protocol.ts';
import type { InputItem, ToolDefinition } from '../../src/session/protocol.ts';

const CALLS = Number(process.env.DEMO_CALLS ?? 25);
const tools: ToolDefinition[] = ['grep', 'read_file'].map((name) => ({
  type: 'function' as const,
  name,
  description: `The ${name} tool.`,
  strict: true,
  parameters: {
    type: 'object',
    properties: { pattern: { type: 'string' }, path: { type: 'string' } },
    required: [],
    additionalProperties: false,
  },
}));

async function run(transport: TransportSetting): Promise<TurnMetrics[]> {
  const emu = await startEmulator({ scenario: chainScenario(CALLS), mode: 'strict', chunkDelayMs: 2 });
  const session = new SessionManager({
    baseUrl: emu.url,
    model: 'demo',
    instructions: 'Scripted demo. '.repeat(200),
    tools,
    getApiKey: async () => undefined,
    requireApiKey: false,
    transport,
  });
  const started = Date.now();
  await session.start();
  const warmMs = Date.now() - started;
  const transcript: InputItem[] = [userMessage('Explore the repository and summarise it.')];
  const metrics: TurnMetrics[] = [];
  for (;;) {
    const turn = await session.respond(transcript);
    metrics.push(turn.metrics);
    transcript.push(...turn.output);
    const calls = turn.output.filter(isToolCall);
    if (!calls.length) break;
    for (const c of calls)
      transcript.push({ type: 'function_call_output', call_id: c.call_id, output: `${c.name} output\n`.repeat(150) });
  }
  session.dispose();
  const violations = emu.violations.length;
  await emu.close();
  if (violations) throw new Error(`the emulator saw ${violations} protocol violations`);
  console.log(
    `\n${transport}: warm-up ${transport === 'http' ? 'n/a' : `${warmMs} ms`}, ${metrics.length} turns, ${Date.now() - started} ms end to end`,
  );
  return metrics;
}

const ws = await run('websocket');
const http = await run('http');
console.log('\nturn | ws: mode  items   bytes  first-event total | http: items   bytes  total');
for (let i = 0; i < ws.length; i++) {
  const a = ws[i]!;
  const b = http[i]!;
  console.log(
    `${String(i + 1).padStart(4)} | ${a.mode.padEnd(6)} ${String(a.inputItemsSent).padStart(5)} ${String(a.bytesSent).padStart(7)} ${String(a.timeToFirstEventMs ?? '-').padStart(7)} ms ${String(a.totalMs).padStart(4)} ms | ${String(b.inputItemsSent).padStart(5)} ${String(b.bytesSent).padStart(7)} ${String(b.totalMs).padStart(4)} ms`,
  );
}
const sum = (m: TurnMetrics[]) => m.reduce((n, x) => n + x.bytesSent, 0);
console.log(`\nbytes sent in all: websocket ${sum(ws)}, http ${sum(http)} (${(sum(ws) / sum(http)).toFixed(2)}x)`);
console.log(
  'The model here is the Responses emulator: scripted, not AI. Timings are loopback only; see bench/ for a modelled network.',
);
