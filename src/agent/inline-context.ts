// What an inline edit sends the model, split so that the larger part can be staged before the
// user asks: the file (or the region around the cursor) as one message, staged on the inline
// lane with `generate: false` while the editor sits still, then the instruction as a small
// delta on it. Pure logic: src/ui/inline-edits.ts feeds it the editor's state.
import { userMessage } from '../session/protocol.ts';
import type { InputItem } from '../session/protocol.ts';

export interface InlineDocument {
  /** The path as the user knows it (workspace-relative). */
  path: string;
  languageId: string;
  /** The document's version: a staged context is only used for the text it was made from. */
  version: number;
  lineCount: number;
  lineAt(line: number): string;
}

export interface InlineContextLimits {
  /** A whole file up to this many lines is the context; a longer one, the region around the cursor. */
  wholeFileLines: number;
  /** Lines either side of the cursor in a longer file. */
  aroundLines: number;
  /** No context (and no staging) past this many characters. */
  maxChars: number;
}

export const INLINE_CONTEXT_LIMITS: InlineContextLimits = { wholeFileLines: 600, aroundLines: 200, maxChars: 64_000 };

export interface InlineContext {
  uri: string;
  version: number;
  /** Lines [start, end) of the document the message shows. */
  start: number;
  end: number;
  message: InputItem;
}

/** The context message for a document around `line`, or undefined when it is too large to send. */
export function inlineContext(
  uri: string,
  doc: InlineDocument,
  line: number,
  limits = INLINE_CONTEXT_LIMITS,
): InlineContext | undefined {
  const whole = doc.lineCount <= limits.wholeFileLines;
  const start = whole ? 0 : Math.max(0, line - limits.aroundLines);
  const end = whole ? doc.lineCount : Math.min(doc.lineCount, line + limits.aroundLines + 1);
  const lines: string[] = [];
  let chars = 0;
  for (let i = start; i < end; i++) {
    const text = doc.lineAt(i);
    chars += text.length + 1;
    if (chars > limits.maxChars) return undefined;
    lines.push(text);
  }
  const where = whole ? `the whole file, ${doc.lineCount} lines` : `lines ${start + 1}-${end} of ${doc.lineCount}`;
  const fence = fenceFor(lines);
  const text = [
    `The file ${doc.path} (${doc.languageId}), ${where}:`,
    `${fence}${doc.languageId}`,
    ...lines,
    fence,
  ].join('\n');
  return { uri, version: doc.version, start, end, message: userMessage(text) };
}

/** Whether a context still shows the document as it is, and the lines asked about. */
export function contextCovers(
  ctx: InlineContext | undefined,
  uri: string,
  version: number,
  first: number,
  last: number,
): ctx is InlineContext {
  return !!ctx && ctx.uri === uri && ctx.version === version && first >= ctx.start && last < ctx.end;
}

/** The instruction that follows the context: which lines, what to do, how to answer. */
export function inlineInstruction(
  doc: InlineDocument,
  first: number,
  last: number,
  instruction: string,
  fileShown = true,
): InputItem {
  const marked = Array.from({ length: last - first + 1 }, (_, i) => doc.lineAt(first + i));
  const fence = fenceFor(marked);
  return userMessage(
    [
      `Rewrite lines ${first + 1}-${last + 1} of ${doc.path} (${doc.languageId})${fileShown ? ' (in the file above, and shown again here)' : ''} as instructed.`,
      'Reply with only the replacement for those lines, in one fenced code block, with no explanation and no tool calls.',
      `Instruction: ${instruction}`,
      '',
      `Lines ${first + 1}-${last + 1}:`,
      fence,
      ...marked,
      fence,
    ].join('\n'),
  );
}

/** A code fence longer than any run of backticks in the lines, so the file cannot close it early. */
function fenceFor(lines: string[]): string {
  let longest = 2;
  for (const line of lines) for (const run of line.match(/`{3,}/g) ?? []) longest = Math.max(longest, run.length);
  return '`'.repeat(longest + 1);
}

export interface PrewarmOptions {
  /** Quiet time after the last cursor move or edit before staging. */
  debounceMs: number;
  /** At most one staging per this many ms (a new document or version may come sooner only after it). */
  minIntervalMs: number;
  now?(): number;
  setTimer?(fn: () => void, ms: number): unknown;
  clearTimer?(handle: unknown): void;
}

export const PREWARM_DEFAULTS: PrewarmOptions = { debounceMs: 750, minIntervalMs: 10_000 };

/**
 * When to stage: once the editor has settled (no move or edit for `debounceMs`), at most once
 * per `minIntervalMs`, and never twice for the same text and region. `stage` gets the context
 * to send; the scheduler remembers what was staged for `staged()`.
 */
export class PrewarmScheduler {
  private timer: unknown;
  private lastAt = -Infinity;
  private current?: InlineContext;
  private readonly opts: Required<PrewarmOptions>;
  private readonly stage: (ctx: InlineContext) => Promise<boolean>;

  constructor(stage: (ctx: InlineContext) => Promise<boolean>, options: Partial<PrewarmOptions> = {}) {
    this.stage = stage;
    this.opts = {
      ...PREWARM_DEFAULTS,
      now: () => Date.now(),
      setTimer: (fn, ms) => {
        const t = setTimeout(fn, ms);
        t.unref?.();
        return t;
      },
      clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
      ...options,
    };
  }

  /** The editor moved or changed: `make` gives the context to stage once it settles (undefined: nothing to stage). */
  notify(make: () => InlineContext | undefined): void {
    this.opts.clearTimer(this.timer);
    this.timer = this.opts.setTimer(() => void this.fire(make), this.opts.debounceMs);
  }

  /** What was last staged, if it was staged. */
  staged(): InlineContext | undefined {
    return this.current;
  }

  /** A request went on the lane: what was staged is no longer the lane's head. */
  consumed(): void {
    this.current = undefined;
  }

  dispose(): void {
    this.opts.clearTimer(this.timer);
  }

  private async fire(make: () => InlineContext | undefined): Promise<void> {
    const ctx = make();
    if (!ctx) return;
    const c = this.current;
    if (c && c.uri === ctx.uri && c.version === ctx.version && c.start === ctx.start && c.end === ctx.end) return;
    const wait = this.lastAt + this.opts.minIntervalMs - this.opts.now();
    if (wait > 0) {
      this.timer = this.opts.setTimer(() => void this.fire(make), wait);
      return;
    }
    this.lastAt = this.opts.now();
    if (await this.stage(ctx)) this.current = ctx;
  }
}
