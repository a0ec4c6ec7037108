import * as vscode from 'vscode';
import type { SessionState, TurnMetrics } from '../session/manager.ts';

const LOOK: Record<SessionState, { icon: string; text: string; tip: string }> = {
  idle: { icon: 'circle-outline', text: 'Warmline', tip: 'Not connected yet' },
  connecting: { icon: 'loading~spin', text: 'Warmline', tip: 'Connecting…' },
  warming: { icon: 'loading~spin', text: 'Warmline', tip: 'Warming up the connection…' },
  warm: { icon: 'zap', text: 'Warmline', tip: 'Connected and warm: the next turn starts fast' },
  busy: { icon: 'sync~spin', text: 'Warmline', tip: 'Working…' },
  compacting: { icon: 'fold', text: 'Warmline', tip: "Compacting the conversation to fit the model's context window…" },
  reconnecting: { icon: 'debug-disconnect', text: 'Warmline', tip: 'Reconnecting…' },
  http: { icon: 'globe', text: 'Warmline (HTTP)', tip: 'Using HTTP: each turn resends the conversation' },
  no_key: { icon: 'key', text: 'Warmline: set API key', tip: 'No API key is set. Click to set one.' },
  error: { icon: 'error', text: 'Warmline', tip: 'The last request failed. Click for the log.' },
  closed: { icon: 'circle-slash', text: 'Warmline', tip: 'Closed' },
};

/** The connection state and the last turn's figures, at the right of the status bar. */
export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('warmline.status', vscode.StatusBarAlignment.Right, 100);
  private state: SessionState = 'idle';
  private detail?: string;
  private last?: TurnMetrics;
  private mode = '';

  constructor() {
    this.item.name = 'Warmline';
    this.render();
    this.item.show();
  }

  /** The text as shown, for tests and screen readers. */
  get text(): string {
    return this.item.text;
  }

  setState(state: SessionState, detail?: string): void {
    this.state = state;
    this.detail = detail;
    this.render();
  }

  /** How the session talks to the server now, e.g. "WebSocket + warmup" or "HTTP, full history each turn". */
  setMode(mode: string): void {
    this.mode = mode;
    this.render();
  }

  setMetrics(m: TurnMetrics): void {
    this.last = m;
    this.render();
  }

  private render(): void {
    const look = LOOK[this.state];
    // The transport actually in use, from the first turn (a fallback to HTTP shows while busy too).
    const text = look.text === 'Warmline' && this.mode.startsWith('HTTP') ? 'Warmline (HTTP)' : look.text;
    this.item.text = `$(${look.icon}) ${text}`;
    const lines = [`**Warmline**: ${look.tip}`];
    if (this.mode) lines.push(`Mode: ${this.mode}`);
    if (this.detail) lines.push(this.detail);
    if (this.last) {
      const m = this.last;
      lines.push(
        `Last turn: ${m.timeToFirstTextMs ?? m.timeToFirstEventMs ?? '-'} ms to first token, ${m.totalMs} ms total, ${m.transport} ${m.mode}`,
      );
    }
    const tip = new vscode.MarkdownString(lines.join('\n\n'));
    tip.isTrusted = false;
    this.item.tooltip = tip;
    this.item.accessibilityInformation = { label: `Warmline: ${look.tip}` };
    this.item.command =
      this.state === 'no_key'
        ? 'warmline.setApiKey'
        : this.state === 'error'
          ? 'warmline.showLog'
          : 'warmline.focusChat';
    this.item.backgroundColor =
      this.state === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}
