import { applyCompaction } from '../session/compaction.ts';
import type { Compaction } from '../session/compaction.ts';
import { SessionError } from '../session/errors.ts';
import type { TurnMetrics, TurnOptions, TurnResult } from '../session/manager.ts';
import { isToolCall } from '../session/protocol.ts';
import type { CustomToolCallItem, FunctionCallItem, InputItem, ServerEvent } from '../session/protocol.ts';
import type { PatchPreview } from '../shared/messages.ts';
import type { ApprovalRequest, ToolContext, ToolResult } from '../tools/types.ts';
import type { ModePolicy } from './modes.ts';
import { PATCH_TOOLS, PatchPreviewStream } from './patch-preview.ts';

/** What the loop needs of the session: one model turn over the whole transcript. */
export interface ModelSession {
  respond(input: InputItem[], options?: TurnOptions): Promise<TurnResult>;
}

/** What the loop needs of the tool registry. */
export interface ToolDispatcher {
  dispatch(call: ToolCall, ctx: ToolContext): Promise<ToolResult>;
  isReadOnly(name: string): boolean;
  describe(name: string, raw: string): string;
}

export interface ToolCall {
  type: 'function' | 'custom';
  name: string;
  callId: string;
  raw: string;
}

export type AgentEvent =
  | { type: 'text.delta'; delta: string }
  /** The model turn is being retried after a lost connection: drop the partial text. */
  | { type: 'text.reset' }
  /** A patch tool's input as it streams, before the call is complete (see PatchPreviewStream). */
  | { type: 'tool.preview'; callId: string; name: string; preview: PatchPreview }
  | { type: 'tool.start'; call: ToolCall; summary: string }
  | { type: 'tool.progress'; callId: string; chunk: string }
  | { type: 'approval.needed'; callId: string; request: ApprovalRequest }
  | { type: 'approval.resolved'; callId: string; approved: boolean }
  | { type: 'tool.end'; callId: string; result: ToolResult; status: 'done' | 'error' | 'rejected' | 'cancelled' }
  | { type: 'turn.metrics'; metrics: TurnMetrics }
  /** New transcript items, in order: the caller persists them. */
  | { type: 'items'; items: InputItem[] }
  /** The transcript was compacted (already applied to it): the caller persists the replacement. */
  | { type: 'compacted'; compaction: Compaction };

/** `yielded`: `yieldAt` asked the loop to stop at a safe point (a queued message is sent next). */
export type StopReason = 'answered' | 'tool_limit' | 'cancelled' | 'error' | 'yielded';

export interface AgentRunOptions {
  signal?: AbortSignal;
  lane?: string;
  /** The conversation's stable id (the session's prompt cache key). */
  conversationId?: string;
  /** Most tool calls one request may make (default 50). */
  maxToolCalls?: number;
  /** The same call (name and arguments) this many times in a row is not run again (default 3). */
  maxRepeats?: number;
  /** At most one `tool.preview` per call this often (default 50 ms; the last part always comes). */
  previewIntervalMs?: number;
  /** Awaited before each model request (the project rules are refreshed there: issue 15). */
  beforeRequest?: () => Promise<void>;
  /** The chat's mode (src/agent/modes.ts): the tools offered, extra instructions; a call it does not allow is refused unrun. */
  mode?: ModePolicy;
  /**
   * Asked at the safe point: after a batch of tool outputs is appended, before the next model
   * request. True stops the run there with 'yielded' (the transcript is complete and valid to continue).
   */
  yieldAt?: () => boolean;
}

export interface AgentDeps {
  session: ModelSession;
  tools: ToolDispatcher;
  /** Builds a tool context for one call (host, settings, approval UI). */
  toolContext(
    call: ToolCall,
    signal: AbortSignal,
    progress: (chunk: string) => void,
    approve: (r: ApprovalRequest) => Promise<boolean>,
  ): ToolContext;
  /** Asks the user; the loop reports the wait as `approval.needed`. */
  approve(callId: string, request: ApprovalRequest): Promise<boolean>;
}

