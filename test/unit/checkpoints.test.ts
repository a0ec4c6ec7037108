// Checkpoints (issue 16) on temp folders: the store takes the files' state before each turn's
// first edit (only the touched files), restores updates, adds, deletes and moves across turns,
// undoes a restore, names files changed by hand before anything is written, keeps BOMs, works
// over two roots and over a virtual (in-memory) workspace, and never half-restores when its
// storage fails. The edits go through the real tools (apply_patch), as in a chat.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CheckpointError,
  CheckpointStore,
  NodeCheckpointStorage,
  type CheckpointRecord,
  type CheckpointStorage,
} from '../../src/agent/checkpoints.ts';
import { applyPatchTool } from '../../src/tools/apply-patch.ts';
import { MemoryHost } from '../../src/tools/memory-host.ts';
import { NodeHost } from '../../src/tools/node-host.ts';
import { withDefaults } from '../../src/tools/settings.ts';
import type { ToolContext, WorkspaceHost } from '../../src/tools/types.ts';
import { cleanupFixtures, expectToolError, fixture, run } from './tools/helpers.ts';

const CHAT = 'chat-1';
const temps: string[] = [];

afterEach(() => {
  cleanupFixtures();
  while (temps.length) fs.rmSync(temps.pop()!, { recursive: true, force: true });
});

function storageDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warmline-ckpt-'));
  temps.push(dir);
  return dir;
}

/** A storage that can be made to fail like a full disk. */
class FlakyStorage implements CheckpointStorage {
  full = false;
  readonly inner: CheckpointStorage;
  constructor(inner: CheckpointStorage) {
    this.inner = inner;
  }
  private check(): void {
    if (this.full) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  }
  async putBlob(chatId: string, sha: string, data: Uint8Array): Promise<void> {
    this.check();
    await this.inner.putBlob(chatId, sha, data);
  }
  getBlob(chatId: string, sha: string): Promise<Uint8Array> {
    return this.inner.getBlob(chatId, sha);
  }
  async append(chatId: string, records: CheckpointRecord[]): Promise<void> {
    this.check();
    await this.inner.append(chatId, records);
  }
  load(chatId: string): Promise<CheckpointRecord[]> {
    return this.inner.load(chatId);
  }
}

/** A chat's edits: the tools' context with `checkpoint` wired to the store, turn by turn. */
function chat(host: WorkspaceHost, storage: CheckpointStorage) {
  const store = new CheckpointStore(storage);
  let turn = 0;
  const ctx: ToolContext = {
    host,
    settings: withDefaults({ edits: 'auto' }),
    signal: new AbortController().signal,
    progress: () => {},
    approve: async () => true,
    checkpoint: (changes) => store.snapshot(CHAT, turn, changes),
  };
  return {
    store,
    turn(n: number) {
      turn = n;
    },
    patch: (body: string) => run(applyPatchTool, `*** Begin Patch\n${body}\n*** End Patch`, ctx),
    restore: async (to: number) => store.apply(await store.planRestore(CHAT, to, host), host),
    undo: async (id: string) => store.apply(await store.planUndo(CHAT, id, host), host),
  };
}

function blobs(dir: string): string[] {
  const b = path.join(dir, CHAT, 'blobs');
  return fs.existsSync(b) ? fs.readdirSync(b) : [];
}

describe('checkpoints: snapshots', () => {
  it('stores only the files a turn touches, each state once', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 200; i++) files[`src/f${i}.txt`] = `file ${i}\n`;
    const f = fixture(files);
    const dir = storageDir();
    const c = chat(new NodeHost({ roots: [f.root] }), new NodeCheckpointStorage(dir));
    await c.patch('*** Update File: src/f1.txt\n-file 1\n+one');
    await c.patch('*** Update File: src/f2.txt\n-file 2\n+two\n*** Add File: src/new.txt\n+new');
    // Second edit of f1 in the same turn: its state before the turn is already kept.
    await c.patch('*** Update File: src/f1.txt\n-one\n+uno');
    expect(blobs(dir).sort()).toEqual(
      ['file 1\n', 'file 2\n'].map((t) => crypto.createHash('sha256').update(t).digest('hex')).sort(),
    );
    expect(await c.store.changedTurns(CHAT)).toEqual([0]);
  });

  it('never stores a secret or an ignored file: the tools refuse them before any snapshot', async () => {
    const f = fixture({ '.gitignore': 'build/\n', '.env': 'KEY=1\n', 'build/out.txt': 'x\n', 'a.txt': 'a\n' });
    const dir = storageDir();
    const c = chat(new NodeHost({ roots: [f.root] }), new NodeCheckpointStorage(dir));
    await expect(c.patch('*** Update File: .env\n-KEY=1\n+KEY=2')).rejects.toThrow();
    await expect(c.patch('*** Update File: build/out.txt\n-x\n+y')).rejects.toThrow();
    expect(blobs(dir)).toEqual([]);
    expect(fs.existsSync(path.join(dir, CHAT, 'manifest.jsonl'))).toBe(false);
  });
});

