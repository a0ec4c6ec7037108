import { diffArrays } from 'diff';

/**
 * An inline edit suggestion as a vertical diff: the original lines of a block, the proposed
 * lines, and the hunks between them, each accepted or rejected on its own. The editor shows the
 * layout (removed lines and added lines interleaved) in the document while the suggestion is
 * open; this model says what that layout is and what text each decision leaves behind.
 * Pure logic: the VS Code side (src/ui/inline-edits.ts) applies it.
 */
export type LineKind = 'same' | 'removed' | 'added';

export interface Hunk {
  /** Index of the hunk's first line in the layout. */
  removed: string[];
  added: string[];
  decision: 'pending' | 'accepted' | 'rejected';
}

type Segment = { kind: 'same'; lines: string[] } | { kind: 'change'; hunk: Hunk };

export interface LayoutLine {
  text: string;
  kind: LineKind;
  hunk?: number;
}

export class SuggestionModel {
  readonly original: string[];
  private proposed: string[] = [];
  private segments: Segment[] = [];
  private streaming = true;

  constructor(original: string[]) {
    this.original = original;
    this.segments = original.length ? [{ kind: 'same', lines: original }] : [];
  }

  /**
   * Sets the proposal so far. While it streams, the unfinished tail of the original is kept as
   * it is; lines the model has not reached yet are not shown as removed.
   */
  update(proposed: string[], done: boolean): void {
    this.proposed = proposed;
    this.streaming = !done;
    const decisions = this.hunks().map((h) => h.decision);
    const parts = diffArrays(this.original, proposed);
    const segments: Segment[] = [];
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (!p.added && !p.removed) {
        segments.push({ kind: 'same', lines: p.value });
        continue;
      }
      const removed = p.removed ? p.value : [];
      const next = parts[i + 1];
      let added: string[] = [];
      if (p.added) added = p.value;
      else if (next?.added) {
        added = next.value; // the added part right after a removal belongs to the same change
        i++;
      }
      segments.push({ kind: 'change', hunk: { removed, added, decision: 'pending' } });
    }
    if (!done && segments.at(-1)?.kind === 'change') {
      // The model has not reached the original's tail yet: after the last line the two share,
      // what it wrote so far is shown as added, and the rest of the original as it is.
      const tail = segments.pop() as Extract<Segment, { kind: 'change' }>;
      if (tail.hunk.added.length)
        segments.push({ kind: 'change', hunk: { removed: [], added: tail.hunk.added, decision: 'pending' } });
      if (tail.hunk.removed.length) segments.push({ kind: 'same', lines: tail.hunk.removed });
    }
    segments
      .filter((s): s is Extract<Segment, { kind: 'change' }> => s.kind === 'change')
      .forEach((s, i) => {
        s.hunk.decision = decisions[i] ?? 'pending';
      });
    this.segments = segments;
  }

  get done(): boolean {
    return !this.streaming;
  }
  get proposedLines(): string[] {
    return this.proposed;
  }

  hunks(): Hunk[] {
    return this.segments.flatMap((s) => (s.kind === 'change' ? [s.hunk] : []));
  }

  decide(index: number, decision: 'accepted' | 'rejected'): void {
    const hunk = this.hunks()[index];
    if (!hunk) throw new Error(`no hunk ${index}`);
    hunk.decision = decision;
  }

  decideAll(decision: 'accepted' | 'rejected'): void {
    for (const h of this.hunks()) if (h.decision === 'pending') h.decision = decision;
  }

  get settled(): boolean {
    return this.done && this.hunks().every((h) => h.decision !== 'pending');
  }

  /** The lines as shown in the editor: pending hunks as removed-then-added, decided ones as their outcome. */
  layout(): LayoutLine[] {
    const out: LayoutLine[] = [];
    let index = 0;
    for (const s of this.segments) {
      if (s.kind === 'same') {
        for (const text of s.lines) out.push({ text, kind: 'same' });
        continue;
      }
      const h = s.hunk;
      const i = index++;
      if (h.decision === 'accepted') for (const text of h.added) out.push({ text, kind: 'same' });
      else if (h.decision === 'rejected') for (const text of h.removed) out.push({ text, kind: 'same' });
      else {
        for (const text of h.removed) out.push({ text, kind: 'removed', hunk: i });
        for (const text of h.added) out.push({ text, kind: 'added', hunk: i });
      }
    }
    return out;
  }

  /** The text the decisions leave: pending hunks count as rejected (the original stays). */
  result(): string[] {
    return this.segments.flatMap((s) =>
      s.kind === 'same' ? s.lines : s.hunk.decision === 'accepted' ? s.hunk.added : s.hunk.removed,
    );
  }
}

/**
 * Extracts the code the model is writing from its streamed markdown: the body of the first fenced
 * block (so far), or the whole text when it uses no fence. Returns complete lines only while
 * streaming (the last partial line waits), and all of them when done.
 */
export function codeFromStream(text: string, done: boolean): string[] {
  const fence = /^([ \t]*)(```|~~~)[^\n]*\n/m.exec(text);
  let body: string;
  if (fence) {
    const start = fence.index + fence[0].length;
    const end = text.indexOf(`\n${fence[1]}${fence[2]}`, start - 1);
    body = end >= 0 ? text.slice(start, end) : text.slice(start);
    if (end >= 0) done = true;
  } else {
    if (!done) return []; // it may still open a fence: wait for the first line to decide
    body = text;
  }
  const lines = body.split('\n');
  if (!done) lines.pop();
  else if (lines.at(-1) === '') lines.pop();
  return lines;
}
