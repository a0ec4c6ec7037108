import * as vscode from 'vscode';
import type { TerminalSnapshot } from '../agent/mention-context.ts';

/** Output kept per terminal: its tail (the end of a command's output is what explains it). */
const MAX_CAPTURE_CHARS = 64 * 1024;
// CSI / OSC escape sequences (colours, cursor moves, shell-integration marks): not for the model.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the control sequences being removed
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

interface Capture {
  command: string;
  output: string;
  cut: number;
  exitCode?: number;
  running: boolean;
}

/**
 * `@terminal`: the last command of each terminal and its output, captured as it runs through the
 * shell-integration API (`onDidStartTerminalShellExecution`, `execution.read()`); the output of a
 * command cannot be read after the fact. A terminal without shell integration has nothing to give,
 * and the chip says so.
 */
export class TerminalCapture implements vscode.Disposable {
  private readonly last = new Map<vscode.Terminal, Capture>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor() {
    const w = vscode.window;
    // Older hosts lack the API: then every terminal reads as one without shell integration.
    if (typeof w.onDidStartTerminalShellExecution !== 'function') return;
    this.disposables.push(
      w.onDidStartTerminalShellExecution((e) => void this.capture(e.terminal, e.execution)),
      w.onDidEndTerminalShellExecution((e) => {
        const c = this.last.get(e.terminal);
        if (c && c.command === e.execution.commandLine.value) {
          c.exitCode = e.exitCode;
          c.running = false;
        }
      }),
      w.onDidCloseTerminal((t) => this.last.delete(t)),
    );
  }

  private async capture(terminal: vscode.Terminal, execution: vscode.TerminalShellExecution): Promise<void> {
    const c: Capture = { command: execution.commandLine.value, output: '', cut: 0, running: true };
    this.last.set(terminal, c);
    try {
      for await (const chunk of execution.read()) {
        if (this.last.get(terminal) !== c) return;
        c.output += chunk.replace(ANSI, '').replace(/\r\n?/g, '\n');
        if (c.output.length > MAX_CAPTURE_CHARS) {
          const drop = c.output.length - MAX_CAPTURE_CHARS;
          c.cut += drop;
          c.output = c.output.slice(drop);
        }
      }
    } catch {
      /* the terminal went away mid-read: what was read stays */
    }
  }

  /** The active terminal's last command as captured. */
  snapshot(terminal: vscode.Terminal | undefined = vscode.window.activeTerminal): TerminalSnapshot {
    if (!terminal) return { state: 'no-terminal' };
    const c = this.last.get(terminal);
    if (c)
      return {
        state: 'ok',
        terminal: terminal.name,
        command: c.command,
        output: c.output.trimEnd(),
        exitCode: c.exitCode,
        cut: c.cut,
        running: c.running,
      };
    if (!terminal.shellIntegration) return { state: 'no-shell-integration', terminal: terminal.name };
    return { state: 'nothing-run', terminal: terminal.name };
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