describe('checkpoints: restore', () => {
  it('restores updates, adds, deletes and moves across turns, and undoes a restore', async () => {
    const f = fixture({ 'a.txt': 'a0\n', 'b.txt': 'b0\n', 'c.txt': 'c0\n' });
    const host = new NodeHost({ roots: [f.root] });
    const c = chat(host, new NodeCheckpointStorage(storageDir()));
    c.turn(0);
    await c.patch('*** Update File: a.txt\n-a0\n+a1\n*** Add File: new.txt\n+n1');
    c.turn(1);
    await c.patch(
      '*** Delete File: b.txt\n*** Update File: c.txt\n*** Move to: d.txt\n-c0\n+c1\n*** Update File: a.txt\n-a1\n+a2',
    );
    c.turn(2);
    await c.patch('*** Update File: new.txt\n-n1\n+n2');
    expect(await c.store.changedTurns(CHAT)).toEqual([0, 1, 2]);

    // To message 1: what turn 0 left.
    const plan = await c.store.planRestore(CHAT, 1, host);
    expect(plan.handChanged).toEqual([]);
    expect(plan.changes.map((ch) => `${ch.kind} ${path.basename(ch.uri)}`).sort()).toEqual([
      'add b.txt',
      'add c.txt',
      'delete d.txt',
      'update a.txt',
      'update new.txt',
    ]);
    const first = await c.store.apply(plan, host);
    expect([f.read('a.txt'), f.read('b.txt'), f.read('c.txt'), f.read('new.txt')]).toEqual([
      'a1\n',
      'b0\n',
      'c0\n',
      'n1\n',
    ]);
    expect(f.exists('d.txt')).toBe(false);

    // To message 0: as before the chat.
    const second = await c.restore(0);
    expect([f.read('a.txt'), f.read('b.txt'), f.read('c.txt')]).toEqual(['a0\n', 'b0\n', 'c0\n']);
    expect(f.exists('new.txt')).toBe(false);
    expect(await c.store.undoable(CHAT)).toBe(second);

    // Undo restore: back to what the first restore left; then the first can be undone too.
    await c.undo(second);
    expect([f.read('a.txt'), f.read('new.txt')]).toEqual(['a1\n', 'n1\n']);
    expect(await c.store.undoable(CHAT)).toBe(first);
    await expect(c.store.planUndo(CHAT, second, host)).rejects.toThrow(/cannot be undone/);
    await c.undo(first);
    expect([f.read('a.txt'), f.read('new.txt'), f.read('d.txt')]).toEqual(['a2\n', 'n2\n', 'c1\n']);
    expect(f.exists('b.txt') || f.exists('c.txt')).toBe(false);
  });

  it('names files changed by hand before anything is written, and writes only what was previewed', async () => {
    const f = fixture({ 'a.txt': 'a0\n', 'b.txt': 'b0\n' });
    const host = new NodeHost({ roots: [f.root] });
    const c = chat(host, new NodeCheckpointStorage(storageDir()));
    await c.patch('*** Update File: a.txt\n-a0\n+a1\n*** Update File: b.txt\n-b0\n+b1');
    f.write('a.txt', 'a1 and my own line\n');
    const plan = await c.store.planRestore(CHAT, 0, host);
    expect(plan.handChanged).toEqual([f.uri('a.txt')]);
    // Planning wrote nothing.
    expect(f.read('a.txt')).toBe('a1 and my own line\n');
    expect(f.read('b.txt')).toBe('b1\n');
    // Changed again after the preview: the editor refuses the whole plan, nothing is written.
    f.write('a.txt', 'typed after the preview\n');
    const err = await c.store.apply(plan, host).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as CheckpointError).message).toMatch(/no file was changed/);
    expect([f.read('a.txt'), f.read('b.txt')]).toEqual(['typed after the preview\n', 'b1\n']);
    expect(await c.store.undoable(CHAT)).toBeUndefined();
    // Confirmed with the names shown: restored, and the hand edit is what Undo restore gives back.
    const id = await c.restore(0);
    expect([f.read('a.txt'), f.read('b.txt')]).toEqual(['a0\n', 'b0\n']);
    await c.undo(id);
    expect(f.read('a.txt')).toBe('typed after the preview\n');
  });

  it('keeps a byte order mark, for an updated and for a deleted file', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const f = fixture({
      'u.txt': Buffer.concat([bom, Buffer.from('u0\n')]),
      'd.txt': Buffer.concat([bom, Buffer.from('d0\n')]),
    });
    const host = new NodeHost({ roots: [f.root] });
    const c = chat(host, new NodeCheckpointStorage(storageDir()));
    await c.patch('*** Update File: u.txt\n-u0\n+u1\n*** Delete File: d.txt');
    expect(fs.readFileSync(f.abs('u.txt')).subarray(0, 3)).toEqual(bom);
    const id = await c.restore(0);
    expect(fs.readFileSync(f.abs('u.txt'))).toEqual(Buffer.concat([bom, Buffer.from('u0\n')]));
    expect(fs.readFileSync(f.abs('d.txt'))).toEqual(Buffer.concat([bom, Buffer.from('d0\n')]));
    await c.undo(id);
    expect(fs.readFileSync(f.abs('u.txt'))).toEqual(Buffer.concat([bom, Buffer.from('u1\n')]));
    expect(f.exists('d.txt')).toBe(false);
  });

  it('works across two workspace folders', async () => {
    const one = fixture({ 'x.txt': 'one\n' }, 'one');
    const two = fixture({ 'x.txt': 'two\n' }, 'two');
    const host = new NodeHost({ roots: [one.root, two.root] });
    const c = chat(host, new NodeCheckpointStorage(storageDir()));
    await c.patch(
      '*** Update File: one/x.txt\n-one\n+ONE\n*** Update File: two/x.txt\n-two\n+TWO\n*** Add File: two/y.txt\n+y',
    );
    const plan = await c.store.planRestore(CHAT, 0, host);
    expect(plan.changes.map((ch) => ch.uri).sort()).toEqual(
      [one.uri('x.txt'), two.uri('x.txt'), two.uri('y.txt')].sort(),
    );
    await c.store.apply(plan, host);
    expect([one.read('x.txt'), two.read('x.txt'), two.exists('y.txt')]).toEqual(['one\n', 'two\n', false]);
  });

  it('works in a virtual workspace (files only through the port)', async () => {
    const host = new MemoryHost();
    host.fs.put(host.uri('a.txt'), 'a0\n');
    const c = chat(host, new NodeCheckpointStorage(storageDir()));
    await c.patch('*** Update File: a.txt\n-a0\n+a1\n*** Add File: b.txt\n+b');
    const id = await c.restore(0);
    expect(host.fs.text(host.uri('a.txt'))).toBe('a0\n');
    expect(host.fs.text(host.uri('b.txt'))).toBeUndefined();
    await c.undo(id);
    expect(host.fs.text(host.uri('a.txt'))).toBe('a1\n');
    expect(host.fs.text(host.uri('b.txt'))).toBe('b\n');
  });

  it('after the conversation is cut at a message, its turns and later ones are no longer restorable', async () => {
    const f = fixture({ 'a.txt': 'a0\n' });
    const host = new NodeHost({ roots: [f.root] });
    const dir = storageDir();
    const c = chat(host, new NodeCheckpointStorage(dir));
    c.turn(0);
    await c.patch('*** Update File: a.txt\n-a0\n+a1');
    c.turn(1);
    await c.patch('*** Update File: a.txt\n-a1\n+a2');
    await c.restore(1);
    await c.store.truncate(CHAT, 1);
    expect(await c.store.changedTurns(CHAT)).toEqual([0]);
    // From disk, the same.
    expect(await new CheckpointStore(new NodeCheckpointStorage(dir)).changedTurns(CHAT)).toEqual([0]);
    c.turn(1);
    await c.patch('*** Update File: a.txt\n-a1\n+a3');
    await c.restore(1);
    expect(f.read('a.txt')).toBe('a1\n');
  });
});

