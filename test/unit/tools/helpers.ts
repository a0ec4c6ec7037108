// Fixture workspaces in temporary folders, a NodeHost over them, and a ToolContext that
// records progress and approval requests.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { createGrepTool } from '../../../src/tools/grep.ts';
import { NodeHost } from '../../../src/tools/node-host.ts';
import type { NodeHostOptions } from '../../../src/tools/node-host.ts';
import { findEditorRipgrep, findOnPath } from '../../../src/tools/ripgrep-locate.ts';
import { withDefaults } from '../../../src/tools/settings.ts';
import { ToolError } from '../../../src/tools/types.ts';
import { fileUri } from '../../../src/tools/uri.ts';
import type { ApprovalRequest, Tool, ToolContext, ToolResult, ToolSettings } from '../../../src/tools/types.ts';

export interface Fixture {
  root: string;
  abs(rel: string): string;
  /** The file's URI, as the tools name it. */
  uri(rel: string): string;
  read(rel: string): string;
  exists(rel: string): boolean;
  write(rel: string, content: string | Buffer): void;
}

const created: string[] = [];

/** A temporary folder with these files (a trailing "/" makes an empty folder). */
export function fixture(files: Record<string, string | Buffer> = {}, name = 'ws'): Fixture {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'warmline-tools-'));
  created.push(base);
  const root = path.join(base, name);
  fs.mkdirSync(root);
  const f: Fixture = {
    root,
    abs: (rel) => path.join(root, ...rel.split('/')),
    uri: (rel) => fileUri(path.join(root, ...rel.split('/'))),
    read: (rel) => fs.readFileSync(f.abs(rel), 'utf8'),
    exists: (rel) => fs.existsSync(f.abs(rel)),
    write: (rel, content) => {
      const p = f.abs(rel);
      if (rel.endsWith('/')) {
        fs.mkdirSync(p, { recursive: true });
        return;
      }
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, content);
    },
  };
  for (const [rel, content] of Object.entries(files)) f.write(rel, content);
  return f;
}

export function cleanupFixtures(): void {
  while (created.length) fs.rmSync(created.pop()!, { recursive: true, force: true });
}

export interface TestContext extends ToolContext {
  host: NodeHost;
  chunks: string[];
  approvals: ApprovalRequest[];
  controller: AbortController;
}

export function context(
  hostOrRoot: NodeHost | string | string[],
  settings: Partial<ToolSettings> = {},
  opts: {
    approve?: boolean | ((r: ApprovalRequest) => boolean | Promise<boolean>);
    host?: Partial<NodeHostOptions>;
  } = {},
): TestContext {
  const host =
    hostOrRoot instanceof NodeHost
      ? hostOrRoot
      : new NodeHost({ roots: Array.isArray(hostOrRoot) ? hostOrRoot : [hostOrRoot], ...opts.host });
  const controller = new AbortController();
  const chunks: string[] = [];
  const approvals: ApprovalRequest[] = [];
  const answer = opts.approve ?? true;
  return {
    host,
    settings: withDefaults(settings),
    signal: controller.signal,
    controller,
    chunks,
    approvals,
    progress: (c) => {
      chunks.push(c);
    },
    approve: async (r) => {
      approvals.push(r);
      return typeof answer === 'function' ? answer(r) : answer;
    },
  };
}

/** Parses and runs a tool like the registry does, but lets ToolErrors through. */
export async function run<A>(tool: Tool<A>, args: unknown, ctx: ToolContext): Promise<ToolResult> {
  const raw = typeof args === 'string' ? args : JSON.stringify(args);
  return tool.run(tool.parse(raw), ctx);
}

/** Expects the promise to reject with a ToolError of this code (and message match). */
export async function expectToolError(
  p: Promise<unknown> | (() => unknown),
  code: ToolError['code'],
  message?: RegExp,
): Promise<ToolError> {
  let error: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    error = e;
  }
  expect(error, `expected a ToolError '${code}'`).toBeInstanceOf(ToolError);
  const te = error as ToolError;
  expect(te.code, te.message).toBe(code);
  if (message) expect(te.message).toMatch(message);
  return te;
}

/** Whether a process is alive (a zombie counts as dead: it has exited, only not been reaped). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true;
  }
}

/** Live (not zombie) processes in a process group, from /proc. */
export function liveGroupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields: state ppid pgrp ...
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') out.push(Number(name));
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

export async function waitUntil(check: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return check();
}

/** The ripgrep the tests use: VS Code's own (code-server's copy, installed by .ci/vscode-tools), else `rg` on PATH. */
export const TEST_RG: string | undefined =
  findEditorRipgrep(
    path.join(path.resolve(import.meta.dirname, '../../..'), '.tools/vscode/node_modules/code-server/lib/vscode'),
  ) ?? findOnPath('rg');

/** grep on both engines: the pure-Node one, and ripgrep where one was found. */
export function grepEngines(): Array<{ label: 'node' | 'ripgrep'; tool: ReturnType<typeof createGrepTool> }> {
  return [
    { label: 'node', tool: createGrepTool({ engine: 'node' }) },
    ...(TEST_RG ? [{ label: 'ripgrep' as const, tool: createGrepTool({ rgPath: TEST_RG }) }] : []),
  ];
}
