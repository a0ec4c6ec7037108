// read_file: a workspace file, whole or a line range, with line numbers. Reads the editor's
// unsaved text when the file is open and dirty; refuses binaries, secrets and ignored files;
// a file over the size limit can still be read by line range (streamed, never loaded whole).
import { StringDecoder } from 'node:string_decoder';
import { binaryError, formatBytes, loadText, looksBinary } from './files.ts';
import { WorkspaceGuard } from './guard.ts';
import type { ResolvedPath } from './guard.ts';
import { boundOutput } from './output.ts';
import { integer, object, optional, string } from './schema.ts';
import type { ArgsOf } from './schema.ts';
import { LIMITS } from './settings.ts';
import { closestName, truncate } from './similarity.ts';
import { ToolError } from './types.ts';
import type { Tool, ToolContext, ToolResult } from './types.ts';
import { basenameUri, dirnameUri, joinUri } from './uri.ts';

const shape = {
  path: string(
    'File path relative to the workspace root, e.g. "src/app.ts" (in a multi-root workspace it may start with the folder name).',
    { minLength: 1 },
  ),
  start_line: optional(integer('First line to read, 1-based. Null to start at line 1.', { minimum: 1 })),
  end_line: optional(
    integer('Last line to read, inclusive. Null to read to the end (or as much as fits).', { minimum: 1 }),
  ),
};
const schema = object('read_file', shape);
export type ReadFileArgs = ArgsOf<typeof shape>;

export const readFileTool: Tool<ReadFileArgs> = {
  name: 'read_file',
  readOnly: true,
  definition: {
    type: 'function',
    name: 'read_file',
    description: [
      'Read a text file from the workspace, whole or a line range. Each output line starts with its line number and a tab (not part of the file: leave it out when you quote text in an edit).',
      'Shows unsaved changes when the file is open in the editor. Large outputs keep the beginning and end and say which lines were cut: read those with start_line/end_line.',
      'Secrets (.env, keys, credentials) and files excluded by .gitignore or .warmlineignore are refused; files under node_modules can be read by exact path.',
    ].join(' '),
    strict: true,
    parameters: schema.jsonSchema,
  },
  parse: (raw) => schema.parse(raw),
  describe: (args) =>
    args.start_line || args.end_line ? `${args.path}:${args.start_line ?? 1}-${args.end_line ?? 'end'}` : args.path,
  run: readFile,
};

async function readFile(args: ReadFileArgs, ctx: ToolContext): Promise<ToolResult> {
  const guard = WorkspaceGuard.for(ctx);
  if (args.start_line !== undefined && args.end_line !== undefined && args.end_line < args.start_line) {
    throw new ToolError('invalid_arguments', `end_line (${args.end_line}) is before start_line (${args.start_line}).`);
  }
  const target = await guard.resolve(args.path, 'read');
  const open = ctx.host.openDocumentText(target.uri);
  if (open === undefined && !target.stat) throw await notFound(guard, target);
  if (open === undefined && target.stat?.type === 'directory')
    throw new ToolError(
      'invalid_arguments',
      `'${target.display}' is a folder, not a file; use list_files to see what it contains.`,
    );

  const maxBytes = ctx.settings.maxReadBytes;
  const ranged = args.start_line !== undefined || args.end_line !== undefined;
  if (open === undefined && ranged && target.stat && target.stat.size > maxBytes) {
    return readRangeStreaming(target, args.start_line ?? 1, args.end_line, ctx);
  }
  const loaded = await loadText(ctx.host, target.uri, target.display, maxBytes, 'read');
  const lines = splitLines(loaded.text);
  const note = loaded.source === 'editor' ? ' (unsaved changes in the editor)' : '';
  if (lines.length === 0) return { output: `${target.display}: empty file${note}`, summary: 'empty file' };

  const start = args.start_line ?? 1;
  if (start > lines.length) {
    throw new ToolError(
      'invalid_arguments',
      `start_line ${start} is past the end of '${target.display}', which has ${lines.length} line${lines.length === 1 ? '' : 's'}.`,
    );
  }
  const end = Math.min(args.end_line ?? lines.length, lines.length);
  const header = `${target.display}: lines ${start}-${end} of ${lines.length}${note}`;
  const body = numbered(lines.slice(start - 1, end), start);
  const output = boundOutput(`${header}\n${body}`, ctx.settings.maxOutputBytes, {
    hint: 'read the missing lines with start_line/end_line, or use grep',
  });
  return { output, summary: `lines ${start}-${end} of ${lines.length}` };
}

/**
 * A range of a file too large to load whole: streamed up to end_line, bounded by maxReadBytes.
 * Lines are cut at LIMITS.maxLineChars while they stream, so one enormous line (a minified
 * bundle, a 3 MB JSON) is never held whole.
 */
