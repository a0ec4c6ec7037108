// What the chips attached to a message (`@file`, a selection, `@folder`, `@problems`,
// `@terminal`, `@git`) become for the model: text, each part through the tools or the guard, so
// an attachment can show nothing a tool could not (no secrets, no ignored files, nothing outside
// the workspace), and bounded, the cut said. Images are not text: they go as `input_image` parts.
import type { ContextChip } from '../shared/messages.ts';
import { gitChangesText } from '../tools/git-diff.ts';
import type { GitRunner } from '../tools/git-diff.ts';
import { boundOutput } from '../tools/output.ts';
import { ToolError } from '../tools/types.ts';
import type { ToolContext } from '../tools/types.ts';
import type { ToolDispatcher } from './loop.ts';

/** The active terminal's last command, as shell integration saw it run. */
export type TerminalSnapshot =
  | { state: 'no-terminal' }
  /** The terminal has no shell integration (or it has not activated): its output cannot be read. */
  | { state: 'no-shell-integration'; terminal: string }
  | { state: 'nothing-run'; terminal: string }
  | {
      state: 'ok';
      terminal: string;
      command: string;
      output: string;
      exitCode?: number;
      /** Bytes of output left out before `output` (the capture keeps the tail). */
      cut: number;
      /** Still running when attached. */
      running: boolean;
    };

export interface MentionSources {
  tools: Pick<ToolDispatcher, 'dispatch'>;
  toolContext(): ToolContext;
  terminal?(): TerminalSnapshot;
  git?: GitRunner;
}

/** Folder listings, problems and the like are bounded tighter than a tool's output: they ride along with a message. */
export const MENTION_MAX_BYTES = 16 * 1024;

/** The attached context as text for the model; refusals and what is unavailable are said plainly. */
export async function mentionContextText(chips: ContextChip[], src: MentionSources): Promise<string> {
  const parts: string[] = [];
  for (const chip of chips) {
    if (chip.kind === 'image') continue;
    const body = await chipText(chip, src);
    const attr = chip.kind === 'file' || chip.kind === 'selection' || chip.kind === 'folder' ? chip.label : chip.kind;
    parts.push(`<attached ${chip.kind}="${attr}">\n${body}\n</attached>`);
  }
  return parts.join('\n\n');
}

async function chipText(chip: ContextChip, src: MentionSources): Promise<string> {
  const tool = async (name: string, args: Record<string, unknown>): Promise<string> =>
    (
      await src.tools.dispatch(
        { type: 'function', name, callId: 'context', raw: JSON.stringify(args) },
        src.toolContext(),
      )
    ).output;
  switch (chip.kind) {
    case 'file':
    case 'selection':
      return tool('read_file', {
        path: chip.path,
        ...(chip.range ? { start_line: chip.range.start, end_line: chip.range.end } : {}),
      });
    case 'folder':
      return bound(await tool('list_files', { path: chip.path || '.', glob: null, recursive: true }));
    case 'problems':
      return bound(await tool('get_diagnostics', { path: null, severity: 'all' }));
    case 'terminal':
      return terminalText(src.terminal?.() ?? { state: 'no-terminal' });
    case 'git':
      try {
        return bound(await gitChangesText(src.toolContext(), src.git));
      } catch (err) {
        if (err instanceof ToolError) return err.message;
        throw err;
      }
    default:
      return '';
  }
}

function bound(text: string): string {
  return boundOutput(text, MENTION_MAX_BYTES, { hint: 'ask for less with a tool' });
}

export function terminalText(t: TerminalSnapshot): string {
  switch (t.state) {
    case 'no-terminal':
      return 'No terminal is open, so there is no terminal output to attach.';
    case 'no-shell-integration':
      return `The terminal "${t.terminal}" has no shell integration, so its output cannot be read. (Shell integration works in bash, zsh, fish and PowerShell terminals VS Code starts.)`;
    case 'nothing-run':
      return `No command has run in the terminal "${t.terminal}" since Warmline started, so there is no output to attach.`;
    case 'ok': {
      const status = t.running
        ? 'still running'
        : t.exitCode === undefined
          ? 'exit code unknown'
          : `exit ${t.exitCode}`;
      const cut = t.cut ? `[... the first ${t.cut} bytes of output left out]\n` : '';
      return bound(`$ ${t.command}\n${cut}${t.output}\n(${status}; terminal "${t.terminal}")`);
    }
  }
}
