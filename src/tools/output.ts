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
  // (A string is at least as many bytes as code units: only a short one can fit.)
  if (s.length <= budget && byteLength(s) <= budget) return s;
  // Only the first `budget` bytes matter, and the first `budget` code units are at least that
  // many: encode those alone (a 20 MB text is cut as fast as a small one). A surrogate pair they
  // split encodes as a lead byte and continuation bytes, as the whole pair does, from at least
  // byte budget - 1 on, so the cut falls where it would in the whole text.
  const buf = Buffer.from(s.slice(0, budget), 'utf8');
  let end = budget;
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--; // do not split a UTF-8 sequence
  const prefix = buf.subarray(0, end).toString('utf8');
  const nl = prefix.lastIndexOf('\n');
  return nl >= 0 && byteLength(prefix.slice(0, nl + 1)) >= budget / 2 ? prefix.slice(0, nl + 1) : prefix;
}

/** The longest suffix of `s` within `budget` bytes, starting at a line start when that keeps at least half. */
function tailOf(s: string, budget: number): string {
  if (budget <= 0) return '';
  if (s.length <= budget && byteLength(s) <= budget) return s;
  // Only the last `budget` bytes matter: encode the last `budget` code units (as in headOf; a
  // pair split at their start is at least one byte before the cut, which skips it either way).
  const buf = Buffer.from(s.slice(-budget), 'utf8');
  let start = buf.length - budget;
  while (start < buf.length && (buf[start]! & 0xc0) === 0x80) start++;
  const suffix = buf.subarray(start).toString('utf8');
  const nl = suffix.indexOf('\n');
  return nl >= 0 && byteLength(suffix.slice(nl + 1)) >= budget / 2 ? suffix.slice(nl + 1) : suffix;
}

/**
 * A text to cut, read by range (code units): a string, or many parts joined by newlines that are
 * never joined whole (grep's result can be tens of megabytes before it is cut to a few dozen KB).
 */
interface Source {
  readonly length: number;
  slice(from: number, to: number): string;
  /** UTF-8 bytes and newlines of slice(from, to). */
  measure(from: number, to: number): { bytes: number; lines: number };
}

function stringSource(s: string): Source {
  return {
    length: s.length,
    slice: (from, to) => s.slice(from, to),
    measure: (from, to) => {
      const part = s.slice(from, to);
      return { bytes: byteLength(part), lines: countNewlines(part) };
    },
  };
}

/**
 * Cuts `src` into at most `maxBytes` bytes: its head (from [0, split)) and its tail (from
 * [split, length)), with `hiddenBytes`/`hiddenLines` already dropped between the two, and a
 * marker saying what was cut.
 */
function joinHeadTail(
  src: Source,
  split: number,
  hiddenBytes: number,
  hiddenLines: number,
  maxBytes: number,
  opts: BoundOptions,
): string {
  const hint = opts.hint ?? DEFAULT_CUT_HINT;
  const share = Math.min(1, Math.max(0, opts.headShare ?? 0.5));
  // Reserve room for the marker with generous digit counts so the total never exceeds maxBytes.
  const reserve = byteLength(marker(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, hint)) + 1;
  const budget = Math.max(0, maxBytes - reserve);
  const headBudget = Math.floor(budget * share);
  // headOf and tailOf look at most one code unit past their budget (bytes >= code units), so
  // only that much of the head and tail sources is read.
  const head = headOf(src.slice(0, Math.min(split, headBudget + 1)), headBudget);
  const tailBudget = budget - byteLength(head);
  const tail = tailOf(src.slice(Math.max(split, src.length - tailBudget - 1), src.length), tailBudget);
  const droppedHead = src.measure(head.length, split);
  const droppedTail = src.measure(split, src.length - tail.length);
  const cutBytes = droppedHead.bytes + hiddenBytes + droppedTail.bytes;
  const cutLines = droppedHead.lines + hiddenLines + droppedTail.lines;
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
  if (text.length <= maxBytes && byteLength(text) <= maxBytes) return text;
  return joinHeadTail(stringSource(text), Math.floor(text.length / 2), 0, 0, maxBytes, opts);
}

/**
 * `boundOutput(parts.join('\n'))`, without the join when the result is cut: the head and tail
 * are read from the parts they fall in, the rest is measured part by part.
 */
export function boundJoined(parts: readonly string[], maxBytes: number, opts: BoundOptions = {}): string {
  const starts: number[] = [];
  let length = 0;
  for (const p of parts) {
    if (starts.length > 0) length++; // the newline before it
    starts.push(length);
    length += p.length;
  }
  if (length <= maxBytes) return boundOutput(parts.join('\n'), maxBytes, opts);
  /** The last part starting at or before `at`. */
  const partAt = (at: number): number => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const source: Source = {
    length,
    slice: (from, to) => {
      let out = '';
      for (let i = partAt(from); i < parts.length && starts[i]! - 1 < to; i++) {
        const start = starts[i]!;
        if (i > 0 && start - 1 >= from) out += '\n';
        out += parts[i]!.slice(Math.max(0, from - start), to - start);
      }
      return out;
    },
    measure: (from, to) => {
      let bytes = 0;
      let lines = 0;
      if (from >= to) return { bytes, lines };
      for (let i = partAt(from); i < parts.length && starts[i]! - 1 < to; i++) {
        const start = starts[i]!;
        const p = parts[i]!;
        if (i > 0 && start - 1 >= from) {
          bytes++;
          lines++;
        } // the newline before it
        if (start < to && start + p.length > from) {
          const piece = start >= from && start + p.length <= to ? p : p.slice(Math.max(0, from - start), to - start);
          bytes += byteLength(piece);
          lines += countNewlines(piece);
        }
      }
      return { bytes, lines };
    },
  };
  return joinHeadTail(source, Math.floor(length / 2), 0, 0, maxBytes, opts);
}

/** Removes ANSI escape sequences (colours, cursor moves) from process output. */
export function stripAnsi(text: string): string {
  // CSI sequences, OSC sequences (terminated by BEL or ST), and single-character escapes.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI sequences are made of control characters (ESC, BEL).
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

  get totalBytes(): number {
    return this.total;
  }

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
    return joinHeadTail(
      stringSource(this.head + tail),
      this.head.length,
      this.droppedBytes,
      this.droppedLines,
      this.maxBytes,
      opts,
    );
  }
}
