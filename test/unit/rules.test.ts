// Project rules (issue 15): which AGENTS.md files (and the other assistants' files, by setting) are
// in effect for the files a chat touched, in order general to specific (nearest last: it wins), the
// size limits and what is said when a file is cut, the files the workspace guard refuses, two
// workspace folders, the stat cache; and, against the emulator, that unchanged rules keep the next
// request a delta while a changed rules file makes it a full one.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agentInstructions } from '../../src/agent/instructions.ts';
import { RulesLoader, rulesSection, touchedPaths, UNTRUSTED_REFUSAL } from '../../src/agent/rules.ts';
import type { RulesSettings, UserRulesFile } from '../../src/agent/rules.ts';
import { userMessage } from '../../src/session/protocol.ts';
import type { InputItem } from '../../src/session/protocol.ts';
import { MemoryHost } from '../../src/tools/memory-host.ts';
import { NodeHost } from '../../src/tools/node-host.ts';
import { withDefaults } from '../../src/tools/settings.ts';
import type { ToolSettings, WorkspaceHost } from '../../src/tools/types.ts';
import { useSessions } from './session-helpers.ts';
import { cleanupFixtures, fixture } from './tools/helpers.ts';

afterEach(() => cleanupFixtures());

const NONE: RulesSettings = { include: [] };

function loader(host: WorkspaceHost, settings: Partial<ToolSettings> = {}): RulesLoader {
  return new RulesLoader(host, () => withDefaults(settings));
}

function call(name: string, args: Record<string, unknown>, id = name): InputItem {
  return { type: 'function_call', call_id: `c-${id}`, name, arguments: JSON.stringify(args) };
}

function userFile(text: string | undefined, display = '~/.agents/AGENTS.md'): UserRulesFile & { reads: number } {
  const f = {
    display,
    location: '/home/someone/.agents/AGENTS.md',
    reads: 0,
    stat: async () => (text === undefined ? undefined : { size: Buffer.byteLength(text), mtime: 1 }),
    read: async (max: number) => {
      f.reads++;
      return Buffer.from(text ?? '').subarray(0, max);
    },
  };
  return f;
}

describe('touched paths', () => {
  it('takes the paths of the reading, listing, searching and editing calls, most recent last, bounded', () => {
    const patch = [
      '*** Begin Patch',
      '*** Update File: lib/a.ts',
      '@@',
      '-x',
      '+y',
      '*** Add File: lib/new/b.ts',
      '+b',
      '*** End Patch',
    ].join('\n');
    const transcript: InputItem[] = [
      userMessage('hi'),
      call('read_file', { path: 'src/app.ts' }),
      call('list_files', { path: 'docs', glob: null, recursive: null }),
      call('grep', { pattern: 'x', path: null }),
      call('get_diagnostics', { path: 'ignored/by/this.ts' }),
      { type: 'custom_tool_call', call_id: 'c-p', name: 'apply_patch', input: patch },
      call('apply_patch_json', { patch: '*** Begin Patch\n*** Delete File: old/c.ts\n*** End Patch' }),
      call('replace_in_file', { path: 'src/app.ts', old_text: 'a', new_text: 'b' }, 'r2'),
      { type: 'function_call', call_id: 'bad', name: 'read_file', arguments: '{not json' },
    ];
    expect(touchedPaths(transcript)).toEqual(['docs', 'lib/a.ts', 'lib/new/b.ts', 'old/c.ts', 'src/app.ts']);
    const many = Array.from({ length: 300 }, (_, i) => call('read_file', { path: `f${i}.ts` }, String(i)));
    const bounded = touchedPaths(many);
    expect(bounded).toHaveLength(200);
    expect(bounded.at(-1)).toBe('f299.ts');
  });
});

