// Responses emulator CLI: runs the test double (scripted, not AI) until Ctrl-C.
//   node test/emulator/cli.ts --scenario demo --port 8787 [--mode strict|compatible]
//     [--no-generate] [--http-only] [--max-age-ms N] [--chunk-delay-ms N] [--api-key K]

import { parseArgs } from 'node:util';
import { builtInScenarioNames, startEmulator } from './server.ts';
import type { RecordedRequest } from './server.ts';

const USAGE =
  'usage: node test/emulator/cli.ts --scenario NAME [--port N] [--mode strict|compatible] [--no-generate] ' +
  '[--http-only] [--max-age-ms N] [--chunk-delay-ms N] [--api-key K]\n' +
  `scenarios: ${builtInScenarioNames().join(', ')}`;

function intOption(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} needs a non-negative integer, got '${v}'`);
  return n;
}

function logLine(r: RecordedRequest): string {
  const where = r.transport === 'websocket' ? `ws#${r.connectionId}` : `http#${r.connectionId}`;
  const kind = r.generate === false ? ' warmup' : '';
  const prev = r.previousResponseId ?? 'full';
  const result = r.outcome === 'error' ? `error ${r.errorCode ?? ''}` : r.outcome;
  return `${new Date().toISOString()} ${where}${kind} input_items=${r.inputItems} bytes=${r.bytes} previous=${prev} -> ${result}${r.responseId ? ` ${r.responseId}` : ''}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string', default: 'hello' },
      port: { type: 'string' },
      mode: { type: 'string' },
      'no-generate': { type: 'boolean', default: false },
      'http-only': { type: 'boolean', default: false },
      'max-age-ms': { type: 'string' },
      'chunk-delay-ms': { type: 'string' },
      'api-key': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const mode = values.mode ?? 'strict';
  if (mode !== 'strict' && mode !== 'compatible') throw new Error(`--mode must be strict or compatible, got '${mode}'`);
  const scenario = values.scenario;
  const emu = await startEmulator({
    scenario,
    mode,
    port: intOption(values.port, 'port') ?? 0,
    supportsGenerate: !values['no-generate'],
    websocket: !values['http-only'],
    maxConnectionAgeMs: intOption(values['max-age-ms'], 'max-age-ms'),
    chunkDelayMs: intOption(values['chunk-delay-ms'], 'chunk-delay-ms'),
    apiKey: values['api-key'],
    onRequest: (r) => console.log(logLine(r)),
  });
  console.log(`Responses emulator (test double, scripted, not AI) listening on ${emu.url} scenario=${scenario}`);
  let reported = 0;
  setInterval(() => {
    for (; reported < emu.violations.length; reported++) console.log(`VIOLATION ${emu.violations[reported] ?? ''}`);
  }, 200).unref();
  const stop = (): void => {
    for (; reported < emu.violations.length; reported++) console.log(`VIOLATION ${emu.violations[reported] ?? ''}`);
    void emu.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  console.error(USAGE);
  process.exit(2);
});
