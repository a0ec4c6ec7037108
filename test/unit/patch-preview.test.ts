// The live patch preview (issue 14's dead-code item, wired): while apply_patch's input streams
// (the emulator streams it in 3-12 character deltas), the agent loop emits `tool.preview` events
// from the streaming patch parser; the call's normal card (`tool.start`) follows.
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../emulator/types.ts';
import type { AgentEvent, ToolDispatcher } from '../../src/agent/loop.ts';
import { JsonPatchField, PREVIEW_LIMITS, PatchPreviewStream } from '../../src/agent/patch-preview.ts';
import type { SessionManager } from '../../src/session/manager.ts';
import { userMessage } from '../../src/session/protocol.ts';
import type { ToolDefinition } from '../../src/session/protocol.ts';
import type { PatchPreview } from '../../src/shared/messages.ts';
import { emulator, session, testLoop } from './session-helpers.ts';

const PATCH = [
  '*** Begin Patch',
  '*** Update File: src/greet.ts',
  '@@ export function greet',
  ' export function greet(name: string) {',
  "-  return 'Hello ' + name;",
  '+  return `Hello, ${name}`;',
  ' }',
  '*** Add File: src/<img src=x onerror=alert(1)>.ts',
  '+<script>alert(1)</script>',
  "+export const b = '</div>';",
  '*** Delete File: src/old.ts',
  '*** End Patch',
].join('\n');

const FINAL: PatchPreview = {
  files: [
    {
      path: 'src/greet.ts',
      kind: 'update',
      added: 1,
      removed: 1,
      omitted: 0,
      lines: [
        '@export function greet',
        ' export function greet(name: string) {',
        "-  return 'Hello ' + name;",
        '+  return `Hello, ${name}`;',
        ' }',
      ],
    },
    {
      path: 'src/<img src=x onerror=alert(1)>.ts',
      kind: 'add',
      added: 2,
      removed: 0,
      omitted: 0,
      lines: ['+<script>alert(1)</script>', "+export const b = '</div>';"],
    },
    { path: 'src/old.ts', kind: 'delete', added: 0, removed: 0, omitted: 0, lines: [] },
  ],
  filesOmitted: 0,
};

const TOOLS: ToolDefinition[] = [
  { type: 'custom', name: 'apply_patch', description: 'patch' },
  {
    type: 'function',
    name: 'apply_patch_json',
    description: 'patch',
    parameters: {
      type: 'object',
      properties: { patch: { type: 'string' } },
      required: ['patch'],
      additionalProperties: false,
    },
    strict: true,
  },
];

let emu: Emulator | undefined;
let s: SessionManager | undefined;
afterEach(async () => {
  s?.dispose();
  await emu?.close();
  emu = undefined;
  s = undefined;
});

const tools: ToolDispatcher = {
  isReadOnly: () => false,
  describe: (name) => name,
  dispatch: async () => ({ output: 'applied', summary: 'ok' }),
};

async function run(
  call: { name: string; type?: 'custom' | 'function'; input?: string; arguments?: Record<string, unknown> },
  previewIntervalMs: number,
): Promise<AgentEvent[]> {
  emu = await emulator({
    scenario: { name: 'patch', turns: [{ text: 'Patching.', calls: [call] }, { text: 'Done.' }] },
  });
  s = session(emu, { tools: TOOLS });
  await s.start();
  const { loop } = testLoop(s, tools, true);
  const events: AgentEvent[] = [];
  await loop.run([userMessage('patch it')], (e) => events.push(e), { previewIntervalMs });
  return events;
}

function previewsOf(events: AgentEvent[]) {
  return events.flatMap((e) => (e.type === 'tool.preview' ? [e] : []));
}

