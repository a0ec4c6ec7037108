// The apply_patch format (OpenAI Codex's), parsed. Lenient where Codex is lenient: markers may
// carry surrounding whitespace, the first update hunk may omit its `@@`, a heredoc wrapper
// (`<<'EOF'` ... `EOF`) is stripped, CRLF patches parse. `parsePatchPrefix` reads a patch the
// model is still writing and never throws, so the diff preview can fill in as it streams.

export interface PatchChunk {
  /** The `@@ <context>` line that narrows where the chunk applies, if any. */
  context?: string;
  oldLines: string[];
  newLines: string[];
  /** `*** End of File`: the old lines must be at the end of the file. */
  endOfFile: boolean;
  /** 1-based line of the chunk's first line in the patch (for messages). */
  line: number;
}

export type PatchHunk =
  | { kind: 'add'; path: string; contents: string; line: number }
  | { kind: 'delete'; path: string; line: number }
  | { kind: 'update'; path: string; moveTo?: string; chunks: PatchChunk[]; line: number };

export interface ParsedPatch {
  hunks: PatchHunk[];
}

/** A malformed patch; `line` is 1-based in the patch text. */
export class PatchParseError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(line > 0 ? `line ${line}: ${message}` : message);
    this.name = 'PatchParseError';
    this.line = line;
  }
}

export const BEGIN_PATCH = '*** Begin Patch';
export const END_PATCH = '*** End Patch';
const ADD_FILE = '*** Add File: ';
const DELETE_FILE = '*** Delete File: ';
const UPDATE_FILE = '*** Update File: ';
const MOVE_TO = '*** Move to: ';
const END_OF_FILE = '*** End of File';
const VALID_HEADERS = "'*** Add File: <path>', '*** Delete File: <path>' or '*** Update File: <path>'";

/**
 * The Lark grammar of the format, for the custom tool's constrained decoding. No terminal
 * matches the empty string (a blank line inside a hunk is `" " LF` or `"+" LF`).
 */
export const APPLY_PATCH_LARK_GRAMMAR = String.raw`start: begin_patch hunk+ end_patch
begin_patch: "*** Begin Patch" LF
end_patch: "*** End Patch" LF?

hunk: add_hunk | delete_hunk | update_hunk
add_hunk: "*** Add File: " filename LF add_line+
delete_hunk: "*** Delete File: " filename LF
update_hunk: "*** Update File: " filename LF change_move? change

filename: TEXT
change_move: "*** Move to: " filename LF

add_line: "+" TEXT? LF
change: (change_context | change_line)+ eof_line?
change_context: "@@" (" " TEXT)? LF
change_line: ("+" | "-" | " ") TEXT? LF
eof_line: "*** End of File" LF

TEXT: /[^\n]+/
LF: "\n"
`;

type Mode = 'complete' | 'streaming';

/** Parses a whole patch; throws PatchParseError naming the line. */
export function parsePatch(text: string): ParsedPatch {
  let lines = text.trim().split(/\r?\n/);
  let offset = 0; // lines dropped before the patch (heredoc opener)
  const first = lines[0]?.trim();
  if (
    lines.length >= 4 &&
    (first === '<<EOF' || first === "<<'EOF'" || first === '<<"EOF"') &&
    lines[lines.length - 1]!.trim().endsWith('EOF')
  ) {
    lines = lines.slice(1, -1);
    offset = 1;
  }
  if (lines[0]?.trim() !== BEGIN_PATCH)
    throw new PatchParseError(
      1 + offset,
      `the first line of the patch must be '${BEGIN_PATCH}', got '${truncateLine(lines[0] ?? '')}'`,
    );
  if (lines.length < 2 || lines[lines.length - 1]!.trim() !== END_PATCH)
    throw new PatchParseError(lines.length + offset, `the last line of the patch must be '${END_PATCH}'`);
  return { hunks: parseHunks(lines.slice(1, -1), 2 + offset, 'complete') };
}

/**
 * The hunks of a patch still being written: complete lines only, the last hunk possibly
 * unfinished. Never throws; the result only grows as the text grows.
 */
export function parsePatchPrefix(text: string): PatchHunk[] {
  try {
    const end = text.lastIndexOf('\n');
    if (end === -1) return [];
    const lines = text.slice(0, end).replace(/^\s+/, '').split(/\r?\n/);
    if (lines[0]?.trim() !== BEGIN_PATCH) return [];
    let body = lines.slice(1);
    const endAt = body.findIndex((l) => l.trim() === END_PATCH);
    if (endAt !== -1) body = body.slice(0, endAt);
    return parseHunks(body, 2, 'streaming');
  } catch {
    return [];
  }
}

/** Feeds a streaming patch in deltas; `hunks` is what is known so far. */
export class PatchStreamParser {
  private text = '';
  private last: PatchHunk[] = [];
  private parsedUpTo = -1;

  push(delta: string): PatchHunk[] {
    this.text += delta;
    // Re-parse only when a line was completed.
    const end = this.text.lastIndexOf('\n');
    if (end !== this.parsedUpTo) {
      this.parsedUpTo = end;
      this.last = parsePatchPrefix(this.text);
    }
    return this.last;
  }

  get hunks(): PatchHunk[] {
    return this.last;
  }
}

function parseHunks(lines: string[], firstLineNumber: number, mode: Mode): PatchHunk[] {
  const hunks: PatchHunk[] = [];
  let i = 0;
  while (i < lines.length) {
    if (lines[i]!.trim() === '') {
      i++;
      continue;
    } // blank lines between hunks
    try {
      const { hunk, used } = parseOneHunk(lines, i, firstLineNumber, mode);
      hunks.push(hunk);
      i += used;
    } catch (e) {
      if (mode === 'streaming') return hunks;
      throw e;
    }
  }
  return hunks;
}

