// Host messages for the webview tests, typed against the protocol (a wrong name or payload does
// not compile). `recordedTurn` is a turn as the host streams it: deltas of a few characters,
// a code fence split across deltas, a tool reading a file, an edit waiting for approval.
import type { ChatEntryView, FileDiffView, HostMessage, HostMessages, TurnFigures } from '../../src/shared/messages.ts';

export function msg<K extends keyof HostMessages>(type: K, payload: HostMessages[K]): HostMessage {
  return { type, payload } as HostMessage;
}

export function deltas(id: string, text: string, size = 6): HostMessage[] {
  const out: HostMessage[] = [];
  for (let i = 0; i < text.length; i += size) out.push(msg('text.delta', { id, delta: text.slice(i, i + size) }));
  return out;
}

export const CODE = `export function add(a: number, b: number): number {
  // keep it simple
  return a + b;
}`;

export const FIRST_TEXT = `I'll look at **src/math.ts** first.

Here is the helper you asked for:

\`\`\`ts
${CODE}
\`\`\`

`;

export const SECOND_TEXT = `Now the edit:

- one change in \`src/math.ts\`
- see [the docs](https://example.com/docs) for more
`;

export const FIGURES: TurnFigures = {
  ttftMs: 320,
  totalMs: 2412,
  inputTokens: 1000,
  outputTokens: 234,
  savedBytes: 12_595,
  transport: 'websocket',
};

export const DIFF: FileDiffView[] = [
  {
    path: 'src/math.ts',
    kind: 'update',
    added: 2,
    removed: 1,
    hunks: [
      {
        oldStart: 1,
        newStart: 1,
        lines: [
          ' export function add(a: number, b: number): number {',
          '-  return a+b;',
          '+  // keep it simple',
          '+  return a + b;',
          ' }',
        ],
      },
    ],
  },
];

export const STATE_WARM = msg('state', { state: 'warm', model: 'gpt-5.1-codex', transport: 'websocket' });

export function emptyChat(chatId = 'c1', title = 'Math helpers'): HostMessage {
  return msg('chat.load', { chatId, title, entries: [], busy: false });
}

export function userMessage(id: string, text: string): HostMessage {
  return msg('user.message', { entry: { kind: 'user', id, text, context: [] } });
}

/** The turn before the assistant ends, split into deltas; the fence opener is cut in half. */
export function recordedTurn(id = 'a1'): HostMessage[] {
  const first = deltas(id, FIRST_TEXT, 7);
  return [
    msg('state', { state: 'warming', model: 'gpt-5.1-codex', transport: 'websocket' }),
    STATE_WARM,
    emptyChat(),
    userMessage('u1', 'Write an add function'),
    msg('state', { state: 'busy', model: 'gpt-5.1-codex', transport: 'websocket' }),
    msg('assistant.start', { id }),
    ...first,
    msg('tool.start', {
      messageId: id,
      tool: { id: 't1', name: 'read_file', summary: 'src/math.ts:1-40', status: 'running', output: '' },
    }),
    msg('tool.progress', { id: 't1', chunk: '1 export function add(a, b) {\n' }),
    msg('tool.progress', { id: 't1', chunk: '2   return a+b;\n3 }\n' }),
    msg('tool.update', { id: 't1', status: 'done', result: '3 lines' }),
    ...deltas(id, SECOND_TEXT, 5),
    msg('tool.start', {
      messageId: id,
      tool: { id: 't2', name: 'apply_patch', summary: 'src/math.ts', status: 'running', output: '' },
    }),
    msg('tool.update', {
      id: 't2',
      status: 'awaiting_approval',
      diff: DIFF,
      approval: { kind: 'edit', title: 'Apply 1 edit to src/math.ts?' },
    }),
  ];
}

export function assistantEntry(
  id: string,
  text: string,
  extra: Partial<Extract<ChatEntryView, { kind: 'assistant' }>> = {},
): ChatEntryView {
  return { kind: 'assistant', id, text, tools: [], done: true, ...extra };
}

/** A long chat: `n` entries alternating user and assistant, with markdown, code and a tool. */
export function longChat(n: number): ChatEntryView[] {
  const entries: ChatEntryView[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) {
      entries.push({ kind: 'user', id: `u${i}`, text: `Question ${i}: how does module ${i} work?`, context: [] });
      continue;
    }
    const text = `Answer ${i}. Module **${i}** does a few things:\n\n1. reads \`config.json\`\n2. starts the server\n3. logs to [the console](https://example.com/${i})\n\n\`\`\`ts\nexport const m${i} = (x: number) => x * ${i};\nconsole.log(m${i}(2));\n\`\`\`\n\nThat's all for part ${i}.`;
    const tools =
      i % 10 === 1
        ? [
            {
              id: `t${i}`,
              name: 'grep',
              summary: `/module ${i}/ in *.ts`,
              status: 'done' as const,
              output: `src/m${i}.ts:1: module ${i}\n`,
              result: '1 match',
            },
          ]
        : [];
    entries.push({
      kind: 'assistant',
      id: `a${i}`,
      text,
      tools,
      done: true,
      figures: { totalMs: 1000 + i, savedBytes: 1024 * i, transport: 'websocket' },
    });
  }
  return entries;
}

/** A longer answer for streaming: paragraphs, a list, a heading, code blocks with multi-line comments and strings. */
export const LONG_ANSWER = `The session keeps **one socket** open and sends only what is new each turn. See [the docs](https://example.com/docs) and \`previousResponseId\`.

### Step 1

- the request stays small
- the model streams its answer
- the view renders as it arrives

\`\`\`ts
/**
 * Sends one turn.
 */
export async function step(session: Session, items: Item[]): Promise<number> {
  let total = 0; // tokens
  const label = \`turn \${items.length}
of many\`;
  for (const item of items) {
    const value = await session.send({ input: item, store: false });
    if (!value.ok) throw new Error('turn failed');
    total += value.usage?.outputTokens ?? 0;
  }
  return total;
}
class
  Named extends Base {}
\`\`\`

A paragraph between the blocks, with *emphasis* and a second sentence that runs on for a while so that it spans more than one delta.

\`\`\`python
def handler(event):
    """Docstring
    over lines."""
    return [x ** 2 for x in range(10)]
\`\`\`

1. first
2. second

Done.`;
