// What every edit tool does once its changes are computed in memory: ask the user (unless
// edits are on auto), check nothing changed underneath while they looked, apply all files or
// none through the host, then report the new errors the language servers see in those files.
import { diffLines } from 'diff';
import type { WorkspaceGuard } from './guard.ts';
import { refuseReadOnly, stripBom } from './files.ts';
import { LIMITS } from './settings.ts';
import { relativeUri } from './uri.ts';
import { readText } from './workspace-fs.ts';
import { ToolError } from './types.ts';
import type { Diagnostic, FileChange, ToolContext, ToolResult } from './types.ts';

export const REJECTED_EDIT_MESSAGE =
  'The user rejected this edit, so no file was changed. Do not retry it unchanged; ask the user what they want instead.';

/** "Edit src/a.ts", "Edit 3 files". */
export function editTitle(changes: readonly FileChange[], guard: WorkspaceGuard): string {
  if (changes.length === 1) {
    const c = changes[0]!;
    const verb = c.kind === 'add' ? 'Create' : c.kind === 'delete' ? 'Delete' : c.moveTo ? 'Move' : 'Edit';
    return `${verb} ${guard.display(c.uri)}${c.kind === 'update' && c.moveTo ? ` -> ${guard.display(c.moveTo)}` : ''}`;
  }
  return `Edit ${changes.length} files`;
}

export async function commitChanges(
  changes: FileChange[],
  guard: WorkspaceGuard,
  ctx: ToolContext,
): Promise<ToolResult> {
  guard.requireTrusted('editing files');
  if (changes.length === 0)
    return { output: 'Nothing to change: the files already have this content.', summary: 'no changes' };
  if (ctx.settings.edits !== 'auto') {
    const approved = await ctx.approve({ kind: 'edit', title: editTitle(changes, guard), changes });
    if (!approved) return { output: REJECTED_EDIT_MESSAGE, isError: true, summary: 'rejected' };
  }
  if (ctx.signal.aborted) throw new ToolError('cancelled', 'The edit was cancelled before anything was written.');
  await refuseStale(changes, guard, ctx);
  // Made read-only while the user looked: still refused, never replaced.
  for (const c of changes) if (c.kind !== 'add') await refuseReadOnly(ctx.host, c.uri, guard.display(c.uri));
  if (ctx.checkpoint) await checkpoint(changes, guard, ctx.checkpoint);

  const finalPaths = changes
    .filter((c) => c.kind !== 'delete')
    .map((c) => (c.kind === 'update' && c.moveTo ? c.moveTo : c.uri));
  const before = errorsIn(ctx, finalPaths.concat(changes.map((c) => c.uri)));
  // Files with unsaved changes in the editor get the edit in the editor and stay unsaved.
  const unsaved = changes
    .filter((c) => c.kind === 'update' && ctx.host.openDocumentText(c.uri) !== undefined)
    .map((c) => (c.kind === 'update' && c.moveTo ? c.moveTo : c.uri));
  const ok = await ctx.host.applyChanges(changes);
  if (!ok)
    throw new ToolError(
      'failed',
      'The editor could not apply the edit, so no file was changed. Read the files again and retry, or ask the user.',
    );

  if (ctx.host.waitForDiagnostics && finalPaths.length)
    await ctx.host.waitForDiagnostics(finalPaths, LIMITS.diagnosticsWaitMs);
  const after = errorsIn(ctx, finalPaths);
  const fresh = newDiagnostics(before, after);

  const lines = ['Applied the edit:'];
  for (const c of changes) lines.push(`  ${describeChange(c, guard)}`);
  if (unsaved.length) {
    lines.push(
      `Not saved: ${unsaved.map((p) => guard.display(p)).join(', ')} had unsaved changes in the editor, so the edit is in the editor only; the file on disk (and anything run from it) does not have it until the user saves.`,
    );
  }
  if (fresh.length) {
    lines.push(`New errors in the changed files (${fresh.length}):`);
    for (const d of fresh.slice(0, 20))
      lines.push(`  ${guard.display(d.path)}:${d.line}:${d.column} ${d.message}${d.source ? ` [${d.source}]` : ''}`);
    if (fresh.length > 20) lines.push(`  … ${fresh.length - 20} more (get_diagnostics lists them)`);
  } else if (finalPaths.length) {
    lines.push('No new errors reported in the changed files.');
  }
  return {
    output: lines.join('\n'),
    summary: `${changes.length} file${changes.length === 1 ? '' : 's'} changed${fresh.length ? `, ${fresh.length} new error${fresh.length === 1 ? '' : 's'}` : ''}`,
    changedFiles: [...new Set(changes.flatMap((c) => (c.kind === 'update' && c.moveTo ? [c.uri, c.moveTo] : [c.uri])))],
  };
}

