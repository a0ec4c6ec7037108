// The import-boundary rules of biome.jsonc (README, "Layers") fire where they should and only there.
// Each case is a small file written at a path inside a layer of a scratch folder that holds a copy
// of biome.jsonc and its plugin; one `biome lint` run over the folder, then each import line is
// checked: reported by the expected boundary rule, or by none. Other rules' findings are ignored.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = path.resolve(import.meta.dirname, '../..');
const BIOME = path.join(REPO, 'node_modules', '@biomejs', 'biome', 'bin', 'biome');

type Boundary = 'noRestrictedImports' | 'noNodejsModules' | 'plugin';

/** One import line and the boundary rules that must report it (none: no boundary rule may). */
type Line = [code: string, ...expected: Boundary[]];

const R = 'noRestrictedImports';
const N = 'noNodejsModules';
const P = 'plugin';

const CASES: Record<string, Line[]> = {
  'src/session/probe.ts': [
    ["import { a } from '../agent/loop.ts';", R],
    ["import type { b } from '../tools/types.ts';", R],
    ["import { c } from '../ui/commands.ts';", R],
    ["import { d } from '../webview/dom.ts';", R],
    ["import type { e } from '../shared/messages.ts';", R],
    ["import { f } from '../extension.ts';", R],
    ["import * as vscode from 'vscode';", R],
    ["import { g } from './protocol.ts';"],
    ["import { createHash } from 'node:crypto';"],
    ["import { WebSocket } from 'ws';"],
  ],
  'src/webview/view/probe.ts': [
    ["import type { a } from '../../session/protocol.ts';", R],
    ["import { b } from '../../agent/conversation.ts';", R],
    ["import { c } from '../../tools/output.ts';", R],
    ["import { d } from '../../ui/chat-html.ts';", R],
    ["import * as vscode from 'vscode';", R],
    ["import fs from 'node:fs';", N],
    ["import path from 'path';", N],
    ["import type { e } from '../../shared/messages.ts';"],
    ["import { h } from '../dom.ts';"],
    ["import { f } from './chips.ts';"],
    ["import MarkdownIt from 'markdown-it';"],
  ],
  'src/agent/probe.ts': [
    ["import { a } from '../ui/chat-controller.ts';", R],
    ["import { b } from '../webview/main.ts';", R],
    ["import * as vscode from 'vscode';", R],
    ["import { c } from '../session/manager.ts';"],
    ["import type { d } from '../tools/types.ts';"],
    ["import type { e } from '../shared/messages.ts';"],
    ["import fs from 'node:fs';"],
  ],
  'src/tools/probe.ts': [
    ["import { a } from '../agent/loop.ts';", R],
    ["import { b } from '../ui/commands.ts';", R],
    ["import { c } from '../webview/dom.ts';", R],
    ["import type { d } from '../shared/messages.ts';", R],
    ["import * as vscode from 'vscode';", R],
    ["import type { e } from '../session/manager.ts';", R],
    ["import { userMessage } from '../session/protocol.ts';", P],
    ["import { type f } from '../session/protocol.ts';", P],
    ["import type { ToolDefinition } from '../session/protocol.ts';"],
    ["import { g } from './guard.ts';"],
    ["import fs from 'node:fs';"],
  ],
  // The one file of src/tools that may import `vscode`; the layer's other rules still hold.
  'src/tools/vscode-host.ts': [
    ["import * as vscode from 'vscode';"],
    ["import type { ToolDefinition } from '../session/protocol.ts';"],
    ["import { a } from '../agent/loop.ts';", R],
    ["import { b } from '../ui/commands.ts';", R],
    ["import { messageText } from '../session/protocol.ts';", P],
  ],
  'src/shared/probe.ts': [
    ["import type { a } from '../session/manager.ts';"],
    ["import type { b } from '../session/protocol.ts';"],
    ["export type { c } from '../session/protocol.ts';"],
    ["import type { d } from './other.ts';"],
    ["import { isKnownEvent } from '../session/protocol.ts';", P],
    ["export { e } from '../session/protocol.ts';", P],
    ["export * from '../session/errors.ts';", P],
    ["import type { f } from '../agent/conversation.ts';", R],
    ["import type { g } from '../webview/protocol.ts';", R],
    ["import * as vscode from 'vscode';", R],
    ["import type { WebSocket } from 'ws';", R],
    ["import fs from 'node:fs';", R, N],
  ],
  'src/ui/probe.ts': [
    ["import * as vscode from 'vscode';"],
    ["import { a } from '../agent/loop.ts';"],
    ["import type { b } from '../webview/protocol.ts';"],
  ],
  'src/extension.ts': [["import * as vscode from 'vscode';"]],
  // The tests that run in the extension host may import `vscode`; nothing else outside src/ may.
  'test/integration/probe.test.ts': [["import * as vscode from 'vscode';"]],
  'test/providers/vscode/probe.test.ts': [["import * as vscode from 'vscode';"]],
  'test/integration/run-electron.ts': [["import * as vscode from 'vscode';", R]],
  'test/unit/probe.test.ts': [
    ["import * as vscode from 'vscode';", R],
    ["import { a } from '../../src/session/manager.ts';"],
  ],
  'test/providers/probe.test.ts': [["import * as vscode from 'vscode';", R]],
  'bench/probe.ts': [["import * as vscode from 'vscode';", R]],
};

