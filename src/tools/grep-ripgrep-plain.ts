// ripgrep's standard output, read straight from the bytes: the grep tool's fast path. With
// `--json` ripgrep writes ~300 bytes per matching line and JavaScript parses an object per line;
// with `--null --line-number --with-filename --no-heading` it writes a third of that, which is
// parsed here with a few byte searches per line:
//
//   path NUL line ':' text LF                a matching line
//   path ': binary file matches (found "\0" byte around offset N)' LF
//
// Only without --context: with it, ripgrep prints nothing at all for a binary file that matches
// (13.0 and 15.0 alike), so those searches use --json.
// Everything this format cannot tell exactly as `--json` would is marked for a second search of
// that file with `--json` (`redo`), or stops the parse (`onAnomaly`), so the caller can search
// again with `--json`:
// - a binary file: its lines are not printed, only the message above (the JSON search counts them);
// - a matching line ending in CR CR: ripgrep ends an unterminated last line with CRLF, so "x\r"
//   at the end of a file and a line "x\r\r\n" print the same bytes;
// - a matching line long enough to be cut around its match: where the match starts is not
//   printed (`--column` would say, but costs ripgrep a second regex run on every matching line);
// - a path containing a line feed: the line up to it has no NUL and is no binary message (an
//   anomaly). A file name can be made to look like a binary message, so the file after a binary
//   message is searched again too, and the caller confirms every binary message with `--json`;
// - a line of any other shape: an anomaly.
// Each file's lines come together (ripgrep prints a file's output in one piece), so a file ends
// where the next path starts.
import type { GrepLine } from './grep-match.ts';

export interface PlainFile {
  /** The path as ripgrep printed it, decoded as the JSON output's `path` decodes. */
  path: string;
  /** The bytes ripgrep printed for it. */
  pathBytes: Buffer;
  /** The lines, as the JSON output gives them; empty when only a count was asked for. */
  lines: GrepLine[];
  /** Matching lines printed. */
  matches: number;
  /** ripgrep named it a binary file that matches (its lines are not printed). */
  binary: boolean;
  /** The lines printed are not exactly what `--json` gives: search this file again with it. */
  redo: boolean;
}

export interface PlainParserOptions {
  /** Asked when a file starts: false to count its matching lines only. */
  wantLines(): boolean;
  /** Called for each file as it ends, in output order. */
  onFile(file: PlainFile): void;
  /** Called once, for output this parser cannot read exactly; nothing is parsed after it. */
  onAnomaly(why: string): void;
  /** A matching line longer than this many characters needs its match column: its file is searched again. */
  columnAfter: number;
}

/** The ripgrep flags for the output this parser reads (instead of --json). */
export const PLAIN_OUTPUT_FLAGS = ['--null', '--line-number', '--with-filename', '--no-heading', '--color', 'never'];

const NUL = 0;
const LF = 10;
const CR = 13;
const COLON = 58;
const ZERO = 48;
const NINE = 57;

const BINARY_MESSAGE = /^([\s\S]*): binary file matches \(found "\\0" byte around offset \d+\)\r?$/;

interface Current {
  /** A view into the chunk the file started in (kept only while the file lasts). */
  pathBytes: Buffer;
  path: string;
  lines: GrepLine[] | undefined;
  matches: number;
  binary: boolean;
  redo: boolean;
}

export class RipgrepPlainParser {
  private readonly opts: PlainParserOptions;
  /** The start of a line that continues in the next chunk. */
  private carry: Buffer | undefined;
  private cur: Current | undefined;
  /** A binary message was the last thing read: the next file is searched again. */
  private afterBinary = false;
  private failed = false;

  constructor(opts: PlainParserOptions) {
    this.opts = opts;
  }

  push(chunk: Buffer): void {
    if (this.failed) return;
    let from = 0;
    if (this.carry) {
      const nl = chunk.indexOf(LF);
      if (nl === -1) {
        this.carry = Buffer.concat([this.carry, chunk]);
        return;
      }
      const line = Buffer.concat([this.carry, chunk.subarray(0, nl + 1)]);
      this.carry = undefined;
      this.line(line, 0, line.length - 1);
      from = nl + 1;
    }
    while (from < chunk.length && !this.failed) {
      const end = this.lineAt(chunk, from);
      if (end === -1) {
        this.carry = Buffer.from(chunk.subarray(from));
        return;
      }
      from = end + 1;
    }
  }

