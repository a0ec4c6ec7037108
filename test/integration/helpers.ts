// Shared helpers for the integration tests (they run inside the extension host).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'warmline.warmline';

/** The extension under test, activated. */
export async function activeExtension(): Promise<vscode.Extension<unknown>> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not installed`);
  await ext.activate();
  return ext;
}

/** The folder the runner opened: a copy of test/fixtures/workspace. */
export function fixtureFolder(): vscode.WorkspaceFolder {
  const folders = vscode.workspace.workspaceFolders ?? [];
  assert.equal(folders.length, 1, 'expected exactly one workspace folder');
  const folder = folders[0];
  assert.ok(folder);
  return folder;
}

/** Reads a file of the fixture workspace as text. */
export async function readFixtureFile(relative: string): Promise<string> {
  const bytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(fixtureFolder().uri, relative));
  return new TextDecoder().decode(bytes);
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Puts a fixture file back as the repository has it, on disk and in any open editor (saved), so
 * no test sees what an earlier one left, however its editors were closed. Returns the text.
 */
export async function restoreFixture(relative: string): Promise<string> {
  // out/test/integration/<file>.js -> the repository's test/fixtures/workspace.
  const text = fs.readFileSync(path.resolve(__dirname, '../../../test/fixtures/workspace', relative), 'utf8');
  const uri = vscode.Uri.joinPath(fixtureFolder().uri, relative);
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (doc && doc.getText() !== text) {
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, new vscode.Range(0, 0, doc.lineCount, 0), text);
    await vscode.workspace.applyEdit(edit);
  }
  if (doc?.isDirty) await doc.save();
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  return text;
}
