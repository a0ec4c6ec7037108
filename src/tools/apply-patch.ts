// apply_patch, offered two ways: as a freeform custom tool whose input is the raw patch
// (constrained by a Lark grammar), and as the function tool apply_patch_json taking
// {patch} for servers without custom tools. Same parser, same all-or-nothing application.
import { commitChanges } from './edit-flow.ts';
import { WorkspaceGuard } from './guard.ts';
import { planPatch } from './patch-apply.ts';
import { APPLY_PATCH_LARK_GRAMMAR, PatchParseError, describeHunks, parsePatch } from './patch-parser.ts';
import type { ParsedPatch } from './patch-parser.ts';
import { object, string } from './schema.ts';
import { ToolError } from './types.ts';
import type { Tool, ToolContext, ToolResult } from './types.ts';

export const APPLY_PATCH_INSTRUCTIONS = `Edit files with a patch. The patch is plain text:

*** Begin Patch
*** Add File: path/new_file.ts
+every line of the new file, each starting with +
*** Update File: path/existing.ts
*** Move to: path/renamed.ts   (optional: renames the file)
@@ a line near the change, e.g. a function or class header (optional)
 unchanged line (starts with a space)
-line to remove
+line to add
 unchanged line
*** Delete File: path/old.ts
*** End Patch

Rules: paths are relative to the workspace root. In an Update File section, each @@ hunk shows about 3 unchanged lines before and after each change so it can be located; use several @@ hunks for changes far apart, in file order. Copy removed and context lines exactly from the file (without read_file's line-number prefixes). Add "*** End of File" after a hunk that must match the end of the file. Add File refuses an existing file; Update and Delete need an existing one. The whole patch applies, or nothing does.`;

function toolError(e: unknown): never {
  if (e instanceof PatchParseError)
    throw new ToolError('invalid_arguments', `The patch is malformed at ${e.message}. Nothing was changed.`);
  throw e;
}

function parseRawPatch(raw: string): ParsedPatch {
  let text = raw;
  // A function-style call to the custom tool ({"patch": "..."} or {"input": "..."}) still works.
  if (/^\s*\{/.test(text)) {
    try {
      const value = JSON.parse(text) as Record<string, unknown>;
      const inner = value.patch ?? value.input;
      if (typeof inner === 'string') text = inner;
    } catch {
      /* not JSON: parse as a patch and report what is wrong with it */
    }
  }
  try {
    return parsePatch(text);
  } catch (e) {
    return toolError(e);
  }
}

async function runPatch(patch: ParsedPatch, ctx: ToolContext): Promise<ToolResult> {
  const guard = WorkspaceGuard.for(ctx);
  guard.requireTrusted('editing files');
  let changes;
  try {
    changes = await planPatch(patch, guard, ctx.host);
  } catch (e) {
    if (e instanceof ToolError && !/Nothing was changed|no file was changed/i.test(e.message))
      throw new ToolError(e.code, `${e.message.trimEnd()} Nothing was changed.`);
    throw e;
  }
  return commitChanges(changes, guard, ctx);
}

export const applyPatchTool: Tool<ParsedPatch> = {
  name: 'apply_patch',
  readOnly: false,
  fallback: { name: 'apply_patch_json', argument: 'patch' },
  definition: {
    type: 'custom',
    name: 'apply_patch',
    description: `${APPLY_PATCH_INSTRUCTIONS}\nSend the patch text itself as the tool input (no JSON).`,
    format: { type: 'grammar', syntax: 'lark', definition: APPLY_PATCH_LARK_GRAMMAR },
  },
  parse: parseRawPatch,
  describe: (patch) => describeHunks(patch.hunks),
  run: runPatch,
};

const jsonSchema = object('apply_patch_json', {
  patch: string('The whole patch, from "*** Begin Patch" to "*** End Patch", with real newlines between lines.', {
    minLength: 1,
  }),
});

export const applyPatchJsonTool: Tool<ParsedPatch> = {
  name: 'apply_patch_json',
  readOnly: false,
  definition: {
    type: 'function',
    name: 'apply_patch_json',
    description: `${APPLY_PATCH_INSTRUCTIONS}\nPass the patch text in the "patch" field.`,
    strict: true,
    parameters: jsonSchema.jsonSchema,
  },
  parse: (raw) => {
    const { patch } = jsonSchema.parse(raw);
    try {
      return parsePatch(patch);
    } catch (e) {
      return toolError(e);
    }
  },
  describe: (patch) => describeHunks(patch.hunks),
  run: runPatch,
};
