import type { Logger } from './log.ts';
import type { CustomToolCallItem, CustomToolCallOutputItem, InputItem } from './protocol.ts';

export interface ReplayRules {
  /** `store: false`: the server keeps no item, so one it has to rebuild must carry its content. */
  store: boolean;
  /** Ids the server said it could not find (or open): their items are sent without the id, or not at all. */
  missing: ReadonlySet<string>;
  /** The server refused encrypted content it did not name: no reasoning item is sent. */
  dropReasoning?: boolean;
  /** The server takes no reasoning item without readable `content` (another provider's: a summary and a blob). */
  dropOpaqueReasoning?: boolean;
  /**
   * The server takes no custom tool calls: each is sent as a function call, to the named
   * function fallback (its input in the named argument) or under its own name with `input`.
   */
  customCalls?: Record<string, { name: string; argument: string }>;
  /** The server or model takes no images (issue 15): each `input_image` part becomes a short text saying it was left out. */
  dropImages?: boolean;
  /** Where what was converted or left out is noted. */
  logger?: Logger;
}

function isBareReasoning(item: InputItem): boolean {
  if (item.type !== 'reasoning') return false;
  const blob = item.encrypted_content;
  return typeof blob !== 'string' || blob === '';
}

/**
 * The transcript as a request may carry it to this server. A reasoning item is kept
 * byte-identical when it has its `encrypted_content` (the server decrypts it); without it, and
 * with nothing stored server-side, the API answers 404 "Item with id 'rs_…' not found", so it is
 * left out: the model loses that step's private reasoning, never the conversation. Another item
 * whose id the server said it could not find is sent without the id (its content is all there).
 * Items this server cannot take (from another provider earlier in the chat) are converted where a
 * faithful conversion exists (a custom tool call to a function call) and left out otherwise; a
 * function call whose arguments are not JSON (cut off by the output limit) is never sent raw: its
 * arguments become `{}` and its id goes (its output already told the model what happened).
 * Returns `input` itself when nothing needs to change.
 */
export function replayable(input: InputItem[], rules: ReplayRules): InputItem[] {
  let out: InputItem[] | undefined;
  const notes: string[] = [];
  for (let i = 0; i < input.length; i++) {
    const item = input[i]!;
    const id = typeof item.id === 'string' ? item.id : undefined;
    const missing = id !== undefined && rules.missing.has(id);
    let keep: InputItem | undefined = item;
    if (item.type === 'reasoning') {
      if (missing || rules.dropReasoning || (!rules.store && isBareReasoning(item))) keep = undefined;
      else if (rules.dropOpaqueReasoning && !Array.isArray(item.content)) {
        keep = undefined;
        notes.push('a reasoning item without readable content left out');
      }
    } else if (item.type === 'compaction' && missing) keep = undefined;
    else if (rules.customCalls && (item.type === 'custom_tool_call' || item.type === 'custom_tool_call_output')) {
      keep = asFunctionItem(item, rules.customCalls);
      notes.push(`${item.type} sent as ${keep.type}`);
    } else if (item.type === 'function_call' && !isJson(item.arguments)) {
      // Without its id: it is no longer the item the server made.
      const { id: _id, ...rest } = item;
      keep = { ...rest, arguments: '{}' };
      notes.push(`the cut-off arguments of ${String(item.name)} sent as {}`);
    } else if (missing) keep = withoutId(item);
    if (rules.dropImages && keep?.type === 'message' && Array.isArray(keep.content) && keep.content.some(isImage)) {
      keep = {
        ...keep,
        content: keep.content.map((p) => (isImage(p) ? { type: 'input_text', text: IMAGE_LEFT_OUT } : p)),
      };
      notes.push('an image left out');
    }
    if (keep !== item && !out) out = input.slice(0, i);
    if (out && keep) out.push(keep);
  }
  if (notes.length)
    rules.logger?.info(`replay for this server: ${[...new Set(notes)].join('; ')} (${notes.length} items)`);
  return out ?? input;
}

/** What stands in a message for an image the server does not take. */
export const IMAGE_LEFT_OUT = '[An image was attached here but not sent: this server or model does not take images.]';

const isImage = (p: { type: string }): boolean => p.type === 'input_image';

/** How many images the last user message of `input` carries. */
export function lastUserImages(input: readonly InputItem[]): number {
  const last = input.findLast((i) => i.type === 'message' && i.role === 'user');
  return last?.type === 'message' && Array.isArray(last.content) ? last.content.filter(isImage).length : 0;
}

function isJson(text: unknown): boolean {
  if (typeof text !== 'string') return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The item without its `id` (a copy). */
function withoutId<T extends InputItem>(item: T): T {
  const copy = { ...item };
  delete copy.id;
  return copy;
}

/** A custom tool call (or its output) as the function call (or output) a server without custom tools takes. */
function asFunctionItem(
  item: CustomToolCallItem | CustomToolCallOutputItem,
  fallbacks: Record<string, { name: string; argument: string }>,
): InputItem {
  if (item.type === 'custom_tool_call_output') {
    const { id: _id, type: _type, ...rest } = item;
    return {
      ...rest,
      type: 'function_call_output',
      output: typeof item.output === 'string' ? item.output : JSON.stringify(item.output),
    };
  }
  const { id: _id, type: _type, input, name, ...rest } = item;
  const fallback = fallbacks[name];
  return {
    ...rest,
    type: 'function_call',
    name: fallback?.name ?? name,
    arguments: JSON.stringify({ [fallback?.argument ?? 'input']: input }),
  };
}
