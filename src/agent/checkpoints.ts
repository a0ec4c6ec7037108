// Checkpoints (issue 16): what the files were before Warmline changed them, per user message of a
// chat, so the chat can put the workspace back ("Restore workspace to here") and undo that.
//
// The shadow repository is Warmline's own content-addressed store, not git: blobs named by the
// SHA-256 of their text and an append-only manifest of records per chat, under the extension's
// storage (`<storage>/checkpoints/<chatId>/`). Why not a bare git repository with the workspace
// as its work tree: no git binary is needed; it works in virtual workspaces, because files are
// read and restored through the WorkspaceHost port like every tool does; it never touches the
// user's .git (index, HEAD, stash, refs, a rebase in progress) by construction, not by care; and a
// restore goes through `host.applyChanges`, one WorkspaceEdit, so open editors follow and the
// editor's own Undo works. Only the files a turn's edit tools touch are stored (the edit tools
// never touch ignored files or secrets: the guard refuses them, and edit-flow.ts asserts it before
// the snapshot). Files changed by run_task or shell commands are not covered.
//
// The records: `before` is a file's state before its first change in a turn (text and BOM, or
// absent); `wrote` is the digest of what Warmline left in the file (to tell a hand edit made since);
// `restore` keeps the files' state just before a restore (what "Undo restore" puts back); `undo`
// marks a restore undone; `truncate` drops the turns from one on (the conversation was cut there).
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { diskHasBom, stripBom } from '../tools/files.ts';
import type { FileChange, WorkspaceHost } from '../tools/types.ts';

/** A file's content: its text (no BOM) and whether it has a byte order mark; null when absent. */
export type FileState = { text: string; bom: boolean } | null;
/** A stored state: the blob holding the text, and the BOM flag; null when absent. */
export type StateRef = { sha: string; bom: boolean } | null;

export type CheckpointRecord =
  | { t: 'before'; turn: number; uri: string; state: StateRef }
  | { t: 'wrote'; uri: string; digest: string | null }
  | { t: 'restore'; id: string; turn: number; before: Array<{ uri: string; state: StateRef }>; at: number }
  | { t: 'undo'; id: string; at: number }
  | { t: 'truncate'; turn: number; at: number };

/** Where checkpoints live: blobs by SHA-256, and a manifest of records per chat. */
export interface CheckpointStorage {
  /** Stores a blob (nothing to do when it is already there). */
  putBlob(chatId: string, sha: string, data: Uint8Array): Promise<void>;
  getBlob(chatId: string, sha: string): Promise<Uint8Array>;
  /** Appends records, in one write. */
  append(chatId: string, records: CheckpointRecord[]): Promise<void>;
  /** Every record of a chat, in order ([] for a chat without checkpoints). */
  load(chatId: string): Promise<CheckpointRecord[]>;
}

/** Why a checkpoint could not be taken or restored; nothing was written when it is thrown. */
export class CheckpointError extends Error {
  readonly code: 'storage' | 'refused' | 'nothing' | 'missing';
  constructor(code: CheckpointError['code'], message: string) {
    super(message);
    this.name = 'CheckpointError';
    this.code = code;
  }
}

const ID = /^[a-z0-9-]{1,64}$/;
const SHA = /^[0-9a-f]{64}$/;

/** The storage in a folder (`<storage>/checkpoints`): `<chatId>/manifest.jsonl`, `<chatId>/blobs/<sha>`. */
export class NodeCheckpointStorage implements CheckpointStorage {
  readonly root: string;
  /** Chats whose blob folder exists already. */
  private readonly made = new Set<string>();
  constructor(root: string) {
    this.root = root;
  }