/**
 * Keeps the files' state before the write (checkpoints). Only what the guard lets the tools write
 * is ever stored: the guard refused secrets, .git and ignored files already (resolve(…, 'write')),
 * and this checks again that no secret and nothing in .git gets there.
 */
async function checkpoint(
  changes: FileChange[],
  guard: WorkspaceGuard,
  save: (changes: FileChange[]) => Promise<void>,
): Promise<void> {
  for (const uri of changes.flatMap((c) => (c.kind === 'update' && c.moveTo ? [c.uri, c.moveTo] : [c.uri]))) {
    const root = guard.rootOf(uri);
    const rel = root && (relativeUri(root.uri, uri) ?? relativeUri(root.real, uri));
    if (!root || !rel || rel.split('/').includes('.git') || guard.isSecret(rel))
      throw new ToolError(
        'failed',
        `'${guard.display(uri)}' is not a file the tools may write, so nothing was written.`,
      );
  }
  try {
    await save(changes);
  } catch (err) {
    throw new ToolError(
      'failed',
      `Warmline could not keep a checkpoint of the files before editing them (${err instanceof Error ? err.message : String(err)}), so nothing was written.`,
    );
  }
}

function describeChange(c: FileChange, guard: WorkspaceGuard): string {
  if (c.kind === 'add') return `A ${guard.display(c.uri)} (${lineCount(c.newText)} lines)`;
  if (c.kind === 'delete') return `D ${guard.display(c.uri)}`;
  let added = 0;
  let removed = 0;
  for (const part of diffLines(c.oldText, c.newText)) {
    if (part.added) added += part.count ?? 0;
    else if (part.removed) removed += part.count ?? 0;
  }
  const counts = `(+${added} -${removed})`;
  return c.moveTo
    ? `R ${guard.display(c.uri)} -> ${guard.display(c.moveTo)} ${counts}`
    : `M ${guard.display(c.uri)} ${counts}`;
}

function lineCount(text: string): number {
  if (!text) return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** Refuses when a file changed between computing the edit and the user's approval. */
async function refuseStale(changes: readonly FileChange[], guard: WorkspaceGuard, ctx: ToolContext): Promise<void> {
  for (const c of changes) {
    const current = await currentText(ctx, c.uri);
    const stale = c.kind === 'add' ? current !== undefined : current !== c.oldText;
    if (stale) {
      throw new ToolError(
        'failed',
        `'${guard.display(c.uri)}' changed while the edit was waiting, so nothing was written. Read it again and redo the edit.`,
      );
    }
    if (c.kind === 'update' && c.moveTo && (await currentText(ctx, c.moveTo)) !== undefined) {
      throw new ToolError(
        'failed',
        `'${guard.display(c.moveTo)}' appeared while the edit was waiting, so nothing was written.`,
      );
    }
  }
}

async function currentText(ctx: ToolContext, uri: string): Promise<string | undefined> {
  const open = ctx.host.openDocumentText(uri);
  if (open !== undefined) return stripBom(open).text;
  return readText(ctx.host.fs, uri); // (without the BOM, as stripBom gives it)
}

function errorsIn(ctx: ToolContext, paths: readonly string[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const p of new Set(paths)) for (const d of ctx.host.diagnostics(p)) if (d.severity === 'error') out.push(d);
  return out;
}

/** Errors after the edit that were not there before (by file, message and source; lines move). */
function newDiagnostics(before: readonly Diagnostic[], after: readonly Diagnostic[]): Diagnostic[] {
  const key = (d: Diagnostic) => `${d.path}\0${d.source ?? ''}\0${d.message}`;
  const seen = new Map<string, number>();
  for (const d of before) seen.set(key(d), (seen.get(key(d)) ?? 0) + 1);
  const out: Diagnostic[] = [];
  for (const d of after) {
    const n = seen.get(key(d)) ?? 0;
    if (n > 0) seen.set(key(d), n - 1);
    else out.push(d);
  }
  return out;
}
