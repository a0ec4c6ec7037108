// A live preview of a patch while the model writes it: apply_patch's input (or apply_patch_json's
// `{"patch": …}` arguments) is fed, delta by delta, to the streaming patch parser, and what it has
// parsed so far becomes files with +/- counts and their latest diff lines, bounded, for the card.
import { diffArrays } from 'diff';
import type { PatchPreview, PatchPreviewFile } from '../shared/messages.ts';
import { PatchStreamParser } from '../tools/patch-parser.ts';
import type { PatchHunk } from '../tools/patch-parser.ts';

/** The tools whose input is a patch, and how it comes: the custom tool's raw input, or the function twin's JSON. */
export const PATCH_TOOLS: Readonly<Record<string, 'raw' | 'json'>> = { apply_patch: 'raw', apply_patch_json: 'json' };

/** What one preview carries at most: diff lines (the latest, over all files), and files (the latest). */
export const PREVIEW_LIMITS = { lines: 120, files: 40 };
/** Above this many differing lines a chunk is not diffed: its old lines show as removed, its new ones as added. */
const MAX_EDIT = 1_000;

/**
 * The `"patch"` string of apply_patch_json's arguments as they stream, decoded as far as it is
 * complete. Strict function calling sends `{"patch":"…"}`: the string is found when `patch` is the
 * first key; arguments shaped otherwise give no preview (the call still runs).
 */
export class JsonPatchField {
  private raw = '';
  /** Where the string's undecoded rest starts in `raw`: -1 not found yet, -2 given up. */
  private pos = -1;
  private ended = false;

  /** The newly decoded text. */
  push(delta: string): string {
    this.raw += delta;
    if (this.pos === -2 || this.ended) return '';
    if (this.pos === -1) {
      const open = /^\s*\{\s*"patch"\s*:\s*"/.exec(this.raw);
      if (!open) {
        if (this.raw.length > 64) this.pos = -2;
        return '';
      }
      this.pos = open[0].length;
    }
    let out = '';
    const raw = this.raw;
    let i = this.pos;
    while (i < raw.length) {
      const c = raw[i]!;
      if (c === '"') {
        this.ended = true;
        break;
      }
      if (c !== '\\') {
        out += c;
        i++;
        continue;
      }
      if (i + 1 >= raw.length) break; // an escape cut by the delta: the next one completes it
      const e = raw[i + 1]!;
      if (e === 'u') {
        if (i + 6 > raw.length) break;
        out += String.fromCharCode(parseInt(raw.slice(i + 2, i + 6), 16));
        i += 6;
        continue;
      }
      out += ESCAPES[e] ?? e;
      i += 2;
    }
    this.pos = i;
    return out;
  }
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '"': '"', '\\': '\\', '/': '/' };

/**
 * One streaming patch. `push` feeds a delta and answers a new preview when the parser completed
 * a line and at least `intervalMs` passed since the last one (the deltas in between wait);
 * `flush` parses whatever waits (the input is complete).
 */
export class PatchPreviewStream {
  private readonly parser = new PatchStreamParser();
  private readonly json?: JsonPatchField;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private pending = '';
  private lastAt = Number.NEGATIVE_INFINITY;
  private lastHunks: PatchHunk[] | undefined;
  /** Diff lines of chunks already seen, by hunk, chunk and line counts (a chunk only grows). */
  private readonly diffs = new Map<string, { lines: string[]; added: number; removed: number }>();

  constructor(kind: 'raw' | 'json', options: { intervalMs?: number; now?: () => number } = {}) {
    if (kind === 'json') this.json = new JsonPatchField();
    this.intervalMs = options.intervalMs ?? 50;
    this.now = options.now ?? Date.now;
  }

  push(delta: string): PatchPreview | undefined {
    this.pending += this.json ? this.json.push(delta) : delta;
    if (this.now() - this.lastAt < this.intervalMs) return undefined;
    return this.flush();
  }

  flush(): PatchPreview | undefined {
    if (!this.pending) return undefined;
    const hunks = this.parser.push(this.pending);
    this.pending = '';
    if (hunks === this.lastHunks || !hunks.length) return undefined; // no line completed
    this.lastAt = this.now();
    this.lastHunks = hunks;
    return bound(hunks.map((h, i) => this.file(h, i)));
  }

  private file(h: PatchHunk, index: number): PatchPreviewFile {
    if (h.kind === 'delete') return { path: h.path, kind: 'delete', added: 0, removed: 0, lines: [], omitted: 0 };
    if (h.kind === 'add') {
      const lines = h.contents.split('\n');
      if (lines.at(-1) === '') lines.pop();
      return {
        path: h.path,
        kind: 'add',
        added: lines.length,
        removed: 0,
        lines: lines.map((l) => `+${l}`),
        omitted: 0,
      };
    }
    const file: PatchPreviewFile = {
      path: h.path,
      kind: 'update',
      added: 0,
      removed: 0,
      lines: [],
      omitted: 0,
      ...(h.moveTo ? { moveTo: h.moveTo } : {}),
    };
    h.chunks.forEach((c, j) => {
      const key = `${index}:${j}:${c.oldLines.length}:${c.newLines.length}`;
      let d = this.diffs.get(key);
      if (!d) {
        d = chunkDiff(c.oldLines, c.newLines);
        this.diffs.set(key, d);
      }
      file.lines.push(`@${c.context ?? ''}`, ...d.lines);
      file.added += d.added;
      file.removed += d.removed;
    });
    return file;
  }
}

function chunkDiff(oldLines: string[], newLines: string[]): { lines: string[]; added: number; removed: number } {
  const changes = diffArrays(oldLines, newLines, { maxEditLength: MAX_EDIT });
  if (!changes)
    return {
      lines: [...oldLines.map((l) => `-${l}`), ...newLines.map((l) => `+${l}`)],
      added: newLines.length,
      removed: oldLines.length,
    };
  const lines: string[] = [];
  let added = 0;
  let removed = 0;
  for (const c of changes) {
    const sign = c.added ? '+' : c.removed ? '-' : ' ';
    if (c.added) added += c.value.length;
    if (c.removed) removed += c.value.length;
    for (const l of c.value) lines.push(sign + l);
  }
  return { lines, added, removed };
}

/** The latest files, and of their lines the latest: the part being written is what the user watches. */
function bound(all: PatchPreviewFile[]): PatchPreview {
  const files = all.slice(-PREVIEW_LIMITS.files);
  let budget = PREVIEW_LIMITS.lines;
  for (let i = files.length - 1; i >= 0; i--) {
    const f = files[i]!;
    const keep = Math.min(budget, f.lines.length);
    if (keep < f.lines.length) {
      f.omitted = f.lines.length - keep;
      f.lines = keep ? f.lines.slice(-keep) : [];
    }
    budget -= keep;
  }
  return { files, filesOmitted: all.length - files.length };
}
