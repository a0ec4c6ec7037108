// Turn figures in the words of the header line: "first token 320 ms · 2.4 s · 1,234 tokens · saved 12.3 KB".
import type { TurnFigures } from '../../shared/messages.ts';

// One formatter: toLocaleString builds a new Intl.NumberFormat on every call (~ms each).
const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

export function formatKB(bytes: number): string {
  if (bytes <= 0) return '0 KB';
  const kb = bytes / 1024;
  if (kb >= 1024) return `${(kb / 1024).toFixed(1)} MB`;
  return `${kb < 100 ? kb.toFixed(1) : integer.format(kb)} KB`;
}

export function formatTokens(f: TurnFigures): string | undefined {
  if (f.inputTokens === undefined && f.outputTokens === undefined) return undefined;
  const total = (f.inputTokens ?? 0) + (f.outputTokens ?? 0);
  return `${integer.format(total)} tokens`;
}

export interface FigureItem {
  key: 'ttft' | 'total' | 'tokens' | 'saved';
  text: string;
  title: string;
}

export function figureItems(f: TurnFigures): FigureItem[] {
  const items: FigureItem[] = [];
  if (f.ttftMs !== undefined)
    items.push({ key: 'ttft', text: `first token ${formatMs(f.ttftMs)}`, title: 'Time from send to the first text' });
  items.push({ key: 'total', text: formatMs(f.totalMs), title: 'Total time of the turn' });
  const tokens = formatTokens(f);
  const cached = f.cachedTokens ? `, ${integer.format(f.cachedTokens)} of them from the server's prompt cache` : '';
  if (tokens)
    items.push({
      key: 'tokens',
      text: tokens,
      title: `${integer.format(f.inputTokens ?? 0)} in${cached}, ${integer.format(f.outputTokens ?? 0)} out`,
    });
  items.push({
    key: 'saved',
    text: f.transport === 'websocket' ? `saved ${formatKB(f.savedBytes)}` : 'HTTP',
    title:
      f.transport === 'websocket'
        ? 'Request bytes the socket did not resend, compared with resending the whole history'
        : 'Sent over HTTP: the whole history was sent',
  });
  return items;
}