  async putBlob(chatId: string, sha: string, data: Uint8Array): Promise<void> {
    const file = this.blob(chatId, sha);
    try {
      await fs.access(file);
      return;
    } catch {
      /* not there yet */
    }
    if (!this.made.has(chatId)) {
      await fs.mkdir(path.dirname(file), { recursive: true });
      this.made.add(chatId);
    }
    // Written aside and renamed: a blob is whole or absent, never torn.
    const temp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    try {
      await fs.writeFile(temp, data).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
        // The folder went away since (storage cleared): made again.
        await fs.mkdir(path.dirname(file), { recursive: true });
        await fs.writeFile(temp, data);
      });
      await fs.rename(temp, file);
    } catch (err) {
      await fs.rm(temp, { force: true }).catch(() => {});
      throw err;
    }
  }

  getBlob(chatId: string, sha: string): Promise<Uint8Array> {
    return fs.readFile(this.blob(chatId, sha));
  }

  async append(chatId: string, records: CheckpointRecord[]): Promise<void> {
    if (!records.length) return;
    await fs.mkdir(this.dir(chatId), { recursive: true });
    await fs.appendFile(this.manifest(chatId), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }

  async load(chatId: string): Promise<CheckpointRecord[]> {
    let text: string;
    try {
      text = await fs.readFile(this.manifest(chatId), 'utf8');
    } catch {
      return [];
    }
    const out: CheckpointRecord[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        out.push(JSON.parse(line) as CheckpointRecord);
      } catch {
        /* a line torn by a crash */
      }
    }
    return out;
  }

  private dir(chatId: string): string {
    if (!ID.test(chatId)) throw new Error(`invalid chat id: ${chatId}`);
    return path.join(this.root, chatId);
  }
  private manifest(chatId: string): string {
    return path.join(this.dir(chatId), 'manifest.jsonl');
  }
  private blob(chatId: string, sha: string): string {
    if (!SHA.test(sha)) throw new Error(`invalid blob name: ${sha}`);
    return path.join(this.dir(chatId), 'blobs', sha);
  }
}