describe('checkpoints: storage errors', () => {
  it('a full disk stops the edit with a clear error, and nothing is written', async () => {
    const f = fixture({ 'a.txt': 'a0\n' });
    const storage = new FlakyStorage(new NodeCheckpointStorage(storageDir()));
    const c = chat(new NodeHost({ roots: [f.root] }), storage);
    storage.full = true;
    await expectToolError(
      c.patch('*** Update File: a.txt\n-a0\n+a1'),
      'failed',
      /could not keep a checkpoint.*no space left.*nothing was written/,
    );
    expect(f.read('a.txt')).toBe('a0\n');
  });

  it('a full disk before a restore: a clear error, and no file is restored halfway', async () => {
    const f = fixture({ 'a.txt': 'a0\n', 'b.txt': 'b0\n' });
    const host = new NodeHost({ roots: [f.root] });
    const storage = new FlakyStorage(new NodeCheckpointStorage(storageDir()));
    const c = chat(host, storage);
    await c.patch('*** Update File: a.txt\n-a0\n+a1\n*** Update File: b.txt\n-b0\n+b1');
    const plan = await c.store.planRestore(CHAT, 0, host);
    storage.full = true;
    const err = await c.store.apply(plan, host).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as Error).message).toMatch(/could not save a checkpoint.*no space left/);
    expect([f.read('a.txt'), f.read('b.txt')]).toEqual(['a1\n', 'b1\n']);
  });

  it('a missing or damaged blob: a clear error before anything is written', async () => {
    const f = fixture({ 'a.txt': 'a0\n', 'b.txt': 'b0\n' });
    const host = new NodeHost({ roots: [f.root] });
    const dir = storageDir();
    const c = chat(host, new NodeCheckpointStorage(dir));
    await c.patch('*** Update File: a.txt\n-a0\n+a1\n*** Update File: b.txt\n-b0\n+b1');
    const [blob] = blobs(dir);
    fs.writeFileSync(path.join(dir, CHAT, 'blobs', blob!), 'not what it was');
    await expect(c.store.planRestore(CHAT, 0, host)).rejects.toThrow(/damaged/);
    expect([f.read('a.txt'), f.read('b.txt')]).toEqual(['a1\n', 'b1\n']);
  });
});
