// One client driving the benchmark chain, in its own process so its CPU time is its own.
// Usage (by run.ts): node bench/chain/client.ts '<ClientConfig JSON>'
// Prints one line `@@RESULT <ClientResult JSON>` and exits 0, or `@@ERROR <message>` and exits 1.
//
// The loop is the same for every client: send the conversation, wait for the terminal event,
// run the tool calls (a measured sleep; outputs precomputed), repeat until a text answer.
// Only `turn()` differs:
//   warmline-*   SessionManager.respond(fullTranscript): the product decides what to send.
//   openai-ws    openai's ResponsesWS: previous_response_id + only the new items, instructions and
//                tools on every create (they are not inherited), store: false, no warmup.
//   openai-http  openai's client.responses.create({stream: true}) with the full history, store: false.
import OpenAI from 'openai';
import { ResponsesWS } from 'openai/resources/responses/ws';
import type { ResponseInputItem, ResponsesServerEvent, Tool } from 'openai/resources/responses/responses';
import { SessionManager } from '../../src/session/manager.ts';
import { userMessage } from '../../src/session/protocol.ts';
import type { InputItem, OutputItem, ServerEvent } from '../../src/session/protocol.ts';
import { FIRST_USER_MESSAGE, INSTRUCTIONS, MODEL, TOOLS, callFor, toolOutputFor } from './workload.ts';
import type { ClientConfig, ClientResult, TurnRecord } from './types.ts';

const API_KEY = 'sk-bench-not-a-real-key';

interface Driver {
  setup(): Promise<void>;
  /** Runs one model turn; `input` is the whole transcript, `fresh` its items new since the last turn. */
  turn(
    input: InputItem[],
    fresh: InputItem[],
    onEvent: (ev: { type: string }) => void,
  ): Promise<{ output: OutputItem[]; mode?: string }>;
  close(): void;
}

function warmline(cfg: ClientConfig): Driver {
  let session: SessionManager | undefined;
  const transport = cfg.client.startsWith('warmline-ws') ? 'websocket' : 'http';
  return {
    async setup() {
      session = new SessionManager({
        baseUrl: cfg.baseUrl,
        model: MODEL,
        instructions: INSTRUCTIONS,
        tools: TOOLS,
        getApiKey: async () => API_KEY,
        transport,
        store: cfg.client === 'warmline-http-store',
        warmup: cfg.client !== 'warmline-ws-nowarm',
        compression: cfg.client !== 'warmline-ws-nodeflate',
      });
      await session.start();
      if (session.state === 'error' || session.state === 'no_key')
        throw new Error(`session did not start: state ${session.state}`);
    },
    async turn(input, _fresh, onEvent) {
      const r = await session!.respond(input, { onEvent: onEvent as (ev: ServerEvent) => void });
      return { output: r.output, mode: r.metrics.mode };
    },
    close() {
      session?.dispose();
    },
  };
}

function openaiWs(cfg: ClientConfig): Driver {
  let rws: ResponsesWS | undefined;
  let previousId: string | undefined;
  let current: { onEvent(ev: ResponsesServerEvent): void; fail(err: Error): void } | undefined;
  return {
    async setup() {
      const client = new OpenAI({ apiKey: API_KEY, baseURL: cfg.baseUrl });
      const ws = new ResponsesWS(client);
      rws = ws;
      ws.on('event', (ev) => current?.onEvent(ev));
      ws.on('error', (err) => current?.fail(err));
      ws.on('close', (code, reason) => current?.fail(new Error(`peer socket closed ${code} ${reason}`)));
      await new Promise<void>((resolve, reject) => {
        ws.socket.once('open', () => resolve());
        ws.socket.once('error', (err: Error) => reject(err));
      });
    },
    turn(_input, fresh, onEvent) {
      return new Promise((resolve, reject) => {
        current = {
          onEvent(ev) {
            onEvent(ev);
            if (ev.type === 'response.completed') {
              current = undefined;
              previousId = ev.response.id;
              resolve({ output: ev.response.output as unknown as OutputItem[] });
            } else if (ev.type === 'response.failed' || ev.type === 'response.incomplete' || ev.type === 'error') {
              current = undefined;
              reject(new Error(`peer WS turn ended with ${ev.type}: ${JSON.stringify(ev).slice(0, 300)}`));
            }
          },
          fail(err) {
            current = undefined;
            reject(err);
          },
        };
        rws!.send({
          type: 'response.create',
          model: MODEL,
          instructions: INSTRUCTIONS,
          tools: TOOLS as unknown as Tool[],
          store: false,
          input: fresh as unknown as ResponseInputItem[],
          ...(previousId ? { previous_response_id: previousId } : {}),
        });
      });
    },
    close() {
      rws?.close();
    },
  };
}

