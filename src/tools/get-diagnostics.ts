// get_diagnostics: the problems the language servers report, for one file or the workspace,
// most severe first, bounded. Secrets and ignored files are left out.
import { WorkspaceGuard } from './guard.ts';
import { boundOutput } from './output.ts';
import { object, optional, string } from './schema.ts';
import type { ArgsOf } from './schema.ts';
import { LIMITS } from './settings.ts';
import type { Diagnostic, Tool, ToolContext, ToolResult } from './types.ts';
import { isInsideUri, relativeUri, toUri } from './uri.ts';

const shape = {
  path: optional(string('A file (or folder) relative to the workspace root. Null for the whole workspace.')),
  severity: optional(
    string(
      '"error" for errors only, "warning" (the default) for errors and warnings, "all" to include hints and info.',
      { enum: ['error', 'warning', 'all'] },
    ),
  ),
};
const schema = object('get_diagnostics', shape);
export type GetDiagnosticsArgs = ArgsOf<typeof shape>;

const RANK: Record<Diagnostic['severity'], number> = { error: 0, warning: 1, info: 2, hint: 3 };

export const getDiagnosticsTool: Tool<GetDiagnosticsArgs> = {
  name: 'get_diagnostics',
  readOnly: true,
  definition: {
    type: 'function',
    name: 'get_diagnostics',
    description:
      'List the problems (compile errors, lint warnings) the editor reports for a file, a folder or the whole workspace, as path:line:column severity message [source]. Use it after edits to check your work.',
    strict: true,
    parameters: schema.jsonSchema,
  },
  parse: (raw) => schema.parse(raw),
  describe: (args) => args.path ?? 'workspace',
  run: getDiagnostics,
};

async function getDiagnostics(args: GetDiagnosticsArgs, ctx: ToolContext): Promise<ToolResult> {
  const guard = WorkspaceGuard.for(ctx);
  const max = args.severity === 'error' ? 0 : args.severity === 'all' ? 3 : 1;
  let list: Diagnostic[];
  let where = 'the workspace';
  if (args.path !== undefined && args.path.trim() !== '' && args.path.trim() !== '.') {
    const target = await guard.resolve(args.path, 'read');
    where = target.display;
    if (target.stat?.type === 'directory') {
      list = ctx.host.diagnostics().filter((d) => isInsideUri(target.uri, toUri(d.path)));
    } else {
      list = ctx.host.diagnostics(target.uri);
    }
  } else {
    list = ctx.host.diagnostics();
  }
  // Nothing from secrets or files outside the workspace; no ignored files either.
  const memo = new Map<string, boolean>();
  const visible: Diagnostic[] = [];
  for (const d of list) {
    if (RANK[d.severity] > max) continue;
    const uri = toUri(d.path);
    const root = guard.rootOf(uri);
    if (!root) continue;
    const rootRel = relativeUri(root.uri, uri) ?? relativeUri(root.real, uri) ?? '';
    await guard.prepare(root, rootRel.split('/').slice(0, -1).join('/'));
    if (guard.hiddenBelow(root, '', rootRel, memo)) continue;
    visible.push(d);
  }
  visible.sort(
    (a, b) =>
      RANK[a.severity] - RANK[b.severity] ||
      (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) ||
      a.line - b.line ||
      a.column - b.column,
  );

  const counts = (['error', 'warning', 'info', 'hint'] as const)
    .map((s) => [s, visible.filter((d) => d.severity === s).length] as const)
    .filter(([, n]) => n > 0);
  const summary = counts.length
    ? counts.map(([s, n]) => `${n} ${s}${n === 1 ? '' : s === 'info' ? '' : 's'}`).join(', ')
    : 'no problems';
  if (visible.length === 0)
    return {
      output: `No problems reported in ${where}${max < 3 ? ` (at ${args.severity ?? 'warning'} level or above)` : ''}.`,
      summary,
    };
  const lines = [`${summary} in ${where}:`];
  for (const d of visible.slice(0, LIMITS.maxDiagnostics)) {
    lines.push(
      `${guard.display(d.path)}:${d.line}:${d.column} ${d.severity} ${d.message.replace(/\s*\n\s*/g, ' ')}${d.source ? ` [${d.source}]` : ''}`,
    );
  }
  if (visible.length > LIMITS.maxDiagnostics)
    lines.push(
      `[... ${visible.length - LIMITS.maxDiagnostics} more not shown (limit ${LIMITS.maxDiagnostics}); ask for one file or severity "error"]`,
    );
  return {
    output: boundOutput(lines.join('\n'), ctx.settings.maxOutputBytes, {
      hint: 'ask for one file or severity "error"',
    }),
    summary,
  };
}
