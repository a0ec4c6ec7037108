// Project rules in the running extension (issue 15): loads the rules files in effect for the open
// chat (src/agent/rules.ts), puts them into the session's instructions when they change (an
// unchanged set gives byte-identical instructions, so the next request stays a delta), and gives
// the chat header's chip its list. The user's own file lies outside the workspace: it is read here
// with node:fs, never through the workspace guard.
import * as vscode from 'vscode';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { agentInstructions } from '../agent/instructions.ts';
import { AGENTS_FILE, OPTIONAL_RULES_FILES, RulesLoader, touchedPaths } from '../agent/rules.ts';
import type { RulesFile, UserRulesFile } from '../agent/rules.ts';
import type { InputItem } from '../session/protocol.ts';
import type { RulesFileView } from '../shared/messages.ts';
import { WARMLINE_IGNORE_FILE } from '../tools/guard.ts';
import type { WorkspaceHost } from '../tools/types.ts';
import { readSettings } from './settings.ts';

export interface ProjectRulesDeps {
  host: WorkspaceHost;
  session: { updateConfig(patch: { instructions: string }): void };
  /** The workspace folders' names, for the instructions. */
  folders(): string[];
  log(message: string): void;
}

/** Files whose change can change the rules in effect: the rules files, and the ignore files that decide whether they are read. */
const WATCHED_NAMES: ReadonlySet<string> = new Set([
  AGENTS_FILE,
  ...OPTIONAL_RULES_FILES.map((f) => f.slice(f.lastIndexOf('/') + 1)),
  '.gitignore',
  WARMLINE_IGNORE_FILE,
]);

export class ProjectRules {
  private readonly deps: ProjectRulesDeps;
  private readonly loader: RulesLoader;
  private files: RulesFile[] = [];
  private applied: string | undefined;
  private logged = '';
  /** watch() is on: the loader may reuse its last result until a change is seen. */
  private watching = false;

  constructor(deps: ProjectRulesDeps) {
    this.deps = deps;
    // Watched (see watch()) where every folder is local: VS Code watches those; a virtual
    // folder's provider may not, so there each request looks at the rules files' stats.
    this.loader = new RulesLoader(deps.host, () => readSettings().tools, {
      watched: () => this.watching && deps.host.roots().every((r) => r.startsWith('file:')),
    });
  }

  /** The model's instructions with the rules last loaded. */
  instructions(): string {
    const s = readSettings();
    return agentInstructions(s.instructions, this.deps.folders(), this.files);
  }

  /**
   * Loads the rules for a chat's transcript (the files it touched decide the nested AGENTS.md
   * files) and updates the session's instructions if they changed. `fresh`: look at the files even
   * where the watcher reported no change. Never throws: a failure keeps
   * the rules last loaded, and is logged.
   */
  async refresh(transcript: readonly InputItem[], fresh = false): Promise<RulesFileView[]> {
    const s = readSettings();
    if (fresh) this.loader.invalidate();
    try {
      this.files = await this.loader.load(touchedPaths(transcript), s.rules, userRulesFile(s.rules.userFile));
    } catch (err) {
      this.deps.log(`rules: could not load the project rules: ${String(err)}`);
    }
    const instructions = this.instructions();
    if (instructions !== this.applied) {
      this.applied = instructions;
      this.deps.session.updateConfig({ instructions });
    }
    const view = this.view();
    const summary = view.map((f) => `${f.path}${f.truncated ? ' (cut)' : ''}${f.refused ? ` (${f.refused})` : ''}`);
    if (summary.join('\n') !== this.logged) {
      this.logged = summary.join('\n');
      this.deps.log(`rules in effect: ${summary.join(', ') || 'none'}`);
    }
    return view;
  }

  view(): RulesFileView[] {
    return this.files.map((f) => ({
      path: f.path,
      scope: f.scope,
      bytes: f.bytes,
      ...(f.truncated ? { truncated: true } : {}),
      ...(f.refused ? { refused: f.refused } : {}),
    }));
  }

  /**
   * Calls `onChange` (debounced) when a rules file in the workspace is created, changed or deleted,
   * or a rules setting changes, so the header's list follows without waiting for a message. The
   * user's own file is outside the workspace: it is looked at again before each request.
   */
  watch(onChange: () => void): vscode.Disposable {
    let timer: NodeJS.Timeout | undefined;
    const fire = () => {
      // What the loader would reuse is stale from now on, even before the debounced refresh.
      this.loader.invalidate();
      clearTimeout(timer);
      timer = setTimeout(onChange, 300);
    };
    // Ignore files too: they decide whether a rules file may be read at all.
    const watcher = vscode.workspace.createFileSystemWatcher(`**/{${[...WATCHED_NAMES].join(',')}}`);
    const subscriptions = [
      watcher,
      watcher.onDidCreate(fire),
      watcher.onDidChange(fire),
      watcher.onDidDelete(fire),
      vscode.workspace.onDidChangeConfiguration((e) => {
        // The rules settings, and the tool settings the guard reads (secret patterns, ignore files).
        if (e.affectsConfiguration('warmline')) fire();
      }),
      // A save in the editor is seen at once (the watcher can lag behind a quick send).
      vscode.workspace.onDidSaveTextDocument((d) => {
        if (WATCHED_NAMES.has(d.uri.path.slice(d.uri.path.lastIndexOf('/') + 1))) fire();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(fire),
      vscode.workspace.onDidChangeWorkspaceFolders(fire),
    ];
    this.watching = true;
    return {
      dispose: () => {
        this.watching = false;
        clearTimeout(timer);
        for (const d of subscriptions) d.dispose();
      },
    };
  }

  /** Opens a rules file of the current list in the editor; any other path is refused. */
  async open(shown: string): Promise<boolean> {
    const file = this.files.find((f) => f.path === shown);
    if (!file) {
      this.deps.log(`rules: not opening '${shown}': it is not one of the rules files in effect`);
      return false;
    }
    const uri = file.scope === 'user' ? vscode.Uri.file(file.location) : vscode.Uri.parse(file.location, true);
    await vscode.window.showTextDocument(uri, { preview: true });
    return true;
  }
}

/** warmline.rules.userFile: `~` is the home folder; a relative path is taken from there too. Empty: none. */
export function userRulesFile(setting: string): UserRulesFile | undefined {
  const given = setting.trim();
  if (!given) return undefined;
  const home = os.homedir();
  const expanded = given === '~' ? home : given.startsWith('~/') ? path.join(home, given.slice(2)) : given;
  const location = path.resolve(home, expanded);
  return {
    display: given,
    location,
    stat: async () => {
      try {
        const st = await fs.stat(location);
        return st.isFile() ? { size: st.size, mtime: st.mtimeMs } : undefined;
      } catch {
        return undefined;
      }
    },
    read: async (maxBytes) => {
      const handle = await fs.open(location, 'r');
      try {
        const buf = Buffer.alloc(maxBytes);
        const { bytesRead } = await handle.read(buf, 0, maxBytes, 0);
        return buf.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    },
  };
}
