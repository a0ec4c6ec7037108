// Responses emulator scenarios: scripts for a test double of the API, not AI.
// A scenario lists what the "model" says on each turn; which turn plays is derived from the
// conversation (see context.ts `turnIndex`), never from a request counter.

export interface ToolCallScript {
  name: string;
  arguments?: Record<string, unknown> | string;
  type?: 'function' | 'custom';
  /** For custom (freeform) tools: the raw input text. */
  input?: string;
  /**
   * The model calls this tool although the request does not offer it (a model that saw it earlier
   * in the chat, before a switch to a read-only mode): played, not a violation. The client must refuse it.
   */
  unoffered?: boolean;
}

export interface TurnScript {
  text?: string;
  calls?: ToolCallScript[];
  reasoning?: boolean;
}

export interface Scenario {
  name: string;
  model?: string;
  turns: TurnScript[] | ((index: number, context: unknown[]) => TurnScript);
}

export const DEFAULT_MODEL = 'emulator-scripted';

const HELLO_TEXT =
  'Hello! This answer comes from the Responses emulator, a scripted test double of the ' +
  'OpenAI Responses API, not an AI model. It streams this fixed text in small deltas so a ' +
  'client can exercise its event parser, its rendering of partial output and its handling ' +
  'of the terminal response.completed event. Nothing here was generated; ask again for the same words.';

// Paths and patterns shaped like a real agent's exploration of a TypeScript repository, so
// that argument sizes (and hence frame sizes) resemble real tool calls.
const PATTERNS = [
  'export (async )?function handle[A-Z]\\w+',
  'previous_response_id',
  'class \\w+Transport implements',
  'websocket_connection_limit_reached',
  'TODO|FIXME|XXX',
  'sequence_number',
  'import type \\{[^}]+\\} from',
  'new WebSocket\\(',
];
const PATHS = [
  'src/session/transport.ts',
  'src/session/protocol.ts',
  'src/session/errors.ts',
  'src/extension.ts',
  'src/session/cache/deltaTracker.ts',
  'src/tools/workspaceSearch.ts',
  'test/unit/session.test.ts',
  'package.json',
];

export interface ChainOptions {
  /** Tool names used alternately; default ['grep', 'read_file']. */
  tools?: [string, string];
  finalText?: string;
  reasoning?: boolean;
  model?: string;
  name?: string;
}

/** n function calls in n turns (alternating grep {pattern} / read_file {path}), then a text answer. */
export function chainScenario(n: number, opts: ChainOptions = {}): Scenario {
  const [grep, read] = opts.tools ?? ['grep', 'read_file'];
  const turns: TurnScript[] = [];
  for (let i = 0; i < n; i++) {
    const call: ToolCallScript =
      i % 2 === 0
        ? { name: grep, arguments: { pattern: PATTERNS[(i / 2) % PATTERNS.length] } }
        : { name: read, arguments: { path: PATHS[((i - 1) / 2) % PATHS.length] } };
    turns.push({ calls: [call], ...(opts.reasoning ? { reasoning: true } : {}) });
  }
  turns.push({
    text:
      opts.finalText ??
      `Done after ${n} tool calls. The transport keeps one warm socket and sends only new ` +
        'items with previous_response_id; a failed turn falls back to a full-context request.',
  });
  return { name: opts.name ?? `chain-${n}`, model: opts.model ?? DEFAULT_MODEL, turns };
}

const PATCH_TEXT = [
  '*** Begin Patch',
  '*** Update File: src/greeting.ts',
  '@@',
  '-export const greeting = "Hello";',
  '+export const greeting = "Hello, world";',
  '*** End Patch',
].join('\n');

const hello: Scenario = { name: 'hello', model: DEFAULT_MODEL, turns: [{ text: HELLO_TEXT }] };

const parallel: Scenario = {
  name: 'parallel',
  model: DEFAULT_MODEL,
  turns: [
    {
      calls: [
        { name: 'grep', arguments: { pattern: 'previous_response_id' } },
        { name: 'grep', arguments: { pattern: 'sequence_number' } },
        { name: 'read_file', arguments: { path: 'src/session/protocol.ts' } },
      ],
    },
    { text: 'All three results arrived; the protocol module is the one to change.' },
  ],
};

const patch: Scenario = {
  name: 'patch',
  model: DEFAULT_MODEL,
  turns: [
    { calls: [{ name: 'apply_patch', type: 'custom', input: PATCH_TEXT }] },
    { text: 'The patch is applied: the greeting now says "Hello, world".' },
  ],
};

const demo: Scenario = {
  name: 'demo',
  model: 'warmline-demo (scripted, not AI)',
  turns: [
    {
      text: 'This is a scripted demo (a test double, not AI). Let me look for the greeting first.',
      calls: [{ name: 'grep', arguments: { pattern: 'greeting' } }],
    },
    { calls: [{ name: 'read_file', arguments: { path: 'src/greeting.ts' } }] },
    { calls: [{ name: 'apply_patch', type: 'custom', input: PATCH_TEXT }] },
    {
      text: [
        '## Done (scripted demo)',
        '',
        'I changed the greeting in `src/greeting.ts`:',
        '',
        '```ts',
        'export const greeting = "Hello, world";',
        '```',
        '',
        '- searched with **grep**',
        '- read the file',
        '- applied a patch you approved',
      ].join('\n'),
    },
  ],
};

const BUILT_IN: Record<string, Scenario> = {
  hello,
  'chain-25': chainScenario(25),
  parallel,
  patch,
  demo,
};

export function builtInScenarioNames(): string[] {
  return [...Object.keys(BUILT_IN), 'chain-N'];
}

export function resolveScenario(s: Scenario | string): Scenario {
  if (typeof s !== 'string') return s;
  const known = BUILT_IN[s];
  if (known) return known;
  const m = /^chain-(\d+)$/.exec(s);
  if (m) return chainScenario(Number(m[1]));
  throw new Error(`Responses emulator: unknown scenario '${s}' (known: ${builtInScenarioNames().join(', ')})`);
}

/** The script for turn `index`, or undefined when a static list has no such turn. */
export function scriptFor(s: Scenario, index: number, context: unknown[]): TurnScript | undefined {
  return typeof s.turns === 'function' ? s.turns(index, context) : s.turns[index];
}