describe('rules loader', () => {
  it('orders the files general to specific: the user file, the root, then each folder down to the touched files (nearest last)', async () => {
    const ws = fixture({
      'AGENTS.md': 'root rules',
      'packages/AGENTS.md': 'packages rules',
      'packages/api/AGENTS.md': 'api rules',
      'packages/api/src/server.ts': 'x',
      'packages/web/AGENTS.md': 'web rules (not touched)',
      'packages/web/index.ts': 'x',
      'docs/AGENTS.md': 'docs rules',
      'docs/guide/intro.md': 'x',
      'node_modules/lib/AGENTS.md': 'a library of its own',
      'node_modules/lib/index.d.ts': 'x',
    });
    const rules = loader(new NodeHost({ roots: [ws.root] }));
    const user = userFile('my own rules');
    const touched = ['packages/api/src/server.ts', 'docs/guide', 'node_modules/lib/index.d.ts', 'missing/x.ts'];
    const files = await rules.load(touched, NONE, user);
    expect(files.map((f) => f.path)).toEqual([
      '~/.agents/AGENTS.md',
      'AGENTS.md',
      'docs/AGENTS.md',
      'packages/AGENTS.md',
      'packages/api/AGENTS.md',
    ]);
    expect(files.map((f) => f.text)).toEqual([
      'my own rules',
      'root rules',
      'docs rules',
      'packages rules',
      'api rules',
    ]);
    expect(files[0]!.scope).toBe('user');
    expect(files.slice(1).every((f) => f.scope === 'workspace' && !f.truncated && !f.refused)).toBe(true);

    const instructions = agentInstructions('Prefer tabs.', ['ws'], files);
    const order = [
      '## ~/.agents/AGENTS.md',
      '## AGENTS.md',
      '## docs/AGENTS.md',
      '## packages/AGENTS.md',
      '## packages/api/AGENTS.md',
    ];
    const at = order.map((heading) => instructions.indexOf(`\n${heading}`));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(instructions).toMatch(/conflict, follow the one listed later/);
    expect(instructions).toContain('Prefer tabs.');
    // The same files give the same bytes (the next request can stay a delta).
    expect(agentInstructions('Prefer tabs.', ['ws'], await rules.load(touched, NONE, user))).toBe(instructions);
    // Without a touched file, only the user's and the root's.
    expect((await rules.load([], NONE)).map((f) => f.path)).toEqual(['AGENTS.md']);
  });

  it("reads the other assistants' files only when the setting names them", async () => {
    const ws = fixture({
      'AGENTS.md': 'agents',
      'CLAUDE.md': 'claude',
      '.cursorrules': 'cursor',
      '.github/copilot-instructions.md': 'copilot',
    });
    const rules = loader(new NodeHost({ roots: [ws.root] }));
    expect((await rules.load([], NONE)).map((f) => f.path)).toEqual(['AGENTS.md']);
    const all = await rules.load([], {
      include: ['CLAUDE.md', '.cursorrules', '.github/copilot-instructions.md', 'secrets.txt'],
    });
    expect(all.map((f) => [f.path, f.text])).toEqual([
      ['.github/copilot-instructions.md', 'copilot'],
      ['CLAUDE.md', 'claude'],
      ['.cursorrules', 'cursor'],
      ['AGENTS.md', 'agents'],
    ]);
  });

  it("applies no workspace rules file in Restricted Mode (listed, not read), the user's own file still", async () => {
    const ws = fixture({ 'AGENTS.md': 'root rules', 'src/AGENTS.md': 'src rules', 'src/a.ts': 'x' });
    const host = new NodeHost({ roots: [ws.root], trusted: false });
    const user = userFile('mine');
    const files = await loader(host).load(['src/a.ts'], NONE, user);
    expect(files.map((f) => [f.path, f.text, f.refused])).toEqual([
      ['~/.agents/AGENTS.md', 'mine', undefined],
      ['AGENTS.md', undefined, UNTRUSTED_REFUSAL],
      ['src/AGENTS.md', undefined, UNTRUSTED_REFUSAL],
    ]);
    host.setTrusted(true);
    expect((await loader(host).load(['src/a.ts'], NONE, user)).map((f) => f.text)).toEqual([
      'mine',
      'root rules',
      'src rules',
    ]);
  });

  it('cuts a file at the per-file limit and the files at the total limit, and says so', async () => {
    const kb = (n: number, c: string) => `${c.repeat(1023)}\n`.repeat(n);
    const ws = fixture({
      'AGENTS.md': kb(40, 'r'),
      'a/AGENTS.md': kb(30, 'a'),
      'a/b/AGENTS.md': kb(30, 'b'),
      'a/b/c/AGENTS.md': 'never fits',
      'a/b/c/file.ts': 'x',
    });
    const files = await loader(new NodeHost({ roots: [ws.root] })).load(['a/b/c/file.ts'], NONE);
    expect(files.map((f) => f.path)).toEqual(['AGENTS.md', 'a/AGENTS.md', 'a/b/AGENTS.md', 'a/b/c/AGENTS.md']);
    const [root, a, b, c] = files;
    expect(root!.bytes).toBe(40 * 1024);
    expect(Buffer.byteLength(root!.text!)).toBe(32 * 1024);
    expect(root!.truncated).toBe(true);
    expect(a!.text).toHaveLength(30 * 1024);
    expect(a!.truncated).toBeUndefined();
    expect(Buffer.byteLength(b!.text!)).toBe(2 * 1024); // 64 KiB in all
    expect(b!.truncated).toBe(true);
    expect(c!.text).toBeUndefined();
    expect(c!.refused).toMatch(/left out: the rules files together are over 64\.0 KB/);
    const section = rulesSection(files);
    expect(section).toContain(
      '[Cut: AGENTS.md is 40.0 KB; only its beginning is included here. Read the file for the rest.]',
    );
    expect(section).toContain('[Cut: a/b/AGENTS.md is 30.0 KB;');
    expect(section).not.toContain('never fits');
    expect(section).not.toContain('## a/b/c/AGENTS.md');
  });

  it('does not read a rules file the workspace guard refuses (ignored, secret, a link out of the workspace), and says why', async () => {
    const outside = fixture({ 'elsewhere.md': 'OUTSIDE TEXT' }, 'outside');
    const ws = fixture({
      '.gitignore': 'build/\npkg/AGENTS.md\n',
      'AGENTS.md': 'root',
      'CLAUDE.md': 'CLAUDE SECRET TEXT',
      'pkg/AGENTS.md': 'IGNORED TEXT',
      'pkg/x.ts': 'x',
      'build/AGENTS.md': 'BUILD TEXT',
      'build/out.js': 'x',
      'linked/x.ts': 'x',
      '.env': 'KEY=1',
    });
    fs.symlinkSync(outside.abs('elsewhere.md'), ws.abs('linked/AGENTS.md'));
    const host = new NodeHost({ roots: [ws.root] });
    const files = await loader(host, { secretPatterns: ['CLAUDE.md'] }).load(
      ['pkg/x.ts', 'build/out.js', 'linked/x.ts', '.env', '../outside/elsewhere.md', path.join(outside.root, 'x')],
      { include: ['CLAUDE.md'] },
    );
    expect(files.map((f) => [f.path, f.refused])).toEqual([
      ['CLAUDE.md', 'refused: it matches a secret pattern'],
      ['AGENTS.md', undefined],
      ['linked/AGENTS.md', 'refused: it leads outside the workspace'],
      ['pkg/AGENTS.md', 'refused: it is ignored (.gitignore, .warmlineignore or .git)'],
    ]);
    const section = rulesSection(files);
    for (const hidden of ['CLAUDE SECRET', 'IGNORED TEXT', 'BUILD TEXT', 'OUTSIDE TEXT'])
      expect(section).not.toContain(hidden);
    expect(files.every((f) => f.refused === undefined || f.text === undefined)).toBe(true);
  });

  it('takes each workspace folder: its root file, and the folders of touched files named by folder', async () => {
    const one = fixture({ 'AGENTS.md': 'first root', 'src/AGENTS.md': 'first src', 'src/a.ts': 'x' }, 'front');
    const two = fixture({ 'AGENTS.md': 'second root', 'lib/AGENTS.md': 'second lib', 'lib/b.ts': 'x' }, 'back');
    const host = new NodeHost({ roots: [one.root, two.root] });
    const files = await loader(host).load(['back/lib/b.ts', 'front/src/a.ts'], NONE);
    // Same depth: in the order of the workspace folders (whatever their locations on disk).
    expect(files.map((f) => [f.path, f.text])).toEqual([
      ['front/AGENTS.md', 'first root'],
      ['back/AGENTS.md', 'second root'],
      ['front/src/AGENTS.md', 'first src'],
      ['back/lib/AGENTS.md', 'second lib'],
    ]);
  });

  it('reads a file again only when its stat changed: an unchanged turn costs stats, not reads', async () => {
    const host = new MemoryHost();
    host.fs.put(host.uri('AGENTS.md'), 'version one');
    host.fs.put(host.uri('src/AGENTS.md'), 'src rules');
    host.fs.put(host.uri('src/a.ts'), 'x');
    const rules = loader(host);
    const user = userFile('mine');
    const reads = () => host.fs.calls.filter((c) => c.startsWith('readFile') && c.endsWith('AGENTS.md'));
    const first = await rules.load(['src/a.ts'], NONE, user);
    expect(first.map((f) => f.text)).toEqual(['mine', 'version one', 'src rules']);
    expect(reads()).toHaveLength(2);
    expect(user.reads).toBe(1);

    host.fs.calls.length = 0;
    const again = await rules.load(['src/a.ts'], NONE, user);
    expect(again).toEqual(first);
    expect(reads()).toEqual([]);
    expect(user.reads).toBe(1);
    expect(host.fs.calls.filter((c) => c === `stat ${host.uri('AGENTS.md')}`).length).toBeGreaterThan(0);

    host.fs.put(host.uri('AGENTS.md'), 'version two, longer');
    const changed = await rules.load(['src/a.ts'], NONE, user);
    expect(changed.map((f) => f.text)).toEqual(['mine', 'version two, longer', 'src rules']);
    expect(reads()).toEqual([`readFile ${host.uri('AGENTS.md')}`]);

    // A file that is gone is gone from the list; a binary one is refused.
    await host.fs.delete(host.uri('src/AGENTS.md'));
    host.fs.put(host.uri('AGENTS.md'), new Uint8Array([0x61, 0, 0x62]));
    const later = await rules.load(['src/a.ts'], NONE, userFile(undefined));
    expect(later.map((f) => [f.path, f.refused])).toEqual([['AGENTS.md', 'it is not a text file']]);
  });
});

