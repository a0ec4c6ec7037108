// MCP tools as the model sees them: function tools named `<server>__<tool>` (sanitised to the
// API's `[a-zA-Z0-9_-]{1,64}`), their parameters the server's input schema made an object schema,
// their results joined into text (images and binary resources summarised), bounded like every
// other tool's. Every call goes through the approval policy first (policy.ts).
import type { FunctionTool } from '../../session/protocol.ts';
import { truncate } from '../similarity.ts';
import { ToolError } from '../types.ts';
import type { Tool, ToolContext, ToolResult } from '../types.ts';
import { mcpAllowed } from './policy.ts';
import type { McpAutoApprove } from './policy.ts';

export const MAX_TOOL_NAME = 64;

/** What a server says about one of its tools (the parts Warmline uses). */
export interface McpToolInfo {
  name: string;
  description?: string;
  inputSchema?: unknown;
  annotations?: { title?: string; readOnlyHint?: boolean };
}

/** A content block of a tool result (the parts Warmline reads; anything else is summarised by type). */
export interface McpContent {
  type: string;
  text?: string;
  data?: string;
  mimeType?: string;
  uri?: string;
  name?: string;
  resource?: { uri?: string; mimeType?: string; text?: string; blob?: string };
}

export interface McpCallResult {
  content?: McpContent[];
  structuredContent?: unknown;
  isError?: boolean;
}

/** What an MCP tool needs to call its server (the client manager implements it). */
export interface McpCaller {
  call(
    server: string,
    tool: string,
    args: Record<string, unknown>,
    options: { signal: AbortSignal; onProgress(text: string): void },
  ): Promise<McpCallResult>;
  autoApprove(): McpAutoApprove;
}

const sanitise = (s: string) => s.replace(/[^a-zA-Z0-9_-]/g, '_');

function shortHash(s: string): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0).toString(36);
}

/**
 * The function name for a server's tool: `<server>__<tool>`, characters outside `[a-zA-Z0-9_-]`
 * made `_`, cut to 64 with a hash of the full name when longer, and made unique against `taken`
 * (built-in tools and names already given) with a `_2`, `_3`, … suffix.
 */
export function mcpToolName(server: string, tool: string, taken: ReadonlySet<string>): string {
  let name = `${sanitise(server)}__${sanitise(tool)}`;
  if (name.length > MAX_TOOL_NAME) {
    const hash = shortHash(`${server}\u0000${tool}`);
    name = `${name.slice(0, MAX_TOOL_NAME - hash.length - 1)}_${hash}`;
  }
  if (!taken.has(name)) return name;
  for (let n = 2; ; n++) {
    const suffix = `_${n}`;
    const candidate = name.slice(0, MAX_TOOL_NAME - suffix.length) + suffix;
    if (!taken.has(candidate)) return candidate;
  }
}

/** The server's input schema as function parameters: always an object schema (strict mode off). */
export function sanitiseSchema(schema: unknown): Record<string, unknown> {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return { type: 'object', properties: {} };
  const { $schema: _drop, ...rest } = schema as Record<string, unknown>;
  if (rest.type !== undefined && rest.type !== 'object') return { type: 'object', properties: {} };
  const properties =
    typeof rest.properties === 'object' && rest.properties !== null && !Array.isArray(rest.properties)
      ? rest.properties
      : {};
  const out: Record<string, unknown> = { ...rest, type: 'object', properties };
  if (out.required !== undefined && !(Array.isArray(out.required) && out.required.every((r) => typeof r === 'string')))
    delete out.required;
  return out;
}

function size(base64: string | undefined): string {
  const bytes = base64 ? Math.floor((base64.replace(/=+$/, '').length * 3) / 4) : 0;
  return bytes >= 1024 ? `${Math.round(bytes / 1024)} KB` : `${bytes} B`;
}

/** A tool result as text for the model: text joined, anything else a one-line summary. */
export function resultText(result: McpCallResult): string {
  const parts: string[] = [];
  for (const c of result.content ?? []) {
    switch (c.type) {
      case 'text':
        parts.push(c.text ?? '');
        break;
      case 'image':
      case 'audio':
        parts.push(`[${c.type}: ${c.mimeType ?? 'unknown type'}, ${size(c.data)}]`);
        break;
      case 'resource_link':
        parts.push(`[resource link: ${c.uri ?? ''}${c.name ? ` (${c.name})` : ''}]`);
        break;
      case 'resource': {
        const r = c.resource ?? {};
        if (typeof r.text === 'string') parts.push(`[resource: ${r.uri ?? ''}]\n${r.text}`);
        else parts.push(`[resource: ${r.uri ?? ''}, ${r.mimeType ?? 'unknown type'}, ${size(r.blob)}]`);
        break;
      }
      default:
        parts.push(`[${c.type} content]`);
    }
  }
  if (!parts.length && result.structuredContent !== undefined) parts.push(JSON.stringify(result.structuredContent));
  return parts.join('\n');
}

export type McpArgs = Record<string, unknown>;

/** One server tool as a Warmline tool. */
export function mcpTool(server: string, info: McpToolInfo, name: string, caller: McpCaller): Tool<McpArgs> {
  const label = `MCP server ${server}`;
  const definition: FunctionTool = {
    type: 'function',
    name,
    description: `[${label}] ${info.description ?? info.annotations?.title ?? info.name}`,
    strict: false,
    parameters: sanitiseSchema(info.inputSchema),
  };
  return {
    name,
    definition,
    readOnly: false, // every call may ask for approval: one at a time
    parse(raw: string): McpArgs {
      if (!raw.trim()) return {};
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch {
        throw new ToolError('invalid_arguments', `The arguments of ${name} must be a JSON object.`);
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw new ToolError('invalid_arguments', `The arguments of ${name} must be a JSON object.`);
      return value as McpArgs;
    },
    describe(args: McpArgs): string {
      const json = JSON.stringify(args);
      return `${server}: ${info.name}${json === '{}' ? '' : ` ${truncate(json, 80)}`}`;
    },
    async run(args: McpArgs, ctx: ToolContext): Promise<ToolResult> {
      if (!mcpAllowed(caller.autoApprove(), server, info.name)) {
        const ok = await ctx.approve({
          kind: 'mcp',
          title: `Run ${info.name} on MCP server ${server}`,
          command: JSON.stringify(args, null, 2),
          mcp: { server, tool: info.name },
        });
        if (!ok)
          throw new ToolError(
            'rejected',
            `The user declined to run ${info.name} on MCP server ${server}. Do not call it again with the same arguments; ask the user if it is needed.`,
          );
      }
      const result = await caller.call(server, info.name, args, {
        signal: ctx.signal,
        onProgress: (text) => ctx.progress(text),
      });
      const text = resultText(result);
      if (result.isError)
        return {
          output: `Error: ${info.name} on MCP server ${server} reported an error:\n${text || '(no message)'}`,
          isError: true,
          summary: 'the server reported an error',
        };
      const items = result.content?.length ?? 0;
      return { output: text || '(the tool returned no content)', summary: `${items} item${items === 1 ? '' : 's'}` };
    },
  };
}