/** What a restore (or its undo) would do, computed before anything is written. */
export interface RestorePlan {
  chatId: string;
  /** A restore to the user message of this turn (0-based), or the undo of restore `undoOf`. */
  turn: number;
  undoOf?: string;
  /** From the current content to the target: what the diff shows and applyChanges writes. */
  changes: FileChange[];
  /** Files whose current content is not what Warmline last left there (changed by hand since). */
  handChanged: string[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function sha256(data: Uint8Array | string): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/** A digest of a file's state, BOM included (null when absent). */
export function stateDigest(state: FileState): string | null {
  return state ? sha256((state.bom ? '\uFEFF' : '') + state.text) : null;
}

/** The state a file is in after a change (null: the change removes it), for every URI it touches. */
function statesAfter(c: FileChange): Array<[string, FileState]> {
  if (c.kind === 'add') return [[c.uri, { text: c.newText, bom: false }]];
  if (c.kind === 'delete') return [[c.uri, null]];
  const after = { text: c.newText, bom: c.bom ?? false };
  return c.moveTo && c.moveTo !== c.uri
    ? [
        [c.uri, null],
        [c.moveTo, after],
      ]
    : [[c.uri, after]];
}

/** The state of every URI a change touches before it is applied. */
function statesBefore(c: FileChange): Array<[string, FileState]> {
  if (c.kind === 'add') return [[c.uri, null]];
  const before = { text: c.oldText, bom: c.bom ?? false };
  return c.kind === 'update' && c.moveTo && c.moveTo !== c.uri
    ? [
        [c.uri, before],
        [c.moveTo, null],
      ]
    : [[c.uri, before]];
}

/** The chat's records as they stand: turns cut by a later `truncate` dropped. */
function effective(records: readonly CheckpointRecord[]): CheckpointRecord[] {
  const out: CheckpointRecord[] = [];
  for (const r of records) {
    if (r.t === 'truncate') {
      for (let i = out.length - 1; i >= 0; i--) {
        const o = out[i]!;
        if (o.t === 'before' && o.turn >= r.turn) out.splice(i, 1);
      }
    }
    out.push(r);
  }
  return out;
}

export class CheckpointStore {
  private readonly storage: CheckpointStorage;
  private readonly cache = new Map<string, CheckpointRecord[]>();

  constructor(storage: CheckpointStorage) {
    this.storage = storage;
  }

  private async records(chatId: string): Promise<CheckpointRecord[]> {
    let records = this.cache.get(chatId);
    if (!records) {
      records = effective(await this.storage.load(chatId));
      this.cache.set(chatId, records);
    }
    return records;
  }

  private async append(chatId: string, add: CheckpointRecord[]): Promise<void> {
    const records = await this.records(chatId);
    try {
      await this.storage.append(chatId, add);
    } catch (err) {
      throw storageError('save a checkpoint', err);
    }
    records.push(...add);
    if (add.some((r) => r.t === 'truncate')) this.cache.set(chatId, effective(records));
  }

  /** Stores a state's text (once per content) and returns its reference. */
  private async put(chatId: string, state: FileState): Promise<StateRef> {
    if (!state) return null;
    const data = encoder.encode(state.text);
    const sha = sha256(data);
    try {
      await this.storage.putBlob(chatId, sha, data);
    } catch (err) {
      throw storageError('save a checkpoint', err);
    }
    return { sha, bom: state.bom };
  }

  private async get(chatId: string, ref: StateRef): Promise<FileState> {
    if (!ref) return null;
    let data: Uint8Array;
    try {
      data = await this.storage.getBlob(chatId, ref.sha);
    } catch (err) {
      throw new CheckpointError('missing', `A checkpoint's copy of a file could not be read (${messageOf(err)}).`);
    }
    if (sha256(data) !== ref.sha)
      throw new CheckpointError('missing', 'A checkpoint copy of a file is damaged (its content no longer matches).');
    return { text: decoder.decode(data), bom: ref.bom };
  }

  /**
   * Called by the edit tools right before they write (ToolContext.checkpoint): keeps each file's
   * state before its first change in this turn, and the digest of what the change leaves there.
   * Throws CheckpointError when the storage fails; the edit is then not applied.
   */
  async snapshot(chatId: string, turn: number, changes: readonly FileChange[]): Promise<void> {
    const records = await this.records(chatId);
    const seen = new Set(records.flatMap((r) => (r.t === 'before' && r.turn === turn ? [r.uri] : [])));
    const firsts: Array<[string, FileState]> = [];
    for (const c of changes) {
      for (const [uri, state] of statesBefore(c)) {
        if (seen.has(uri)) continue;
        seen.add(uri);
        firsts.push([uri, state]);
      }
    }
    // Blobs in parallel (each is written aside and renamed), then the manifest lines in one write.
    const refs = await Promise.all(firsts.map(([, state]) => this.put(chatId, state)));
    const add: CheckpointRecord[] = firsts.map(([uri], i) => ({ t: 'before', turn, uri, state: refs[i]! }));
    for (const c of changes) for (const [uri, state] of statesAfter(c)) add.push(wrote(uri, state));
    await this.append(chatId, add);
  }

  /** The turns (0-based user messages) whose files changed and can be restored, ascending. */
  async changedTurns(chatId: string): Promise<number[]> {
    const turns = new Set<number>();
    for (const r of await this.records(chatId)) if (r.t === 'before') turns.add(r.turn);
    return [...turns].sort((a, b) => a - b);
  }

  /** The latest restore that can be undone, if any. */
  async undoable(chatId: string): Promise<string | undefined> {
    const records = await this.records(chatId);
    const undone = new Set(records.flatMap((r) => (r.t === 'undo' ? [r.id] : [])));
    const last = records.findLast((r) => r.t === 'restore' && !undone.has(r.id));
    return last?.t === 'restore' ? last.id : undefined;
  }

  /**
   * What restoring the workspace to the user message of `turn` would change: every file a turn
   * from `turn` on changed goes back to its state before its first change in the earliest of
   * them. Reads the current files; writes nothing.
   */
  async planRestore(chatId: string, turn: number, host: WorkspaceHost): Promise<RestorePlan> {
    const targets = new Map<string, StateRef>();
    for (const r of await this.records(chatId))
      if (r.t === 'before' && r.turn >= turn && !targets.has(r.uri)) targets.set(r.uri, r.state);
    if (!targets.size) throw new CheckpointError('nothing', 'No file was changed by Warmline from this message on.');
    return { chatId, turn, ...(await this.plan(chatId, targets, host)) };
  }

  /** What undoing restore `id` would change: the files go back to their state just before it. */
  async planUndo(chatId: string, id: string, host: WorkspaceHost): Promise<RestorePlan> {
    const records = await this.records(chatId);
    const restore = records.find((r) => r.t === 'restore' && r.id === id);
    if (restore?.t !== 'restore' || records.some((r) => r.t === 'undo' && r.id === id))
      throw new CheckpointError('nothing', 'That restore cannot be undone (it was undone already, or is unknown).');
    const targets = new Map(restore.before.map((b) => [b.uri, b.state] as const));
    return { chatId, turn: restore.turn, undoOf: id, ...(await this.plan(chatId, targets, host)) };
  }

  private async plan(
    chatId: string,
    targets: Map<string, StateRef>,
    host: WorkspaceHost,
  ): Promise<Pick<RestorePlan, 'changes' | 'handChanged'>> {
    const records = await this.records(chatId);
    const last = new Map<string, string | null>();
    for (const r of records) if (r.t === 'wrote') last.set(r.uri, r.digest);
    const changes: FileChange[] = [];
    const handChanged: string[] = [];
    for (const [uri, ref] of targets) {
      const target = await this.get(chatId, ref);
      const current = await readState(host, uri);
      const digest = stateDigest(current);
      if (last.has(uri) && last.get(uri) !== digest) handChanged.push(uri);
      if (digest === stateDigest(target)) continue;
      if (!target) changes.push({ kind: 'delete', uri, oldText: current!.text, bom: current!.bom });
      // An add's text is written as given: a file that had a BOM comes back with it.
      else if (!current) changes.push({ kind: 'add', uri, newText: (target.bom ? '\uFEFF' : '') + target.text });
      else changes.push({ kind: 'update', uri, oldText: current.text, newText: target.text, bom: target.bom });
    }
    return { changes, handChanged };
  }

  /**
   * Applies a plan: first keeps the files' current state (so the restore can be undone), then
   * writes every file or none through `host.applyChanges`. Returns the restore's id (for a
   * restore) or the id undone. Throws CheckpointError when nothing was written.
   */
  async apply(plan: RestorePlan, host: WorkspaceHost): Promise<string> {
    const { chatId } = plan;
    if (!plan.changes.length) throw new CheckpointError('nothing', 'The files are already as they were there.');
    const id = plan.undoOf ?? `r-${Date.now().toString(36)}-${crypto.randomBytes(3).toString('hex')}`;
    const pending: CheckpointRecord[] = [];
    if (!plan.undoOf) {
      const before: Array<{ uri: string; state: StateRef }> = [];
      for (const c of plan.changes)
        for (const [uri, state] of statesBefore(c)) before.push({ uri, state: await this.put(chatId, state) });
      pending.push({ t: 'restore', id, turn: plan.turn, before, at: Date.now() });
    }
    const ok = await host.applyChanges(plan.changes);
    if (!ok)
      throw new CheckpointError(
        'refused',
        'The editor could not apply the restore (a file changed since the preview, or is read-only), so no file was changed.',
      );
    if (plan.undoOf) pending.push({ t: 'undo', id, at: Date.now() });
    for (const c of plan.changes) for (const [uri, state] of statesAfter(c)) pending.push(wrote(uri, state));
    await this.append(chatId, pending);
    return id;
  }

  /** The conversation was cut at the user message of `turn`: its checkpoints and later ones go. */
  async truncate(chatId: string, turn: number): Promise<void> {
    await this.append(chatId, [{ t: 'truncate', turn, at: Date.now() }]);
  }
}

function wrote(uri: string, state: FileState): CheckpointRecord {
  // An add's text carries its BOM, if any, as its first character.
  const s = state && state.text.charCodeAt(0) === 0xfeff ? { text: state.text.slice(1), bom: true } : state;
  return { t: 'wrote', uri, digest: stateDigest(s) };
}

/** A file's current state as the editor has it: the unsaved text of an open document, else the disk's. */
export async function readState(host: WorkspaceHost, uri: string): Promise<FileState> {
  const open = host.openDocumentText(uri);
  if (open !== undefined) {
    const s = stripBom(open);
    return { text: s.text, bom: s.bom || (await diskHasBom(host, uri)) };
  }
  const stat = await host.fs.stat(uri);
  if (!stat) return null;
  return stripBom(decoder.decode(await host.fs.readFile(uri)));
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function storageError(what: string, err: unknown): CheckpointError {
  return new CheckpointError('storage', `Warmline could not ${what} in its storage (${messageOf(err)}).`);
}