  /** The end of the stream: the last file ends. */
  end(): void {
    if (this.failed) return;
    if (this.carry && this.carry.length > 0) return this.fail('the output ended inside a line');
    this.finish();
  }

  private fail(why: string): void {
    if (this.failed) return;
    this.failed = true;
    this.cur = undefined;
    this.carry = undefined;
    this.opts.onAnomaly(why);
  }

  /** Reads the line starting at `s` if it ends in this buffer; returns its LF's index, or -1. */
  private lineAt(buf: Buffer, s: number): number {
    // The common case: another line of the current file, whose path (known to have no LF) is
    // compared in place instead of searched for.
    const cur = this.cur;
    if (cur) {
      const p = cur.pathBytes;
      const n = p.length;
      // A loop: cheaper than a native call for a path's few dozen bytes.
      let same = s + n < buf.length && buf[s + n] === NUL;
      for (let k = n - 1; same && k >= 0; k--) same = buf[s + k] === p[k];
      if (same) {
        const nl = buf.indexOf(LF, s + n + 1);
        if (nl === -1) return -1;
        this.record(buf, s + n, nl, cur);
        return nl;
      }
    }
    const nl = buf.indexOf(LF, s);
    if (nl === -1) return -1;
    this.line(buf, s, nl);
    return nl;
  }

  /** One whole line, [s, nl) with buf[nl] === LF. */
  private line(buf: Buffer, s: number, nl: number): void {
    const nul = buf.indexOf(NUL, s);
    if (nul !== -1 && nul < nl) {
      const pathBytes = buf.subarray(s, nul);
      if (this.cur?.pathBytes.equals(pathBytes)) {
        this.record(buf, nul, nl, this.cur);
        return;
      }
      this.finish();
      this.record(buf, nul, nl, this.start(pathBytes));
      return;
    }
    const m = BINARY_MESSAGE.exec(buf.toString('latin1', s, nl));
    if (!m)
      return this.fail(
        `a line that is neither a match nor a binary-file message: ${JSON.stringify(buf.subarray(s, Math.min(nl, s + 200)).toString('utf8'))}`,
      );
    const pathBytes = buf.subarray(s, s + m[1]!.length);
    let cur = this.cur;
    if (!cur?.pathBytes.equals(pathBytes)) {
      this.finish();
      cur = this.start(pathBytes);
    }
    cur.binary = true;
    cur.redo = true;
    this.finish();
    this.afterBinary = true;
  }

  private start(pathBytes: Buffer): Current {
    this.cur = {
      pathBytes,
      path: pathBytes.toString('utf8'),
      lines: this.opts.wantLines() ? [] : undefined,
      matches: 0,
      binary: false,
      redo: this.afterBinary,
    };
    this.afterBinary = false;
    return this.cur;
  }

  private finish(): void {
    const cur = this.cur;
    if (!cur) return;
    this.cur = undefined;
    this.opts.onFile({
      path: cur.path,
      pathBytes: cur.pathBytes,
      lines: cur.lines ?? [],
      matches: cur.matches,
      binary: cur.binary,
      redo: cur.redo,
    });
  }

  /** The fields after the path's NUL at `nul`, up to the LF at `nl`. */
  private record(buf: Buffer, nul: number, nl: number, cur: Current): void {
    let i = nul + 1;
    let line = 0;
    for (let c = buf[i]!; c >= ZERO && c <= NINE && i < nl; c = buf[++i]!) line = line * 10 + (c - ZERO);
    if (i === nul + 1 || i >= nl) return this.fail('a line without a line number');
    if (buf[i] !== COLON) return this.fail('a line number not followed by ":"');
    cur.matches++;
    const lines = cur.lines;
    if (!lines) return;
    const from = i + 1;
    // The text without its line end, as the JSON text is cut: the LF, then one CR.
    let end = nl;
    if (end > from && buf[end - 1] === CR) {
      end--;
      // "x\r\r\n": a line ending in CR CR, or an unterminated last line "x\r" ended with CRLF.
      if (end > from && buf[end - 1] === CR) cur.redo = true;
    }
    const text = buf.toString('utf8', from, end);
    if (text.length > this.opts.columnAfter) cur.redo = true;
    lines.push({ line, text, match: true, column: 0 });
  }
}
