// A chat's mode (issue 15): what the model is offered and told per turn. Agent is today's
// behaviour (every tool, approvals as set, the instructions unchanged); Ask and Plan offer only the
// tools that read, and Plan also asks for a step-by-step checklist instead of changes.
import type { ChatMode } from '../shared/messages.ts';

export const CHAT_MODES: readonly ChatMode[] = ['agent', 'ask', 'plan'];

/**
 * The tools Ask and Plan offer, by name. A list, not `Tool.readOnly`: a tool added later (an MCP
 * server's, whose effects Warmline cannot know) is not read-only until it is named here.
 */
export const READ_ONLY_TOOLS: ReadonlySet<string> = new Set(['read_file', 'list_files', 'grep', 'get_diagnostics']);

const LABEL: Record<ChatMode, string> = { agent: 'Agent', ask: 'Ask', plan: 'Plan' };

const ASK_INSTRUCTIONS = [
  'This chat is in Ask mode: answer questions about the code.',
  'You can only read (read_file, list_files, grep, get_diagnostics): do not propose to edit files or run commands yourself; show code in your answer instead.',
].join('\n');

const PLAN_INSTRUCTIONS = [
  'This chat is in Plan mode: you only plan, and change nothing.',
  'Read what you need (read_file, list_files, grep, get_diagnostics), then answer with a short summary and a step-by-step plan as a markdown checklist, one line per step: `- [ ] step`.',
  'Each step names the files it touches and what changes there. The user will edit the checklist and then run it in Agent mode.',
].join('\n');

export function isChatMode(value: unknown): value is ChatMode {
  return typeof value === 'string' && (CHAT_MODES as readonly string[]).includes(value);
}

/** What a turn in `mode` passes to the agent loop (and through it to the session). */
export interface ModePolicy {
  /** Undefined in Agent mode: every tool, and the request is byte-identical to one without a mode. */
  toolFilter?: (name: string) => boolean;
  extraInstructions?: string;
  /** The output a call the mode does not allow gets instead of running. */
  refusal(name: string): string;
}

export function modePolicy(mode: ChatMode): ModePolicy {
  const refusal = (name: string) =>
    `Not run: this chat is in ${LABEL[mode]} mode, which is read-only, so ${name} is not available. ` +
    'Nothing was changed. Continue with the read-only tools, or tell the user to switch the chat to Agent mode to make changes.';
  if (mode === 'agent') return { refusal };
  return {
    toolFilter: (name) => READ_ONLY_TOOLS.has(name),
    extraInstructions: mode === 'ask' ? ASK_INSTRUCTIONS : PLAN_INSTRUCTIONS,
    refusal,
  };
}