function toToolCall(item: FunctionCallItem | CustomToolCallItem): ToolCall {
  return item.type === 'custom_tool_call'
    ? { type: 'custom', name: item.name, callId: item.call_id, raw: item.input }
    : { type: 'function', name: item.name, callId: item.call_id, raw: item.arguments };
}

function outputItem(call: ToolCall, output: string): InputItem {
  return call.type === 'custom'
    ? { type: 'custom_tool_call_output', call_id: call.callId, output }
    : { type: 'function_call_output', call_id: call.callId, output };
}

/**
 * The patch tool calls of one model turn as they stream: found by `output_item.added`, fed by
 * their input (or arguments) deltas, matched by item id or, where a server sends none, by output index.
 */
class PatchPreviews {
  private readonly streams = new Map<string, { callId: string; name: string; stream: PatchPreviewStream }>();
  private readonly emit: (e: AgentEvent) => void;
  private readonly intervalMs: number | undefined;
  constructor(emit: (e: AgentEvent) => void, intervalMs: number | undefined) {
    this.emit = emit;
    this.intervalMs = intervalMs;
  }

  onEvent(ev: ServerEvent): void {
    switch (ev.type) {
      case 'response.output_item.added': {
        const item = ev.item;
        if (item.type !== 'custom_tool_call' && item.type !== 'function_call') return;
        const kind = PATCH_TOOLS[item.name];
        if (!kind || (kind === 'raw') !== (item.type === 'custom_tool_call')) return;
        const entry = {
          callId: item.call_id,
          name: item.name,
          stream: new PatchPreviewStream(kind, { intervalMs: this.intervalMs }),
        };
        if (item.id) this.streams.set(item.id, entry);
        if (ev.output_index !== undefined) this.streams.set(`#${ev.output_index}`, entry);
        return;
      }
      case 'response.custom_tool_call_input.delta':
      case 'response.function_call_arguments.delta': {
        const entry = this.find(ev);
        const preview = entry?.stream.push(ev.delta);
        if (entry && preview) this.emit({ type: 'tool.preview', callId: entry.callId, name: entry.name, preview });
        return;
      }
      case 'response.custom_tool_call_input.done':
      case 'response.function_call_arguments.done': {
        const entry = this.find(ev);
        const preview = entry?.stream.flush();
        if (entry && preview) this.emit({ type: 'tool.preview', callId: entry.callId, name: entry.name, preview });
        return;
      }
    }
  }

  /** The attempt is retried: its calls are gone. */
  clear(): void {
    this.streams.clear();
  }

  private find(ev: { item_id?: string; output_index?: number }) {
    return (
      (ev.item_id !== undefined ? this.streams.get(ev.item_id) : undefined) ??
      (ev.output_index !== undefined ? this.streams.get(`#${ev.output_index}`) : undefined)
    );
  }
}

/**
 * Runs a user request to completion: model turn, the calls it made, their outputs back as
 * new input, until the model answers without a call or a limit is reached. The transcript is
 * appended to in place and every addition is also emitted as `items`, so the caller can
 * persist it; it is never left with a call that has no output.
 */
export class AgentLoop {
  private readonly deps: AgentDeps;
  constructor(deps: AgentDeps) {
    this.deps = deps;
  }

