// What an inline edit writes when the stream carried no text deltas (a server that sends the
// message whole, or a replayed turn): the text of the reply's message items, never their JSON;
// a refusal is said as one, so nothing but the model's own text ever reaches the editor.
import type { OutputItem } from '../session/protocol.ts';
import { messageText } from '../session/protocol.ts';

export interface InlineReply {
  /** The model's text: what streamed, else the text of its message items. */
  text: string;
  /** The model declined: its explanation (nothing is written). */
  refusal?: string;
}

export function inlineReply(streamed: string, output: readonly OutputItem[]): InlineReply {
  if (streamed) return { text: streamed };
  const text = output.map((o) => messageText(o)).join('');
  if (text) return { text };
  const refusal = output
    .flatMap((o) => (o.type === 'message' && Array.isArray(o.content) ? o.content : []))
    .map((p) => (p.type === 'refusal' && typeof p.refusal === 'string' ? p.refusal : ''))
    .filter(Boolean)
    .join(' ');
  return refusal ? { text: '', refusal } : { text: '' };
}
