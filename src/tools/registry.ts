// The tool registry: the definitions the session sends at warmup, and dispatch of the model's
// calls. Dispatch never throws: bad arguments, refusals and crashes all become a result the
// model can read ("Error: ..."), bounded like every other result.
import type { ToolDefinition } from '../session/protocol.ts';
import { applyPatchJsonTool, applyPatchTool } from './apply-patch.ts';
import { getDiagnosticsTool } from './get-diagnostics.ts';
import { createGrepTool } from './grep.ts';
import type { GrepToolOptions } from './grep.ts';
import { listFilesTool } from './list-files.ts';
import { boundOutput } from './output.ts';
import { readFileTool } from './read-file.ts';
import { replaceInFileTool } from './replace-in-file.ts';
import { runTaskTool } from './run-task.ts';
import { truncate } from './similarity.ts';
import { ToolError } from './types.ts';
import type { Tool, ToolContext, ToolResult } from './types.ts';

/** A call as the agent loop passes it (`raw`), or as the Responses API names the fields. */
export interface ToolCallInput {
  name: string;
  type?: 'function' | 'custom' | string;
  callId?: string;
  /** Raw arguments: JSON text for function tools, free text for custom tools. */
  raw?: string;
  arguments?: string;
  input?: string;
}

export class ToolRegistry {
  private readonly tools = new Map<string, Tool>();
  /** Names of the tools added at run time (MCP servers' tools), replaced as a set. */
  private readonly added = new Set<string>();

  constructor(tools: readonly Tool[]) {
    for (const t of tools) {
      if (this.tools.has(t.name)) throw new Error(`duplicate tool ${t.name}`);
      this.tools.set(t.name, t);
    }
  }

  /**
   * Every tool, apply_patch (custom) and its function twin apply_patch_json both: the session
   * offers each server the ones it takes (see `fallbacks`).
   */
  definitions(): ToolDefinition[] {
    return [...this.tools.values()].map((t) => t.definition);
  }

  /** For each tool of a type some servers do not take: the function tool offered in its place there. */
  fallbacks(): Record<string, { name: string; argument: string }> {
    const out: Record<string, { name: string; argument: string }> = {};
    for (const t of this.tools.values()) if (t.fallback && this.tools.has(t.fallback.name)) out[t.name] = t.fallback;
    return out;
  }

  /**
   * Replaces the tools added at run time (the MCP servers' tools) with `tools`; the built-in ones
   * stay. Returns true when the set of definitions changed. A name a built-in tool has is refused.
   */
  setAddedTools(tools: readonly Tool[]): boolean {
    const before = JSON.stringify(this.definitions());
    for (const name of this.added) this.tools.delete(name);
    this.added.clear();
    for (const t of tools) {
      if (this.tools.has(t.name)) throw new Error(`duplicate tool ${t.name}`);
      this.tools.set(t.name, t);
      this.added.add(t.name);
    }
    return JSON.stringify(this.definitions()) !== before;
  }

  /** The built-in tools' names (what added tools must not be named). */
  builtInNames(): string[] {
    return this.names().filter((n) => !this.added.has(n));
  }

  names(): string[] {
    return [...this.tools.keys()];
  }
  get(name: string): Tool | undefined {
    return this.tools.get(name);
  }

  /** Read-only tools may run in parallel with each other. Unknown tools are not read-only. */
  isReadOnly(name: string): boolean {
    return this.tools.get(name)?.readOnly ?? false;
  }

  /** A short text for the tool card; falls back to the raw arguments when they do not parse. */
  describe(name: string, raw: string): string {
    const tool = this.tools.get(name);
    if (!tool) return name;
    try {
      return tool.describe(tool.parse(raw));
    } catch {
      return truncate(raw.replace(/\s+/g, ' ').trim(), 80);
    }
  }

  async dispatch(call: ToolCallInput, ctx: ToolContext): Promise<ToolResult> {
    const max = ctx.settings.maxOutputBytes;
    const tool = this.tools.get(call.name);
    if (!tool) {
      const names = this.definitions()
        .map((d) => d.name)
        .join(', ');
      return {
        output: `Error: there is no tool named '${call.name}'. Available tools: ${names}.`,
        isError: true,
        summary: 'unknown tool',
      };
    }
    const raw = call.raw ?? call.input ?? call.arguments ?? '';
    try {
      if (ctx.signal.aborted) throw new ToolError('cancelled', 'The call was cancelled before it started.');
      const args = tool.parse(raw);
      const result = await tool.run(args, ctx);
      return { ...result, output: boundOutput(result.output, max) };
    } catch (e) {
      if (e instanceof ToolError) {
        return { output: boundOutput(`Error: ${e.message}`, max), isError: true, summary: e.code.replace(/_/g, ' ') };
      }
      const message = e instanceof Error ? e.message : String(e);
      return {
        output: boundOutput(`Error: ${call.name} failed unexpectedly: ${message}`, max),
        isError: true,
        summary: 'failed',
      };
    }
  }
}

export interface WorkspaceToolsOptions {
  grep?: GrepToolOptions;
}

/** Every workspace tool, in the order the model sees them. */
export function workspaceTools(options: WorkspaceToolsOptions = {}): Tool[] {
  return [
    readFileTool,
    listFilesTool,
    createGrepTool(options.grep),
    applyPatchTool,
    applyPatchJsonTool,
    replaceInFileTool,
    runTaskTool,
    getDiagnosticsTool,
  ] as Tool[];
}

export function createToolRegistry(options: WorkspaceToolsOptions = {}): ToolRegistry {
  return new ToolRegistry(workspaceTools(options));
}
