import type { ApiErrorBody } from './protocol.ts';

/**
 * How many input tokens a model takes. For models whose window is shared with a large output
 * reservation (the gpt-5 family: 400k in all, at most 272k of input) this is the input limit,
 * since that is what `context_length_exceeded` is measured against. Unknown models get a
 * conservative default; `warmline.contextWindow` overrides, and the API's own answer is learned.
 */
const WINDOWS: Array<[RegExp, number]> = [
  [/^gpt-5/, 272_000],
  [/^gpt-4\.1/, 1_047_576],
  [/^(gpt-4o|chatgpt-4o)/, 128_000],
  [/^(o1|o3|o4)(-|$)/, 200_000],
  [/^codex-mini/, 200_000],
  [/^grok-4-fast|^grok-4\.1-fast/, 2_000_000],
  [/^grok-(4|code)/, 256_000],
  [/gpt-oss/, 131_072],
];
export const DEFAULT_CONTEXT_WINDOW = 128_000;

export function knownContextWindow(model: string): number | undefined {
  const name = model.toLowerCase().replace(/^.*\//, '');
  return WINDOWS.find(([re]) => re.test(name))?.[1];
}

/** The window a context_length_exceeded error names, when it names one (OpenAI's message, llama.cpp's `n_ctx`). */
export function windowFromError(body: ApiErrorBody | undefined, message: string): number | undefined {
  const n =
    body && typeof body.n_ctx === 'number'
      ? body.n_ctx
      : Number(
          (/maximum context (?:length|window) is (\d+)/i.exec(message) ??
            /available context size \((\d+) tokens\)/i.exec(message))?.[1],
        );
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** About how many tokens a JSON size stands for (English and code average ~4 bytes a token). */
export function tokensForBytes(bytes: number): number {
  return Math.ceil(bytes / 4);
}

/** Share of the window at which the conversation is compacted (Copilot's ~90%, with room for the answer). */
export const COMPACT_AT = 0.85;