describe('rules loader, watched (the extension watches rules and ignore files)', () => {
  it('a request that touched no new folder looks at nothing in the workspace; a change seen, a new folder or a changed user file loads again', async () => {
    const host = new MemoryHost();
    host.fs.put(host.uri('AGENTS.md'), 'root');
    host.fs.put(host.uri('src/AGENTS.md'), 'src rules');
    host.fs.put(host.uri('src/a.ts'), 'x');
    host.fs.put(host.uri('src/b.ts'), 'y');
    host.fs.put(host.uri('lib/AGENTS.md'), 'lib rules');
    host.fs.put(host.uri('lib/c.ts'), 'z');
    const rules = new RulesLoader(host, () => withDefaults({}), { watched: () => true });
    let userText = 'mine';
    const user = { ...userFile('mine'), stat: async () => ({ size: userText.length, mtime: userText.length }) };
    user.read = async (max: number) => Buffer.from(userText).subarray(0, max);
    const texts = async (touched: string[]) => (await rules.load(touched, NONE, user)).map((f) => f.text);
    expect(await texts(['src/a.ts'])).toEqual(['mine', 'root', 'src rules']);

    // Another file of the same folder: resolved once (the guard), and no rules file looked at.
    host.fs.calls.length = 0;
    expect(await texts(['src/a.ts', 'src/b.ts'])).toEqual(['mine', 'root', 'src rules']);
    expect(host.fs.calls.filter((c) => c.includes('AGENTS.md'))).toEqual([]);
    // The same again: nothing in the workspace looked at.
    host.fs.calls.length = 0;
    await texts(['src/a.ts', 'src/b.ts']);
    expect(host.fs.calls).toEqual([]);

    // Unseen changes are not picked up until the watcher says so (that is the contract)...
    host.fs.put(host.uri('AGENTS.md'), 'root, changed');
    expect(await texts(['src/a.ts', 'src/b.ts'])).toEqual(['mine', 'root', 'src rules']);
    rules.invalidate();
    expect(await texts(['src/a.ts', 'src/b.ts'])).toEqual(['mine', 'root, changed', 'src rules']);
    // ...a new folder touched, and the user's own file (outside the workspace, not watched), always are.
    expect(await texts(['src/a.ts', 'lib/c.ts'])).toEqual(['mine', 'root, changed', 'lib rules', 'src rules']);
    userText = 'mine, edited';
    expect(await texts(['src/a.ts', 'lib/c.ts'])).toEqual(['mine, edited', 'root, changed', 'lib rules', 'src rules']);
    // Unwatched (a virtual folder, or before the watcher is on): every load looks at the stats.
    const unwatched = new RulesLoader(host, () => withDefaults({}));
    await unwatched.load(['src/a.ts'], NONE);
    host.fs.calls.length = 0;
    await unwatched.load(['src/a.ts'], NONE);
    expect(host.fs.calls.some((c) => c === `stat ${host.uri('AGENTS.md')}`)).toBe(true);
  });
});

