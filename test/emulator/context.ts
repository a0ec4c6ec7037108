// Responses emulator (a test double, not AI): reasoning about the conversation context.
// Everything here works on the FULL resolved context (the chain reached through
// previous_response_id plus this request's input), because that is what the real API checks.

import type { ApiError, Json } from './types.ts';

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function jsonBytes(v: unknown): number {
  return v === undefined ? 0 : Buffer.byteLength(JSON.stringify(v));
}

export function tokensFor(bytes: number): number {
  return Math.ceil(bytes / 4);
}

/** The request's `input` as a list of items; a string is one user message. */
export function normalizeInput(input: unknown): unknown[] | ApiError {
  if (input === undefined || input === null) return [];
  if (typeof input === 'string') return [{ type: 'message', role: 'user', content: input }];
  if (Array.isArray(input)) {
    const bad = input.findIndex((i) => !isObject(i));
    if (bad >= 0) {
      return invalid(`Invalid type for 'input[${bad}]': expected an object.`, `input[${bad}]`);
    }
    return input;
  }
  return invalid("Invalid type for 'input': expected a string or an array of items.", 'input');
}

function invalid(message: string, param: string | null, code: string | null = null): ApiError {
  return { status: 400, type: 'invalid_request_error', code, message, param };
}

/** An input item's type; easy messages (`{role, content}`) have no `type`. */
export function itemType(item: unknown): string | undefined {
  if (!isObject(item)) return undefined;
  if (typeof item.type === 'string') return item.type;
  return typeof item.role === 'string' ? 'message' : undefined;
}

export function isModelOutput(item: unknown): boolean {
  const t = itemType(item);
  if (t === 'message') return isObject(item) && item.role === 'assistant';
  return t === 'function_call' || t === 'custom_tool_call' || t === 'reasoning';
}

/**
 * Which scripted turn plays: the number of maximal runs of model-output items in the full
 * context. A client that loses its cache and resends the whole context therefore gets the
 * same turn again, and parallel calls (one run of several items) count once.
 */
export function turnIndex(context: readonly unknown[], covered: (item: unknown) => number = () => 0): number {
  let runs = 0;
  let inRun = false;
  for (const item of context) {
    const out = isModelOutput(item);
    if (out && !inRun) runs++;
    inRun = out;
    // A compaction item (or a summary) stands for the turns it covers; it is not a turn itself.
    runs += covered(item);
  }
  return runs;
}

const OUTPUT_FOR: Record<string, string> = {
  function_call_output: 'function_call',
  custom_tool_call_output: 'custom_tool_call',
};

/**
 * The real API refuses to continue unless every tool call in the context has exactly one
 * output after it, of the matching kind. Returns the rejection, or null when the context is fine.
 */
export function checkToolOutputs(context: readonly unknown[]): ApiError | null {
  const calls = new Map<string, { kind: string; answered: boolean }>();
  for (const item of context) {
    const t = itemType(item);
    if (!isObject(item) || t === undefined) continue;
    if (t === 'function_call' || t === 'custom_tool_call') {
      if (typeof item.call_id === 'string') calls.set(item.call_id, { kind: t, answered: false });
      continue;
    }
    const wantKind = OUTPUT_FOR[t];
    if (!wantKind) continue;
    const callId = String(item.call_id);
    const call = calls.get(callId);
    if (!call) {
      return invalid(
        `No tool call found for ${t.replace(/_output$/, '').replace(/_/g, ' ')} output with call_id ${callId}.`,
        'input',
      );
    }
    if (call.kind !== wantKind) {
      return invalid(`Item ${t} for call_id ${callId} answers a ${call.kind}; expected ${call.kind}_output.`, 'input');
    }
    if (call.answered) return invalid(`Duplicate tool output for call_id ${callId}.`, 'input');
    call.answered = true;
  }
  for (const [callId, call] of calls) {
    if (!call.answered) {
      const what = call.kind === 'function_call' ? 'function call' : 'custom tool call';
      return invalid(`No tool output found for ${what} ${callId}.`, 'input');
    }
  }
  return null;
}

export interface ToolRef {
  type: string;
  name: string;
}

export function requestTools(tools: unknown): ToolRef[] {
  if (!Array.isArray(tools)) return [];
  return tools.filter(isObject).map((t) => ({ type: String(t.type ?? ''), name: String(t.name ?? '') }));
}

/** Text of an assistant message item, whatever content shape the client replayed. */
export function messageText(item: Json): string {
  const c = item.content;
  if (typeof c === 'string') return c;
  if (!Array.isArray(c)) return '';
  return c.map((p) => (isObject(p) && typeof p.text === 'string' ? p.text : '')).join('');
}