function openaiHttp(cfg: ClientConfig): Driver {
  let client: OpenAI | undefined;
  return {
    async setup() {
      client = new OpenAI({ apiKey: API_KEY, baseURL: cfg.baseUrl, maxRetries: 0 });
    },
    async turn(input, _fresh, onEvent) {
      const stream = await client!.responses.create({
        model: MODEL,
        instructions: INSTRUCTIONS,
        tools: TOOLS as unknown as Tool[],
        store: false,
        stream: true,
        input: input as unknown as ResponseInputItem[],
      });
      let output: OutputItem[] | undefined;
      for await (const ev of stream) {
        onEvent(ev);
        if (ev.type === 'response.completed') output = ev.response.output as unknown as OutputItem[];
        else if (ev.type === 'response.failed' || ev.type === 'response.incomplete' || ev.type === 'error') {
          throw new Error(`peer HTTP turn ended with ${ev.type}: ${JSON.stringify(ev).slice(0, 300)}`);
        }
      }
      if (!output) throw new Error('peer HTTP stream ended without response.completed');
      return { output };
    },
    close() {},
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as ClientConfig;
  const driver = cfg.client.startsWith('warmline-')
    ? warmline(cfg)
    : cfg.client === 'openai-ws'
      ? openaiWs(cfg)
      : openaiHttp(cfg);
  // Everything the "tools" return is computed before the clock starts: tool CPU is not client CPU.
  const outputs = Array.from({ length: cfg.n + 1 }, (_, k) => (k === 0 ? '' : toolOutputFor(k)));

  const setupStart = performance.now();
  await driver.setup();
  const setupMs = performance.now() - setupStart;

  const transcript: InputItem[] = [userMessage(FIRST_USER_MESSAGE)];
  let fresh: InputItem[] = [...transcript];
  const turns: TurnRecord[] = [];
  let calls = 0;
  let finalText = '';
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (;;) {
    if (turns.length > cfg.n + 1) throw new Error(`the chain did not end after ${cfg.n + 1} turns`);
    const rec: TurnRecord = { ms: 0, toolMs: 0, newBytes: Buffer.byteLength(JSON.stringify(fresh)), deltas: 0 };
    const start = performance.now();
    const onEvent = (ev: { type: string }) => {
      const at = performance.now() - start;
      rec.firstEventMs ??= at;
      if (ev.type === 'response.output_text.delta') rec.firstTextMs ??= at;
      if (ev.type.endsWith('.delta')) rec.deltas++;
    };
    const { output, mode } = await driver.turn(transcript, fresh, onEvent);
    rec.ms = performance.now() - start;
    if (mode) rec.mode = mode;
    turns.push(rec);
    transcript.push(...output);
    const toolCalls = output.filter((i) => i.type === 'function_call') as {
      type: 'function_call';
      call_id: string;
      name: string;
    }[];
    if (toolCalls.length === 0) {
      finalText = output
        .map((i) =>
          i.type === 'message' ? (i as { content: { text?: string }[] }).content.map((p) => p.text ?? '').join('') : '',
        )
        .join('');
      break;
    }
    fresh = [];
    const toolStart = performance.now();
    for (const call of toolCalls) {
      calls++;
      const expected = callFor(calls).name;
      if (call.name !== expected)
        throw new Error(`call ${calls}: the model called ${call.name}, the chain expects ${expected}`);
      if (cfg.toolMs > 0) await sleep(cfg.toolMs);
      const item: InputItem = { type: 'function_call_output', call_id: call.call_id, output: outputs[calls] ?? '' };
      transcript.push(item);
      fresh.push(item);
    }
    rec.toolMs = performance.now() - toolStart;
  }
  const e2eMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  driver.close();
  const result: ClientResult = {
    client: cfg.client,
    n: cfg.n,
    setupMs,
    e2eMs,
    cpuUserUs: cpu.user,
    cpuSystemUs: cpu.system,
    turns,
    finalText,
  };
  process.stdout.write(`@@RESULT ${JSON.stringify(result)}\n`, () => process.exit(0));
}

main().catch((err: unknown) => {
  const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stdout.write(`@@ERROR ${JSON.stringify(text)}\n`, () => process.exit(1));
});
