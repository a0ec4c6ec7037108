// Responses emulator (a test double, not AI): what a real model server does that a happy path
// leaves out (docs/protocol.md §8, §10, §12): opaque encrypted blobs it can verify, compaction
// items that stand for the history they cover, a prompt cache keyed on prompt_cache_key and prefix.

import { createHmac, randomBytes } from 'node:crypto';
import type { ApiError, CompactionItem } from './types.ts';
import { isObject, itemType, tokensFor } from './context.ts';
import { newId } from './model.ts';

// Blobs are signed with a per-process key: the emulator can tell its own from a forged one,
// as the API can with its encrypted content.
const SECRET = randomBytes(16);

export function sealBlob(kind: string, id: string, payload: Record<string, unknown> = {}): string {
  const body = Buffer.from(JSON.stringify({ kind, id, ...payload })).toString('base64url');
  const mac = createHmac('sha256', SECRET).update(body).digest('base64url');
  return `${body}.${mac}`;
}

export function openBlob(blob: unknown): Record<string, unknown> | undefined {
  if (typeof blob !== 'string') return undefined;
  const [body, mac] = blob.split('.');
  if (!body || !mac || createHmac('sha256', SECRET).update(body).digest('base64url') !== mac) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A compaction item standing for `covered` model turns (what the scripted model needs to go on). */
export function compactionItem(covered: number): CompactionItem {
  const id = newId('cmp');
  return { type: 'compaction', id, encrypted_content: sealBlob('compaction', id, { covered }) };
}

export function invalid(message: string, param: string | null, code: string | null = null, status = 400): ApiError {
  return { status, type: 'invalid_request_error', code, message, param };
}

/**
 * An opaque item in the input (reasoning with encrypted content, compaction) must carry a blob
 * this server made for that very item: else 400, as the API answers a forged or altered blob.
 */
export function checkBlob(item: Record<string, unknown>): ApiError | undefined {
  const t = itemType(item);
  if (
    t !== 'compaction' &&
    !(t === 'reasoning' && item.encrypted_content !== undefined && item.encrypted_content !== null)
  )
    return undefined;
  const opened = openBlob(item.encrypted_content);
  if (!opened || opened.kind !== t || (typeof item.id === 'string' && opened.id !== item.id)) {
    return invalid(
      `The encrypted content for item ${String(item.id ?? '(no id)')} could not be verified.`,
      'input',
      'invalid_encrypted_content',
    );
  }
  return undefined;
}

export const SUMMARY_MARK = /⟦emulator-summary turns=(\d+)⟧/;

/**
 * Model turns an input item stands for beyond itself: a compaction item the turns it covers; a
 * user message carrying the scripted summariser's mark, the turns it summarised.
 */
export function coveredTurns(item: unknown): number {
  if (!isObject(item)) return 0;
  const t = itemType(item);
  if (t === 'compaction') return Number(openBlob(item.encrypted_content)?.covered ?? 0);
  if (t === 'message' && item.role === 'user') {
    const c = item.content;
    const text =
      typeof c === 'string'
        ? c
        : Array.isArray(c)
          ? c.map((p) => (isObject(p) && typeof p.text === 'string' ? p.text : '')).join('')
          : '';
    const m = SUMMARY_MARK.exec(text);
    return m ? Number(m[1]) : 0;
  }
  return 0;
}

/**
 * The scripted summariser reading a transcript rendered as text (Warmline's local compaction
 * sends `USER:` / `ASSISTANT:` / `TOOL CALL` / `TOOL RESULT:` blocks): it counts the model's
 * turns (maximal runs of ASSISTANT and TOOL CALL blocks), plus turns earlier summaries stood for.
 */
export function summarise(text: string): string {
  let turns = 0;
  let inRun = false;
  for (const block of text.split(/\n\n+/)) {
    const model = /^(ASSISTANT:|TOOL CALL)/.test(block);
    if (model && !inRun) turns++;
    if (/^(USER:|TOOL RESULT:|ASSISTANT:|TOOL CALL|\[)/.test(block)) inRun = model;
    const earlier = SUMMARY_MARK.exec(block);
    if (earlier) turns += Number(earlier[1]);
  }
  return `⟦emulator-summary turns=${turns}⟧ Scripted summary (emulator, not AI) of ${turns} earlier model turns: the user asked for work on the repository; the tools were called and answered.`;
}

/** A request the scripted model takes as "summarise this": no tools, and the user asks for a summary. */
export function isSummaryRequest(body: Record<string, unknown>, context: unknown[]): boolean {
  if (Array.isArray(body.tools) && body.tools.length > 0) return false;
  const last = context.at(-1);
  if (!isObject(last) || itemType(last) !== 'message' || last.role !== 'user') return false;
  const c = last.content;
  const text =
    typeof c === 'string'
      ? c
      : Array.isArray(c)
        ? c.map((p) => (isObject(p) && typeof p.text === 'string' ? p.text : '')).join('')
        : '';
  return /summari[sz]e/i.test(text);
}

/**
 * The prompt cache: per `prompt_cache_key`, the rendered prefix of the last request (instructions,
 * tools, then items). A request's cached tokens are its common prefix with that one, counted as
 * the API does: nothing under `minTokens`, then whole `granularity` blocks. Without a key, nothing
 * is cached across requests (the API then routes by prefix hash and may miss: modelled as a miss).
 */
export class PromptCache {
  private readonly last = new Map<string, string[]>();
  private readonly minTokens: number;
  private readonly granularity: number;

  constructor(opts: { minTokens?: number; granularity?: number } = {}) {
    this.minTokens = opts.minTokens ?? 1024;
    this.granularity = opts.granularity ?? 128;
  }

  /** Cached tokens for this request; remembers it as the key's latest prefix. */
  take(key: unknown, parts: string[]): number {
    if (typeof key !== 'string' || key === '') return 0;
    const before = this.last.get(key);
    this.last.set(key, parts);
    if (!before) return 0;
    let bytes = 0;
    for (let i = 0; i < Math.min(before.length, parts.length) && before[i] === parts[i]; i++)
      bytes += Buffer.byteLength(parts[i]!);
    const tokens = tokensFor(bytes);
    return tokens < this.minTokens ? 0 : Math.floor(tokens / this.granularity) * this.granularity;
  }
}

/** What llama.cpp's server refuses in a request's input (see EmulatorOptions.llamacpp). */
export function llamaRefusal(input: unknown[]): ApiError | undefined {
  for (const item of input) {
    if (!isObject(item)) continue;
    const type = itemType(item);
    if (type === 'custom_tool_call' || type === 'custom_tool_call_output')
      return invalid("Cannot determine type of 'item'", null);
    if (type === 'reasoning' && !Array.isArray(item.content)) return invalid("item['content'] is not an array", null);
    if (type === 'function_call') {
      try {
        JSON.parse(String(item.arguments));
      } catch (e) {
        return {
          status: 500,
          type: 'server_error',
          code: null,
          message: `Failed to parse tool call arguments as JSON: ${(e as Error).message}`,
          param: null,
        };
      }
    }
  }
  return undefined;
}

/**
 * `input_image` parts of the request's input (issue 15): checked as the API does (an `image_url`
 * that is a base64 data URL of an image or an http(s) URL, or a `file_id`; `detail` low, high or
 * auto), then refused when the server or model takes no images (EmulatorOptions.rejectsImages), in
 * OpenAI's words (400) or llama.cpp's (500, a server started without a projector).
 */
export function imageFault(
  input: unknown[],
  rejects: boolean | 'llamacpp' | undefined,
): { err: ApiError; violation?: string } | undefined {
  for (const [i, item] of input.entries()) {
    if (!isObject(item) || !Array.isArray(item.content)) continue;
    for (const [j, part] of item.content.entries()) {
      if (!isObject(part) || part.type !== 'input_image') continue;
      const at = `input[${i}].content[${j}]`;
      if (item.role !== 'user')
        return {
          err: invalid(`Invalid '${at}': input_image is only allowed in user messages.`, at),
          violation: `input_image in a ${String(item.role)} message`,
        };
      const url = part.image_url;
      const okUrl =
        typeof url === 'string' &&
        (/^data:image\/(png|jpeg|webp|gif);base64,[A-Za-z0-9+/]+={0,2}$/.test(url) || /^https?:\/\//.test(url));
      if (!okUrl && typeof part.file_id !== 'string')
        return {
          err: invalid(
            `Invalid '${at}.image_url': expected a base64-encoded data URL with an image MIME type or an http(s) URL.`,
            `${at}.image_url`,
            'invalid_value',
          ),
          violation: 'input_image without a valid image_url',
        };
      if (part.detail !== undefined && !['low', 'high', 'auto'].includes(String(part.detail)))
        return {
          err: invalid(
            `Invalid value: '${String(part.detail)}'. Supported values are: 'low', 'high', and 'auto'.`,
            `${at}.detail`,
            'invalid_value',
          ),
          violation: 'input_image with an invalid detail',
        };
      if (rejects === 'llamacpp')
        return {
          err: {
            status: 500,
            type: 'server_error',
            code: null,
            message: 'image input is not supported - hint: if this is unexpected, you may need to provide the mmproj',
            param: null,
          },
        };
      if (rejects)
        return { err: invalid('Invalid content type. image_url is only supported by certain models.', `${at}.type`) };
    }
  }
  return undefined;
}