describe('rules and the delta rule (emulator)', () => {
  const setup = useSessions();

  it('unchanged rules keep the next request a delta; a changed rules file makes it a full one carrying the new text', async () => {
    const host = new MemoryHost();
    host.fs.put(host.uri('AGENTS.md'), 'Use the metric system.');
    const rules = loader(host);
    const instructions = async () => agentInstructions('', ['workspace'], await rules.load([], NONE));
    const { emu, s } = await setup(
      { scenario: { name: 'answers', turns: (i) => ({ text: `answer ${i + 1}` }) } },
      { instructions: await instructions() },
    );
    await s.start();
    const transcript: InputItem[] = [];
    const ask = async (text: string) => {
      // What the chat does before each request: the rules reloaded into the instructions.
      s.updateConfig({ instructions: await instructions() });
      transcript.push(userMessage(text));
      transcript.push(...(await s.respond(transcript)).output);
      return emu.requests.at(-1)!;
    };
    const first = await ask('one');
    expect(first.body.instructions).toContain('## AGENTS.md\nUse the metric system.');
    const second = await ask('two');
    expect(second.previousResponseId).toBeTruthy();
    expect(second.inputItems).toBe(1);

    host.fs.put(host.uri('AGENTS.md'), 'Use imperial units from now on.');
    const third = await ask('three');
    expect(third.previousResponseId).toBeUndefined();
    expect(third.inputItems).toBe(5);
    expect(third.body.instructions).toContain('## AGENTS.md\nUse imperial units from now on.');
    expect(third.body.instructions).not.toContain('metric');

    const fourth = await ask('four');
    expect(fourth.previousResponseId).toBeTruthy();
    expect(emu.violations).toEqual([]);
  });
});