async function readRangeStreaming(
  target: ResolvedPath,
  start: number,
  endLine: number | undefined,
  ctx: ToolContext,
): Promise<ToolResult> {
  if (await looksBinary(ctx.host, target.uri)) throw binaryError(target.display, target.stat!.size);
  const maxBytes = ctx.settings.maxReadBytes;
  const maxChars = LIMITS.maxLineChars;
  const picked: string[] = [];
  let n = 0; // lines finished
  let bytes = 0;
  let stoppedBySize = false;
  let done = false;
  let line = '';
  let lineChars = 0; // the whole line's length, kept or not
  let lastChar = '';
  const finish = () => {
    if (lastChar === '\r') {
      // CRLF: the CR is not part of the line
      lineChars--;
      if (line.length > lineChars) line = line.slice(0, lineChars);
    }
    n++;
    if (n >= start) {
      const shown = lineChars > line.length ? `${line}… [+${lineChars - line.length} chars]` : line;
      bytes += Buffer.byteLength(shown) + 1;
      if (bytes > maxBytes && picked.length > 0) {
        stoppedBySize = true;
        n--;
        done = true;
        return;
      }
      picked.push(shown);
      if (endLine !== undefined && n >= endLine) done = true;
    }
    line = '';
    lineChars = 0;
    lastChar = '';
  };
  const decoder = new StringDecoder('utf8');
  const chunks = ctx.host.fs.readChunks(target.uri)[Symbol.asyncIterator]();
  try {
    let first = true;
    while (!done) {
      if (ctx.signal.aborted) throw new ToolError('cancelled', 'Cancelled.');
      const next = await chunks.next();
      const bytesRead = next.done ? 0 : next.value.length;
      let text = next.done
        ? decoder.end()
        : decoder.write(Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength));
      if (first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
      let from = 0;
      while (from <= text.length && !done) {
        const nl = text.indexOf('\n', from);
        const end = nl === -1 ? text.length : nl;
        if (n + 1 >= start) {
          const room = maxChars - line.length;
          if (room > 0) line += text.slice(from, Math.min(end, from + room));
        }
        lineChars += end - from;
        if (end > from) lastChar = text[end - 1]!;
        if (nl === -1) break;
        finish();
        from = nl + 1;
      }
      if (bytesRead === 0) {
        if (!done && lineChars > 0) finish();
        break;
      }
    }
  } finally {
    await chunks.return?.();
  }
  if (picked.length === 0)
    throw new ToolError(
      'invalid_arguments',
      `start_line ${start} is past the end of '${target.display}', which has ${n} lines.`,
    );
  const last = start + picked.length - 1;
  const size = formatBytes(target.stat!.size);
  const header =
    `${target.display}: lines ${start}-${last} (a ${size} file, read by range)` +
    (stoppedBySize ? `; stopped after ${formatBytes(maxBytes)}, continue with start_line=${last + 1}` : '');
  const width = String(last).length;
  const body = picked.map((l, i) => `${String(start + i).padStart(width)}\t${l}`).join('\n');
  const output = boundOutput(`${header}\n${body}`, ctx.settings.maxOutputBytes, {
    hint: 'read the missing lines with start_line/end_line, or use grep',
  });
  return { output, summary: `lines ${start}-${last}` };
}

/** Lines of a text without their terminators; a final newline does not start a new line. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

function numbered(lines: readonly string[], first: number): string {
  const width = String(first + lines.length - 1).length;
  return lines.map((l, i) => `${String(first + i).padStart(width)}\t${truncate(l, LIMITS.maxLineChars)}`).join('\n');
}

async function notFound(guard: WorkspaceGuard, target: ResolvedPath): Promise<ToolError> {
  const dir = dirnameUri(target.uri);
  const dirRel = target.rel.split('/').slice(0, -1).join('/');
  let hint = '';
  try {
    const entries = await guard.host.fs.readDirectory(dir);
    await guard.prepare(target.root, dirRel);
    const names: string[] = [];
    for (const d of entries) {
      const rel = dirRel ? `${dirRel}/${d.name}` : d.name;
      if (!guard.hiddenEntry(target.root, rel, d.type === 'directory')) names.push(d.name);
    }
    const close = closestName(basenameUri(target.uri), names);
    if (close) hint = ` Did you mean '${guard.display(joinUri(dir, close))}'?`;
  } catch {
    hint = ` Its folder '${guard.display(dir)}' does not exist either.`;
  }
  return new ToolError(
    'not_found',
    `'${target.display}' does not exist.${hint} Use list_files or grep to find the right path.`,
  );
}