  async run(
    transcript: InputItem[],
    emit: (e: AgentEvent) => void,
    options: AgentRunOptions = {},
  ): Promise<StopReason> {
    const maxCalls = options.maxToolCalls ?? 50;
    const maxRepeats = options.maxRepeats ?? 3;
    const signal = options.signal ?? new AbortController().signal;
    let callsMade = 0;
    let lastSignature = '';
    let repeats = 0;
    const append = (items: InputItem[]) => {
      if (items.length) {
        transcript.push(...items);
        emit({ type: 'items', items });
      }
    };

    for (;;) {
      const previews = new PatchPreviews(emit, options.previewIntervalMs);
      await options.beforeRequest?.();
      const turn = await this.deps.session.respond(transcript, {
        lane: options.lane,
        conversationId: options.conversationId,
        signal,
        toolFilter: options.mode?.toolFilter,
        extraInstructions: options.mode?.extraInstructions,
        onEvent: (ev) => {
          if (ev.type === 'response.output_text.delta') emit({ type: 'text.delta', delta: ev.delta });
          else previews.onEvent(ev);
        },
        onRestart: () => {
          previews.clear();
          emit({ type: 'text.reset' });
        },
      });
      emit({ type: 'turn.metrics', metrics: turn.metrics });
      append(turn.output);
      if (turn.compaction) {
        applyCompaction(transcript, turn.compaction);
        emit({ type: 'compacted', compaction: turn.compaction });
      }
      const calls = turn.output.filter(isToolCall).map(toToolCall);
      if (!calls.length) return 'answered';

      const outputs = new Map<string, string>();
      const pending: ToolCall[] = [];
      for (const call of calls) {
        const signature = `${call.name}\u0000${call.raw}`;
        repeats = signature === lastSignature ? repeats + 1 : 1;
        lastSignature = signature;
        if (options.mode?.toolFilter && !options.mode.toolFilter(call.name)) {
          // A tool the mode does not offer (the model saw it earlier in the chat): refused, no approval asked.
          const output = options.mode.refusal(call.name);
          outputs.set(call.callId, output);
          emit({ type: 'tool.start', call, summary: this.deps.tools.describe(call.name, call.raw) });
          emit({
            type: 'tool.end',
            callId: call.callId,
            result: { output, isError: true, summary: 'not allowed in this mode' },
            status: 'rejected',
          });
        } else if (callsMade >= maxCalls) {
          outputs.set(
            call.callId,
            `Not run: this request reached its limit of ${maxCalls} tool calls. Summarise what you found and what is left to do.`,
          );
        } else if (repeats > maxRepeats) {
          outputs.set(
            call.callId,
            `Not run: this exact call was already made ${maxRepeats} times in a row. Its result will not change; try something different.`,
          );
        } else {
          callsMade++;
          pending.push(call);
        }
      }
      try {
        await this.runCalls(pending, outputs, emit, signal);
      } finally {
        // Even when cancelled, every call gets an output: the transcript stays valid to continue.
        append(calls.map((c) => outputItem(c, outputs.get(c.callId) ?? 'Not run: the user stopped this request.')));
      }
      if (signal.aborted) throw new SessionError('cancelled');
      if (
        callsMade >= maxCalls &&
        calls.some((c) => outputs.get(c.callId)?.startsWith('Not run: this request reached'))
      )
        return 'tool_limit';
      if (options.yieldAt?.()) return 'yielded';
    }
  }

  /** Consecutive read-only calls run in parallel; anything that writes or runs waits its turn. */
  private async runCalls(
    calls: ToolCall[],
    outputs: Map<string, string>,
    emit: (e: AgentEvent) => void,
    signal: AbortSignal,
  ): Promise<void> {
    let i = 0;
    while (i < calls.length && !signal.aborted) {
      const group = [calls[i]!];
      if (this.deps.tools.isReadOnly(calls[i]!.name)) {
        while (i + group.length < calls.length && this.deps.tools.isReadOnly(calls[i + group.length]!.name))
          group.push(calls[i + group.length]!);
      }
      await Promise.all(group.map((call) => this.runOne(call, outputs, emit, signal)));
      i += group.length;
    }
  }

  private async runOne(
    call: ToolCall,
    outputs: Map<string, string>,
    emit: (e: AgentEvent) => void,
    signal: AbortSignal,
  ): Promise<void> {
    emit({ type: 'tool.start', call, summary: this.deps.tools.describe(call.name, call.raw) });
    let rejected = false;
    const approve = async (request: ApprovalRequest) => {
      emit({ type: 'approval.needed', callId: call.callId, request });
      const approved = await this.deps.approve(call.callId, request);
      rejected = !approved;
      emit({ type: 'approval.resolved', callId: call.callId, approved });
      return approved;
    };
    const ctx = this.deps.toolContext(
      call,
      signal,
      (chunk) => emit({ type: 'tool.progress', callId: call.callId, chunk }),
      approve,
    );
    const result = await this.deps.tools.dispatch(call, ctx);
    outputs.set(call.callId, result.output);
    const status = signal.aborted ? 'cancelled' : rejected ? 'rejected' : result.isError ? 'error' : 'done';
    emit({ type: 'tool.end', callId: call.callId, result, status });
  }
}