let scratch = '';
/** file -> line -> boundary rules reported on that line. */
const found = new Map<string, Map<number, Set<Boundary>>>();
let output = '';

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'warmline-lint-'));
  fs.copyFileSync(path.join(REPO, 'biome.jsonc'), path.join(scratch, 'biome.jsonc'));
  fs.cpSync(path.join(REPO, 'biome'), path.join(scratch, 'biome'), { recursive: true });
  for (const [file, lines] of Object.entries(CASES)) {
    fs.mkdirSync(path.dirname(path.join(scratch, file)), { recursive: true });
    fs.writeFileSync(path.join(scratch, file), `${lines.map(([code]) => code).join('\n')}\n`);
  }
  // The scratch folder is no git checkout: no VCS, so no .gitignore to look for.
  const r = spawnSync(
    process.execPath,
    [BIOME, 'lint', '--vcs-enabled=false', '--reporter=github', '--colors=off', '--max-diagnostics=none', '.'],
    { cwd: scratch, encoding: 'utf8' },
  );
  output = `${r.stdout}\n${r.stderr}`;
  if (r.error) throw r.error;
  for (const m of r.stdout.matchAll(/^::\w+ title=([^,]+),file=([^,]+),line=(\d+),.*$/gm)) {
    const rule = m[1]!.split('/').at(-1) as string;
    if (rule !== 'noRestrictedImports' && rule !== 'noNodejsModules' && rule !== 'plugin') continue;
    const file = path.relative(scratch, m[2]!).split(path.sep).join('/');
    const byLine = found.get(file) ?? new Map<number, Set<Boundary>>();
    found.set(file, byLine);
    const rules = byLine.get(Number(m[3])) ?? new Set<Boundary>();
    byLine.set(Number(m[3]), rules.add(rule));
  }
});

afterAll(() => {
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

describe('import boundaries (biome.jsonc)', () => {
  it('biome ran and reported on the probe files', () => {
    expect(found.size, output).toBeGreaterThan(0);
    expect(output).not.toMatch(/configuration resulted in errors|Error executing the Grit query/);
  });

  for (const [file, lines] of Object.entries(CASES)) {
    describe(file, () => {
      lines.forEach(([code, ...expected], i) => {
        it(`${expected.length ? `${expected.join(' and ')} report` : 'allows'}: ${code}`, () => {
          const rules = [...(found.get(file)?.get(i + 1) ?? [])].sort();
          const report = output
            .split('\n')
            .filter((l) => l.includes(`/${file},`))
            .join('\n');
          expect(rules, `biome's findings in ${file}:\n${report || '(none)'}`).toEqual(expected.sort());
        });
      });
    });
  }
});
