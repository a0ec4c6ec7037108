// Output bounding: a tool result the model reads keeps its head and its tail and says, in the
// cut, how much was left out and how to get it. Cuts fall on line boundaries when that costs
// little, and never inside a UTF-8 character. `OutputCollector` does the same for output that
// streams in (a task flooding its output), holding at most a head and a tail in memory.

export const DEFAULT_CUT_HINT = 'read a narrower range or use grep to see the rest';

export interface BoundOptions {
  /** What the model can do to see the rest (ends the marker). */
  hint?: string;
  /** Share of the budget for the head (0..1); the tail gets the rest. Default 0.5. */
  headShare?: number;
}

const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');
const countNewlines = (s: string): number => {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
};

function marker(cutBytes: number, cutLines: number, hint: string): string {
  const lines = cutLines === 1 ? '1 line' : `${cutLines.toLocaleString('en-US')} lines`;
  return `[... ${cutBytes.toLocaleString('en-US')} bytes (${lines}) cut ...; ${hint}]\n`;
}

/** The longest prefix of `s` within `budget` bytes, cut at a line end when that keeps at least half. */
function headOf(s: string, budget: number): string {
  if (budget <= 0) return '';
  const buf = Buffer.from(s, 'utf8');
  if (buf.length <= budget) return s;
  let end = budget;
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--; // do not split a UTF-8 sequence
  const prefix = buf.subarray(0, end).toString('utf8');
  const nl = prefix.lastIndexOf('\n');
  return nl >= 0 && byteLength(prefix.slice(0, nl + 1)) >= budget / 2 ? prefix.slice(0, nl + 1) : prefix;
}

/** The longest suffix of `s` within `budget` bytes, starting at a line start when that keeps at least half. */
function tailOf(s: string, budget: number): string {
  if (budget <= 0) return '';
  const buf = Buffer.from(s, 'utf8');
  if (buf.length <= budget) return s;
  let start = buf.length - budget;
  while (start < buf.length && (buf[start]! & 0xc0) === 0x80) start++;
  const suffix = buf.subarray(start).toString('utf8');
  const nl = suffix.indexOf('\n');
  return nl >= 0 && byteLength(suffix.slice(nl + 1)) >= budget / 2 ? suffix.slice(nl + 1) : suffix;
}

/**
 * Joins a head source and a tail source (with `hiddenBytes`/`hiddenLines` already dropped
 * between them) into at most `maxBytes` bytes, marking the cut.
 */
function joinHeadTail(headSrc: string, tailSrc: string, hiddenBytes: number, hiddenLines: number, maxBytes: number, opts: BoundOptions): string {
  const hint = opts.hint ?? DEFAULT_CUT_HINT;
  const share = Math.min(1, Math.max(0, opts.headShare ?? 0.5));
  // Reserve room for the marker with generous digit counts so the total never exceeds maxBytes.
  const reserve = byteLength(marker(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, hint)) + 1;
  const budget = Math.max(0, maxBytes - reserve);
  const head = headOf(headSrc, Math.floor(budget * share));
  const tail = tailOf(tailSrc, budget - byteLength(head));
  const droppedHead = headSrc.slice(head.length);
  const droppedTail = tailSrc.slice(0, tailSrc.length - tail.length);
  const cutBytes = byteLength(droppedHead) + hiddenBytes + byteLength(droppedTail);
  const cutLines = countNewlines(droppedHead) + hiddenLines + countNewlines(droppedTail);
  // The marker gets a line of its own.
  const out = head + (head === '' || head.endsWith('\n') ? '' : '\n') + marker(cutBytes, cutLines, hint) + tail;
  // A marker alone may exceed a tiny budget; then the marker is all there is.
  return byteLength(out) <= maxBytes || budget > 0 ? out : marker(cutBytes, cutLines, hint).slice(0, maxBytes);
}

/**
 * Returns `text` when it fits in `maxBytes` (UTF-8); otherwise its head and tail with a marker
 * like `[... 12,345 bytes (310 lines) cut ...; read a narrower range or use grep to see the rest]`.
 */
export function boundOutput(text: string, maxBytes: number, opts: BoundOptions = {}): string {
  if (byteLength(text) <= maxBytes) return text;
  const mid = Math.floor(text.length / 2);
  return joinHeadTail(text.slice(0, mid), text.slice(mid), 0, 0, maxBytes, opts);
}

/** Removes ANSI escape sequences (colours, cursor moves) from process output. */
export function stripAnsi(text: string): string {
  // CSI sequences, OSC sequences (terminated by BEL or ST), and single-character escapes.
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g, '');
}

/**
 * Collects streamed output with bounded memory: the first `maxBytes` and the last `maxBytes`
 * bytes are kept; what falls between is counted (bytes and lines) for the cut marker.
 */
export class OutputCollector {
  private head = '';
  private headBytes = 0;
  private headFull = false;
  private tail: string[] = [];
  private tailBytes = 0;
  private droppedBytes = 0;
  private droppedLines = 0;
  private total = 0;
  private readonly maxBytes: number;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  get totalBytes(): number { return this.total }

  push(chunk: string): void {
    if (!chunk) return;
    this.total += byteLength(chunk);
    if (!this.headFull) {
      const buf = Buffer.from(chunk, 'utf8');
      const room = this.maxBytes - this.headBytes;
      if (buf.length <= room) {
        this.head += chunk;
        this.headBytes += buf.length;
        return;
      }
      let end = room;
      while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
      this.head += buf.subarray(0, end).toString('utf8');
      this.headBytes += end;
      this.headFull = true;
      chunk = buf.subarray(end).toString('utf8');
    }
    this.tail.push(chunk);
    this.tailBytes += byteLength(chunk);
    // Drop whole chunks from the front of the tail while the rest still covers maxBytes.
    while (this.tail.length > 1 && this.tailBytes - byteLength(this.tail[0]!) >= this.maxBytes) {
      const dropped = this.tail.shift()!;
      const b = byteLength(dropped);
      this.tailBytes -= b;
      this.droppedBytes += b;
      this.droppedLines += countNewlines(dropped);
    }
  }

  /** The collected output bounded to `maxBytes`, head and tail kept, the cut marked. */
  text(opts: BoundOptions = {}): string {
    const tail = this.tail.join('');
    if (this.droppedBytes === 0) return boundOutput(this.head + tail, this.maxBytes, opts);
    return joinHeadTail(this.head, tail, this.droppedBytes, this.droppedLines, this.maxBytes, opts);
  }
}
