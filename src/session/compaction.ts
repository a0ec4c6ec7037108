import type { InputItem, OutputItem } from './protocol.ts';
import { messageText, userMessage } from './protocol.ts';

/**
 * How a conversation was made to fit its window:
 * - `server`: the server compacted it while answering (`context_management`); its opaque
 *   compaction item, first in the output, stands for everything before it;
 * - `endpoint`: `POST /responses/compact` turned the older part into user messages and one
 *   opaque compaction item;
 * - `local`: the model summarised the older part in a turn of its own, and the summary stands
 *   for it as a user message.
 */
export type CompactionHow = 'server' | 'endpoint' | 'local';

/**
 * What the caller does to its transcript: after appending the turn's output, replace the first
 * `replaced` items of (input ++ output) with `items`. The user's last message and the latest
 * tool calls with their outputs are always among what is kept verbatim.
 */
export interface Compaction {
  how: CompactionHow;
  replaced: number;
  items: InputItem[];
  /** About how many tokens the context had before, and has after. */
  tokensBefore: number;
  tokensAfter: number;
  /** Why: the window was about to overflow (`auto`), the server said it had (`overflow`), or the user asked (`manual`). */
  reason: 'auto' | 'overflow' | 'manual';
}

export function applyCompaction(transcript: InputItem[], c: Pick<Compaction, 'replaced' | 'items'>): void {
  transcript.splice(0, c.replaced, ...c.items);
}

const MODEL_OUTPUT = new Set(['reasoning', 'function_call', 'custom_tool_call', 'compaction']);

function isModelOutput(item: InputItem): boolean {
  return MODEL_OUTPUT.has(item.type) || (item.type === 'message' && item.role === 'assistant');
}

function isUserMessage(item: InputItem): boolean {
  return item.type === 'message' && item.role === 'user';
}

export interface CompactionSplit {
  /** What is compacted: everything but what follows. */
  head: InputItem[];
  /** The user's last message, kept verbatim. */
  lastUser?: InputItem;
  /** The latest model output (its tool calls) and what answers it, kept verbatim. */
  tail: InputItem[];
}

/**
 * Splits a transcript into what compaction may fold and what it must keep. The head never ends
 * with a tool call whose output is in the tail: every call in it is answered in it.
 */
export function splitForCompaction(input: InputItem[]): CompactionSplit {
  let lastUser = -1;
  for (let i = input.length - 1; i >= 0; i--)
    if (isUserMessage(input[i]!)) {
      lastUser = i;
      break;
    }
  // The start of the last run of model output after the user's message (its pending calls).
  let runStart = input.length;
  let i = input.length - 1;
  while (i > lastUser && !isModelOutput(input[i]!)) i--;
  while (i > lastUser && isModelOutput(input[i]!)) runStart = i--;
  if (lastUser < 0) return { head: input.slice(0, runStart), tail: input.slice(runStart) };
  return {
    head: [...input.slice(0, lastUser), ...input.slice(lastUser + 1, runStart)],
    lastUser: input[lastUser],
    tail: input.slice(runStart),
  };
}

export function reassemble(compacted: InputItem[], split: CompactionSplit): InputItem[] {
  return [...compacted, ...(split.lastUser ? [split.lastUser] : []), ...split.tail];
}

const SUMMARY_PREFIX =
  'Summary of the earlier conversation (it replaces the turns it covers, including work already done on the request that follows):\n\n';

export const SUMMARY_INSTRUCTIONS =
  "You compact a coding assistant's conversation so that it can continue in a smaller context. " +
  "Write a faithful summary for the assistant itself, not for the user: the user's goals and constraints, " +
  'decisions taken, files read or changed (with paths and what changed), commands run and their results, ' +
  'open problems and the next steps. Keep identifiers, paths and error messages exact. No preamble.';

/** Most of one item's text in the summarisation request: tried in turn until the whole head fits. */
const ITEM_CHARS = [4_000, 1_000, 300, 100];

function clip(text: string, max: number): string {
  return text.length <= max
    ? text
    : `${text.slice(0, max / 2)}\n[… ${text.length - max} characters left out …]\n${text.slice(-max / 2)}`;
}

function render(item: InputItem, max: number): string | undefined {
  switch (item.type) {
    case 'message': {
      const text =
        messageText(item) ||
        (Array.isArray(item.content)
          ? item.content.map((p) => (typeof p.text === 'string' ? p.text : '')).join('')
          : '');
      // What people wrote is clipped last: it carries the goals and constraints.
      return `${item.role.toUpperCase()}: ${clip(text, Math.max(max, ITEM_CHARS[1]!))}`;
    }
    case 'function_call':
      return `TOOL CALL ${item.name}(${clip(item.arguments, max)})`;
    case 'custom_tool_call':
      return `TOOL CALL ${item.name}:\n${clip(item.input, max)}`;
    case 'function_call_output':
    case 'custom_tool_call_output':
      return `TOOL RESULT:\n${clip(typeof item.output === 'string' ? item.output : JSON.stringify(item.output), max)}`;
    case 'compaction':
      return '[earlier context, compacted]';
    default:
      return undefined; // reasoning (private, or opaque): nothing to show
  }
}

/**
 * The one user message of a local summarisation request: the head rendered as text (so no
 * tool-call pairing or opaque item can make the server refuse it), within `maxChars`. Every
 * step stays in it, its tool results clipped as far as needed; only when even that is too long
 * is the earliest part left out.
 */
export function summaryRequestText(head: InputItem[], maxChars: number): string {
  let lines: string[] = [];
  for (const max of ITEM_CHARS) {
    lines = head.map((item) => render(item, max)).filter((l): l is string => l !== undefined);
    if (lines.reduce((n, l) => n + l.length + 2, 0) <= maxChars) break;
  }
  const kept: string[] = [];
  let size = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (size + lines[i]!.length > maxChars) {
      kept.push('[… the earliest part of the conversation is left out …]');
      break;
    }
    kept.push(lines[i]!);
    size += lines[i]!.length + 2;
  }
  return `${kept.reverse().join('\n\n')}\n\n---\nSummarize the conversation above as instructed.`;
}

export function summaryMessage(summary: string): InputItem {
  return userMessage(SUMMARY_PREFIX + summary.trim());
}

/** The index of the last compaction item in a response's output, or -1. */
export function lastCompactionIndex(output: OutputItem[]): number {
  for (let i = output.length - 1; i >= 0; i--) if (output[i]!.type === 'compaction') return i;
  return -1;
}