function parseOneHunk(lines: string[], at: number, base: number, mode: Mode): { hunk: PatchHunk; used: number } {
  const lineNo = base + at;
  const header = lines[at]!.trim();
  if (header.startsWith(ADD_FILE)) {
    const path = header.slice(ADD_FILE.length).trim();
    if (!path) throw new PatchParseError(lineNo, 'Add File needs a path');
    let contents = '';
    let j = at + 1;
    while (j < lines.length && lines[j]!.startsWith('+')) contents += `${lines[j++]!.slice(1)}\n`;
    if (j === at + 1 && mode === 'complete')
      throw new PatchParseError(
        lineNo + 1,
        `Add File '${path}' has no content lines; every line of a new file starts with '+'`,
      );
    return { hunk: { kind: 'add', path, contents, line: lineNo }, used: j - at };
  }
  if (header.startsWith(DELETE_FILE)) {
    const path = header.slice(DELETE_FILE.length).trim();
    if (!path) throw new PatchParseError(lineNo, 'Delete File needs a path');
    return { hunk: { kind: 'delete', path, line: lineNo }, used: 1 };
  }
  if (header.startsWith(UPDATE_FILE)) {
    const path = header.slice(UPDATE_FILE.length).trim();
    if (!path) throw new PatchParseError(lineNo, 'Update File needs a path');
    let j = at + 1;
    let moveTo: string | undefined;
    if (j < lines.length && lines[j]!.trim().startsWith(MOVE_TO)) {
      moveTo = lines[j]!.trim().slice(MOVE_TO.length).trim() || undefined;
      if (!moveTo) throw new PatchParseError(base + j, 'Move to needs a path');
      j++;
    }
    const hunk: PatchHunk = { kind: 'update', path, moveTo, chunks: [], line: lineNo };
    while (j < lines.length) {
      const line = lines[j]!;
      if (line.trim() === '') {
        j++;
        continue;
      } // blank lines between chunks
      if (line.startsWith('*')) break;
      try {
        const { chunk, used } = parseChunk(lines, j, base, hunk.chunks.length === 0, mode);
        hunk.chunks.push(chunk);
        j += used;
      } catch (e) {
        if (mode === 'streaming') return { hunk, used: lines.length - at }; // keep what is known, stop
        throw e;
      }
    }
    if (hunk.chunks.length === 0 && mode === 'complete')
      throw new PatchParseError(
        lineNo,
        `Update File '${path}' has no changes; add an @@ hunk with ' ', '-' and '+' lines`,
      );
    return { hunk, used: j - at };
  }
  throw new PatchParseError(
    lineNo,
    `'${truncateLine(lines[at]!)}' is not a valid hunk header; expected ${VALID_HEADERS}`,
  );
}

function parseChunk(
  lines: string[],
  at: number,
  base: number,
  first: boolean,
  mode: Mode,
): { chunk: PatchChunk; used: number } {
  const lineNo = base + at;
  const head = lines[at]!;
  let context: string | undefined;
  let start = at;
  if (head.trim() === '@@') start = at + 1;
  else if (head.startsWith('@@ ')) {
    context = head.slice(3);
    start = at + 1;
  } else if (!first)
    throw new PatchParseError(lineNo, `expected an '@@' line to start the next hunk, got '${truncateLine(head)}'`);
  if (start >= lines.length) throw new PatchParseError(lineNo + 1, 'the hunk has no lines after its @@ marker');
  const chunk: PatchChunk = { context, oldLines: [], newLines: [], endOfFile: false, line: lineNo };
  let n = 0;
  let j = start;
  for (; j < lines.length; j++) {
    const line = lines[j]!;
    if (line.trim() === END_OF_FILE) {
      if (n === 0) throw new PatchParseError(base + j, `'${END_OF_FILE}' must follow the lines it anchors`);
      chunk.endOfFile = true;
      j++;
      break;
    }
    const c = line[0];
    if (c === undefined) {
      chunk.oldLines.push('');
      chunk.newLines.push('');
    } else if (c === ' ') {
      chunk.oldLines.push(line.slice(1));
      chunk.newLines.push(line.slice(1));
    } else if (c === '+') chunk.newLines.push(line.slice(1));
    else if (c === '-') chunk.oldLines.push(line.slice(1));
    else {
      if (n === 0)
        throw new PatchParseError(
          base + j,
          `unexpected line '${truncateLine(line)}' in an update hunk; every line starts with ' ' (context), '-' (remove) or '+' (add)`,
        );
      break; // the next chunk or hunk
    }
    n++;
  }
  if (n === 0 && mode === 'complete') throw new PatchParseError(lineNo, 'the hunk has no lines after its @@ marker');
  return { chunk, used: j - at };
}

function truncateLine(s: string): string {
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}

/** The files a patch touches, for cards and previews: "Update src/a.ts", "Add b.ts". */
export function describeHunks(hunks: readonly PatchHunk[]): string {
  if (hunks.length === 0) return 'empty patch';
  const verb = { add: 'Add', delete: 'Delete', update: 'Update' } as const;
  if (hunks.length === 1) {
    const h = hunks[0]!;
    return `${verb[h.kind]} ${h.path}${h.kind === 'update' && h.moveTo ? ` -> ${h.moveTo}` : ''}`;
  }
  const names = hunks
    .slice(0, 3)
    .map((h) => h.path)
    .join(', ');
  return `${hunks.length} files: ${names}${hunks.length > 3 ? ', …' : ''}`;
}
