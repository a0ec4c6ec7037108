// Shapes shared by the chain orchestrator (run.ts) and the client processes (client.ts).

export const CLIENTS = [
  'warmline-ws',
  'warmline-ws-nowarm',
  'warmline-ws-nodeflate',
  'warmline-http',
  'warmline-http-store',
  'openai-ws',
  'openai-http',
] as const;
export type ClientName = (typeof CLIENTS)[number];

export const CLIENT_LABEL: Record<ClientName, string> = {
  'warmline-ws': 'Warmline WS (warmed)',
  'warmline-ws-nowarm': 'Warmline WS, warmup: false',
  'warmline-ws-nodeflate': 'Warmline WS, compression: false',
  'warmline-http': 'Warmline HTTP, store: false (full history)',
  'warmline-http-store': 'Warmline HTTP, store: true (previous_response_id)',
  'openai-ws': 'openai ResponsesWS (peer)',
  'openai-http': 'openai responses.create stream (peer)',
};

export interface ClientConfig {
  client: ClientName;
  /** https://127.0.0.1:<proxy port>/v1 */
  baseUrl: string;
  /** Tool calls in the chain. */
  n: number;
  /** Simulated tool execution time per call, ms. */
  toolMs: number;
}

export interface TurnRecord {
  /** Request sent -> terminal event received, ms. */
  ms: number;
  firstEventMs?: number;
  firstTextMs?: number;
  /** Tool time after this turn (measured sleep), ms. */
  toolMs: number;
  /** JSON bytes of the items new in this turn (the user message, then the tool outputs). */
  newBytes: number;
  /** `*.delta` events received. */
  deltas: number;
  /** Warmline only: what its planner sent (delta or full). */
  mode?: string;
}

export interface ClientResult {
  client: ClientName;
  n: number;
  /** Workspace open -> ready for the first request: Warmline `new SessionManager` + `start()`; the peer WS until 'open'; 0 for HTTP. */
  setupMs: number;
  /** First request sent -> final answer complete, tool time included, ms. */
  e2eMs: number;
  cpuUserUs: number;
  cpuSystemUs: number;
  turns: TurnRecord[];
  finalText: string;
}
