// Helpers for driving Warmline in the real extension host: its API (what activate() returns),
// and the Responses emulator (a scripted test double, started in this process) wired in through
// the extension's own settings, as a user would point it at a server.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { WarmlineApi } from '../../src/extension.ts';
import type { HostMessage } from '../../src/shared/messages.ts';
import { startEmulator } from '../emulator/server.ts';
import type { Emulator, EmulatorOptions } from '../emulator/types.ts';
import { activeExtension, waitFor } from './helpers.ts';

export async function warmline(): Promise<WarmlineApi> {
  const ext = await activeExtension();
  return ext.exports as WarmlineApi;
}

const config = () => vscode.workspace.getConfiguration('warmline');

export async function setSettings(values: Record<string, unknown>): Promise<void> {
  for (const [key, value] of Object.entries(values))
    await config().update(key, value, vscode.ConfigurationTarget.Workspace);
}

const TOUCHED = ['provider', 'baseUrl', 'model', 'transport', 'approvals.edits', 'approvals.tasks', 'shell.enabled'];

export async function resetSettings(): Promise<void> {
  for (const key of TOUCHED) await config().update(key, undefined, vscode.ConfigurationTarget.Workspace);
}

let current: Emulator | undefined;

/**
 * Starts the emulator with a scenario and points Warmline at it; resolves once the session has
 * warmed up both its lanes against it.
 */
export async function useEmulator(
  scenario: EmulatorOptions['scenario'],
  settings: Record<string, unknown> = {},
  options: Partial<EmulatorOptions> = {},
): Promise<Emulator> {
  await stopEmulator();
  const emu = await startEmulator({ scenario, mode: 'strict', chunkDelayMs: 2, ...options });
  current = emu;
  const api = await warmline();
  api.chat.newChat(); // each test its own conversation
  await setSettings({ baseUrl: emu.url, model: 'emulator-scripted', transport: 'websocket', ...settings });
  // Settings written one by one may each reconnect (after a short debounce): wait until the
  // warmups have stopped coming, so a test's first turn does not race a reconnect.
  let seen = -1;
  let stableSince = Date.now();
  await waitFor(
    () => {
      const warm = emu.requests.filter((r) => r.generate === false && r.outcome === 'completed').length;
      if (warm !== seen) {
        seen = warm;
        stableSince = Date.now();
      }
      return warm >= 2 && api.session.state === 'warm' && Date.now() - stableSince > 500;
    },
    15_000,
    'both lanes to warm up against the emulator',
  );
  return emu;
}

export async function stopEmulator(): Promise<void> {
  if (!current) return;
  const emu = current;
  current = undefined;
  assert.deepEqual(emu.violations, [], 'the emulator saw protocol violations');
  await emu.close();
}

/** Sends a chat message and waits until the whole request has finished. */
export async function chat(text: string): Promise<void> {
  const api = await warmline();
  const finished = new Promise<void>((resolve) => {
    const d = api.chat.onDidFinishTurn(() => {
      d.dispose();
      resolve();
    });
  });
  await api.chat.send(text);
  await finished;
}

export async function openFixture(relative: string): Promise<vscode.TextEditor> {
  const folder = vscode.workspace.workspaceFolders![0]!;
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, relative));
  return vscode.window.showTextDocument(doc);
}

/** Resolves after the chat's next `n` turns have finished. */
export function finishedTurns(api: WarmlineApi, n = 1): Promise<void> {
  return new Promise<void>((resolve) => {
    let left = n;
    const d = api.chat.onDidFinishTurn(() => {
      if (--left === 0) {
        d.dispose();
        resolve();
      }
    });
  });
}

/** Attaches a recording sink in place of the webview (the controller gives it the whole chat first). */
export function record(api: WarmlineApi): HostMessage[] {
  const sent: HostMessage[] = [];
  api.chat.attach((m) => sent.push(m));
  return sent;
}
