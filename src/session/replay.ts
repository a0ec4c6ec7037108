import type { InputItem } from './protocol.ts';

export interface ReplayRules {
  /** `store: false`: the server keeps no item, so one it has to rebuild must carry its content. */
  store: boolean;
  /** Ids the server said it could not find (or open): their items are sent without the id, or not at all. */
  missing: ReadonlySet<string>;
  /** The server refused encrypted content it did not name: no reasoning item is sent. */
  dropReasoning?: boolean;
}

function isBareReasoning(item: InputItem): boolean {
  if (item.type !== 'reasoning') return false;
  const blob = (item as { encrypted_content?: unknown }).encrypted_content;
  return typeof blob !== 'string' || blob === '';
}

/**
 * The transcript as a full-context request may carry it. A reasoning item is kept byte-identical
 * when it has its `encrypted_content` (the server decrypts it); without it, and with nothing
 * stored server-side, the API answers 404 "Item with id 'rs_…' not found", so it is left out: the
 * model loses that step's private reasoning, never the conversation. Another item whose id the
 * server said it could not find is sent without the id (its content is all there).
 * Returns `input` itself when nothing needs to change.
 */
export function replayable(input: InputItem[], rules: ReplayRules): InputItem[] {
  let out: InputItem[] | undefined;
  for (let i = 0; i < input.length; i++) {
    const item = input[i]!;
    const id = typeof item.id === 'string' ? item.id : undefined;
    const missing = id !== undefined && rules.missing.has(id);
    let keep: InputItem | undefined = item;
    if (item.type === 'reasoning' && (missing || rules.dropReasoning || (!rules.store && isBareReasoning(item)))) keep = undefined;
    else if (item.type === 'compaction' && missing) keep = undefined;
    else if (missing) { const { id: _id, ...rest } = item; keep = rest as InputItem }
    if (keep !== item && !out) out = input.slice(0, i);
    if (out && keep) out.push(keep);
  }
  return out ?? input;
}
