// replace_in_file: one exact replacement. The old text must occur exactly once; when it does
// not occur the error shows the most similar region (line numbers and text), and when it
// occurs more than once it says how many times and where.
import { commitChanges } from './edit-flow.ts';
import { detectEol, loadText } from './files.ts';
import { WorkspaceGuard } from './guard.ts';
import { object, string } from './schema.ts';
import type { ArgsOf } from './schema.ts';
import { nearestRegion, showRegion, truncate } from './similarity.ts';
import { ToolError } from './types.ts';
import type { Tool, ToolContext, ToolResult } from './types.ts';

const shape = {
  path: string('File to change, relative to the workspace root.', { minLength: 1 }),
  old_text: string(
    "The exact text to replace, copied from the file (several whole lines, without read_file's line-number prefixes). It must occur exactly once.",
    { minLength: 1 },
  ),
  new_text: string('The text to put in its place (may be empty to delete old_text).'),
};
const schema = object('replace_in_file', shape);
export type ReplaceInFileArgs = ArgsOf<typeof shape>;

export const replaceInFileTool: Tool<ReplaceInFileArgs> = {
  name: 'replace_in_file',
  readOnly: false,
  definition: {
    type: 'function',
    name: 'replace_in_file',
    description:
      'Replace one exact piece of text in a file with new text. old_text must match the file exactly (whitespace included) and occur once; include enough surrounding lines to make it unique. For several changes or new files, use apply_patch.',
    strict: true,
    parameters: schema.jsonSchema,
  },
  parse: (raw) => schema.parse(raw),
  describe: (args) => args.path,
  run: replaceInFile,
};

/** Positions (character offsets) of every non-overlapping occurrence of `needle`. */
function occurrences(haystack: string, needle: string): number[] {
  const out: number[] = [];
  for (let i = haystack.indexOf(needle); i !== -1; i = haystack.indexOf(needle, i + needle.length)) out.push(i);
  return out;
}

const lineOf = (text: string, offset: number): number => text.slice(0, offset).split('\n').length;

async function replaceInFile(args: ReplaceInFileArgs, ctx: ToolContext): Promise<ToolResult> {
  const guard = WorkspaceGuard.for(ctx);
  guard.requireTrusted('editing files');
  if (args.old_text === args.new_text)
    throw new ToolError('invalid_arguments', 'old_text and new_text are identical, so there is nothing to change.');
  const target = await guard.resolve(args.path, 'write');
  if (!target.stat && ctx.host.openDocumentText(target.uri) === undefined) {
    throw new ToolError(
      'not_found',
      `'${target.display}' does not exist. To create a file, use apply_patch with '*** Add File: ${args.path}'.`,
    );
  }
  const loaded = await loadText(ctx.host, target.uri, target.display, ctx.settings.maxReadBytes, 'edit');
  const original = loaded.text;

  // Line ends: the model's text is matched and written with the file's own (CRLF stays CRLF),
  // and the rest of the file keeps whatever it has.
  const eol = detectEol(original);
  const inEol = (t: string) =>
    eol === '\r\n' ? t.replace(/\r\n/g, '\n').replace(/\n/g, '\r\n') : t.replace(/\r\n/g, '\n');
  let text = original;
  let oldText = inEol(args.old_text);
  let newText = inEol(args.new_text);
  let found = occurrences(text, oldText);
  let normalised = false;
  if (found.length === 0 && /\r\n/.test(original)) {
    // Mixed line ends in the file: match with every line end as LF, write back with the file's.
    text = original.replace(/\r\n/g, '\n');
    oldText = args.old_text.replace(/\r\n/g, '\n');
    newText = args.new_text.replace(/\r\n/g, '\n');
    found = occurrences(text, oldText);
    normalised = true;
  }
  if (found.length === 0)
    throw noMatch(text.replace(/\r\n/g, '\n'), args.old_text.replace(/\r\n/g, '\n'), target.display);
  if (found.length > 1) {
    const lines = found.map((o) => lineOf(text, o));
    const shown = lines.slice(0, 10).join(', ') + (lines.length > 10 ? ', …' : '');
    throw new ToolError(
      'ambiguous_match',
      `old_text occurs ${found.length} times in '${target.display}' (starting at lines ${shown}); nothing was changed. Include more surrounding lines so it matches exactly one place.`,
    );
  }
  const at = found[0]!;
  let result = text.slice(0, at) + newText + text.slice(at + oldText.length);
  if (normalised && eol === '\r\n') result = result.replace(/\n/g, '\r\n');
  return commitChanges(
    [{ kind: 'update', uri: target.uri, oldText: original, newText: result, ...(loaded.bom ? { bom: true } : {}) }],
    guard,
    ctx,
  );
}

function noMatch(text: string, oldText: string, display: string): ToolError {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const wanted = oldText.replace(/\n$/, '').split('\n');
  let message = `old_text was not found in '${display}'; nothing was changed.`;
  if (wanted.some((l) => /^\s*\d+\t/.test(l)) && wanted.every((l) => l === '' || /^\s*\d+\t/.test(l))) {
    message += ' It seems to include read_file\'s line-number prefixes ("12<tab>"); leave those out.';
  }
  const region = nearestRegion(lines, wanted);
  if (region && region.score >= 0.3) {
    const regionText = lines.slice(region.start, region.start + region.length).join('\n');
    const sameIgnoringSpace = regionText.replace(/\s+/g, '') === oldText.replace(/\s+/g, '');
    message += ` The nearest match is at lines ${region.start + 1}-${region.start + region.length} (${Math.round(region.score * 100)}% similar${sameIgnoringSpace ? ', differs only in whitespace' : ''}):\n${showRegion(lines, region)}`;
  } else {
    message += ` Nothing in the file looks similar to its first line (${JSON.stringify(truncate(wanted[0] ?? '', 80))}).`;
  }
  message += '\nCopy old_text exactly from a fresh read_file and try again.';
  return new ToolError('no_match', message);
}