describe('the live patch preview', () => {
  it("fills in as apply_patch's input streams, before the call starts, and ends as the whole patch", async () => {
    const events = await run({ name: 'apply_patch', type: 'custom', input: PATCH }, 0);
    const previews = previewsOf(events);
    const start = events.findIndex((e) => e.type === 'tool.start');
    const started = events[start];
    if (started?.type !== 'tool.start') throw new Error('no tool.start');
    // One per completed line that changes what is known, at least.
    expect(previews.length).toBeGreaterThanOrEqual(8);
    expect(events.findLastIndex((e) => e.type === 'tool.preview')).toBeLessThan(start);
    expect(new Set(previews.map((p) => `${p.callId} ${p.name}`))).toEqual(
      new Set([`${started.call.callId} apply_patch`]),
    );
    // It only grows: files are added, counts never go down.
    for (let i = 1; i < previews.length; i++) {
      const [a, b] = [previews[i - 1]!.preview, previews[i]!.preview];
      expect(b.files.length).toBeGreaterThanOrEqual(a.files.length);
      a.files.forEach((f, j) => {
        expect(b.files[j]!.path).toBe(f.path);
        expect(b.files[j]!.added + b.files[j]!.removed).toBeGreaterThanOrEqual(f.added + f.removed);
      });
    }
    expect(previews[0]!.preview.files.map((f) => f.path)).toEqual(['src/greet.ts']);
    expect(previews.at(-1)!.preview).toEqual(FINAL);
    expect(emu!.violations).toEqual([]);
  });

  it("reads apply_patch_json's patch out of its streaming JSON arguments the same way", async () => {
    const events = await run({ name: 'apply_patch_json', arguments: { patch: PATCH } }, 0);
    const previews = previewsOf(events);
    expect(previews.length).toBeGreaterThanOrEqual(8);
    expect(previews.at(-1)!.preview).toEqual(FINAL);
    expect(previews.every((p) => p.name === 'apply_patch_json')).toBe(true);
  });

  it('is throttled: within the interval deltas wait, and what is left comes when the input is complete', async () => {
    const events = await run({ name: 'apply_patch', type: 'custom', input: PATCH }, 60_000);
    const previews = previewsOf(events);
    expect(previews).toHaveLength(2);
    expect(previews.at(-1)!.preview).toEqual(FINAL);
  });

  it('is bounded: the latest lines of a huge patch, with how many are left out, and the counts of all', () => {
    const stream = new PatchPreviewStream('raw', { intervalMs: 0 });
    const lines = Array.from({ length: 1000 }, (_, i) => `+line ${i}`);
    const preview = stream.push(`*** Begin Patch\n*** Add File: big.txt\n${lines.join('\n')}\n`);
    const file = preview!.files[0]!;
    expect(file).toMatchObject({ path: 'big.txt', added: 1000, omitted: 1000 - PREVIEW_LIMITS.lines });
    expect(file.lines).toEqual(lines.slice(-PREVIEW_LIMITS.lines));
    // Many files: the latest ones.
    const many = new PatchPreviewStream('raw', { intervalMs: 0 }).push(
      `*** Begin Patch\n${Array.from({ length: 100 }, (_, i) => `*** Delete File: f${i}\n`).join('')}`,
    );
    expect(many!.files).toHaveLength(PREVIEW_LIMITS.files);
    expect(many!.filesOmitted).toBe(100 - PREVIEW_LIMITS.files);
    expect(many!.files.at(-1)!.path).toBe('f99');
  });

  it('decodes the JSON string across deltas that cut its escapes', () => {
    const json = JSON.stringify({ patch: '*** Begin Patch\n*** Add File: a "q" é\\b.txt\n+\t😀\n*** End Patch' });
    for (const size of [1, 2, 3, 7]) {
      const field = new JsonPatchField();
      let text = '';
      for (let i = 0; i < json.length; i += size) text += field.push(json.slice(i, i + size));
      expect(text).toBe('*** Begin Patch\n*** Add File: a "q" é\\b.txt\n+\t😀\n*** End Patch');
    }
    // Arguments of another shape: no preview, no error.
    expect(new JsonPatchField().push(`{"other": 1, "patch": "*** Begin Patch\\n"}${' '.repeat(80)}`)).toBe('');
  });
});
