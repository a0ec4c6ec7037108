// Defaults for the tool settings, and the fixed limits every tool states when it hits them.
import type { ToolSettings } from './types.ts';

export const DEFAULT_TOOL_SETTINGS: ToolSettings = {
  edits: 'ask',
  tasks: 'ask',
  shell: { enabled: false, allow: [] },
  secretPatterns: [],
  maxOutputBytes: 24 * 1024,
  maxReadBytes: 1024 * 1024,
  maxListEntries: 500,
  maxGrepMatches: 200,
  taskTimeoutMs: 10 * 60 * 1000,
};

/** Fixed limits (not user settings): each message that reports one names it. */
export const LIMITS = {
  /** A single line in read_file or grep output is cut after this many characters. */
  maxLineChars: 2000,
  /** grep shows this much of a matching line (around the match). */
  maxGrepLineChars: 300,
  /** grep stops after this long and returns what it found. */
  grepTimeMs: 30_000,
  /**
   * Once grep has shown max_matches lines, it keeps counting the rest for at most this long (then
   * says "at least N more")... Short: a capped search is the common one, and its answer is what
   * the model waits for.
   */
  grepCountMs: 500,
  /** ...or until it has counted this many more matching lines. */
  grepMaxCounted: 100_000,
  /** list_files stops walking after this long or this many entries seen. */
  listTimeMs: 10_000,
  maxListScanned: 200_000,
  /** get_diagnostics lists at most this many problems. */
  maxDiagnostics: 100,
  /** How long an edit waits for the language servers to report new problems. */
  diagnosticsWaitMs: 1500,
  /** Most files one apply_patch may touch. */
  maxPatchFiles: 100,
  /** run_task's listing waits this long for VS Code's task detection (it goes on in the background). */
  taskListWaitMs: 3_000,
  /** Running a detected task that is not known yet waits this long for its type's providers. */
  taskFetchMs: 15_000,
} as const;

/** Settings with defaults filled in for anything missing (tests and demos pass partial settings). */
export function withDefaults(settings: Partial<ToolSettings> = {}): ToolSettings {
  return { ...DEFAULT_TOOL_SETTINGS, ...settings, shell: { ...DEFAULT_TOOL_SETTINGS.shell, ...settings.shell } };
}
