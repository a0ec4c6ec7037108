// MCP server definitions: `warmline.mcp.servers` (user and workspace settings) and each workspace
// folder's `.vscode/mcp.json`, in VS Code's own format (a top-level `servers` map; `type: "stdio"`
// with `command`, `args`, `env`, `envFile`, `cwd`; `type: "http"` with `url`, `headers`). Comments
// and trailing commas are allowed, as VS Code allows them. `${workspaceFolder}`, `${userHome}` and
// `${env:NAME}` are substituted; a server using `${input:…}` (VS Code prompts for those; Warmline
// cannot) is kept, not started, and says why.
import { createHash } from 'node:crypto';
import { stripJsonComments } from '../tasks-file.ts';
import { joinUri, localPathOf } from '../uri.ts';
import type { WorkspaceFs } from '../workspace-fs.ts';

export type McpTransportConfig =
  | { type: 'stdio'; command: string; args: string[]; env: Record<string, string>; envFile?: string; cwd?: string }
  | { type: 'http'; url: string; headers: Record<string, string> };

export interface McpServerConfig {
  /** The name the user gave it: the key of the `servers` map. */
  name: string;
  /** `user`: the user's own settings (may start in a restricted workspace); `workspace`: defined by the workspace. */
  scope: 'user' | 'workspace';
  /** Where it was defined, for messages: "user settings", ".vscode/mcp.json of folder app". */
  origin: string;
  /** Undefined when the definition cannot be used (`error` says why). */
  transport?: McpTransportConfig;
  /** Why the server cannot be started: a bad shape, an `${input:…}` variable, a duplicate name. */
  error?: string;
}

/** What variables resolve to. */
export interface McpVariables {
  /** The local path of the folder the definition belongs to (settings: the first folder). */
  workspaceFolder?: string;
  userHome: string;
  env: Record<string, string | undefined>;
}

/** One source of definitions: a `servers` map, where it came from, and its variables. */
export interface McpSource {
  scope: 'user' | 'workspace';
  origin: string;
  servers: unknown;
  vars: McpVariables;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

class ConfigError extends Error {}

/** Substitutes the variables Warmline knows in one string; throws ConfigError for the rest it must not guess. */
export function substituteVariables(value: string, vars: McpVariables): string {
  return value.replace(/\$\{([^}]*)\}/g, (whole, name: string) => {
    if (name === 'workspaceFolder') {
      if (vars.workspaceFolder === undefined)
        throw new ConfigError(`it uses ${whole}, but no local workspace folder is open`);
      return vars.workspaceFolder;
    }
    if (name === 'userHome') return vars.userHome;
    if (name.startsWith('env:')) return vars.env[name.slice(4)] ?? '';
    if (name.startsWith('input:'))
      throw new ConfigError(
        `it uses ${whole}, an input VS Code would prompt for; Warmline cannot prompt for inputs: put the value in the definition or in an environment variable (\${env:NAME})`,
      );
    return whole; // VS Code leaves variables it does not know as they are
  });
}

function stringMap(v: unknown, what: string, vars: McpVariables): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isRecord(v)) throw new ConfigError(`"${what}" must be an object of strings`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null) continue;
    if (typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean')
      throw new ConfigError(`"${what}.${k}" must be a string`);
    out[k] = substituteVariables(String(x), vars);
  }
  return out;
}

function optionalString(v: unknown, what: string, vars: McpVariables): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new ConfigError(`"${what}" must be a string`);
  return substituteVariables(v, vars);
}

/** One entry of a `servers` map, checked and with its variables substituted. */
export function parseServer(def: unknown, vars: McpVariables): McpTransportConfig {
  if (!isRecord(def)) throw new ConfigError('the definition must be an object');
  const type = def.type ?? (def.command !== undefined ? 'stdio' : def.url !== undefined ? 'http' : undefined);
  if (type === 'stdio') {
    const command = optionalString(def.command, 'command', vars);
    if (!command) throw new ConfigError('a stdio server needs a "command"');
    if (def.args !== undefined && (!Array.isArray(def.args) || def.args.some((a) => typeof a !== 'string')))
      throw new ConfigError('"args" must be an array of strings');
    return {
      type: 'stdio',
      command,
      args: ((def.args as string[] | undefined) ?? []).map((a) => substituteVariables(a, vars)),
      env: stringMap(def.env, 'env', vars),
      envFile: optionalString(def.envFile, 'envFile', vars),
      cwd: optionalString(def.cwd, 'cwd', vars) ?? vars.workspaceFolder,
    };
  }
  if (type === 'http' || type === 'streamable-http' || type === 'streamableHttp') {
    const url = optionalString(def.url, 'url', vars);
    if (!url) throw new ConfigError('an http server needs a "url"');
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ConfigError(`"url" is not a valid URL: ${url}`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      throw new ConfigError(`"url" must be http: or https:, not ${parsed.protocol}`);
    return { type: 'http', url, headers: stringMap(def.headers, 'headers', vars) };
  }
  if (type === 'sse')
    throw new ConfigError('type "sse" (the old HTTP+SSE transport) is not supported: use "http" (streamable HTTP)');
  throw new ConfigError(
    type === undefined
      ? 'it has no "type" and neither a "command" nor a "url"'
      : `unknown type ${JSON.stringify(type)} (use "stdio" or "http")`,
  );
}

/** The servers of one source; a source that is not a map at all gives one error entry. */
export function serversOf(source: McpSource): McpServerConfig[] | string {
  if (source.servers === undefined || source.servers === null) return [];
  if (!isRecord(source.servers)) return `${source.origin}: "servers" must be an object mapping names to definitions`;
  return Object.entries(source.servers).map(([name, def]) => {
    const base = { name, scope: source.scope, origin: source.origin };
    try {
      return { ...base, transport: parseServer(def, source.vars) };
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      return { ...base, error: `MCP server '${name}' (${source.origin}) cannot be started: ${e.message}.` };
    }
  });
}

/** Parses the text of an mcp.json: its `servers` map, or a clear error. */
export function parseMcpJson(text: string, origin: string): { servers: unknown } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(stripJsonComments(text.replace(/^\uFEFF/, '')));
  } catch (e) {
    return { error: `${origin} is not valid JSON (comments are allowed): ${(e as Error).message}` };
  }
  if (!isRecord(value)) return { error: `${origin} must hold an object with a "servers" map` };
  if (value.servers !== undefined && !isRecord(value.servers))
    return { error: `${origin}: "servers" must be an object mapping names to definitions` };
  return { servers: value.servers ?? {} };
}

export interface McpConfigResult {
  servers: McpServerConfig[];
  /** Files or settings that could not be read at all. */
  errors: string[];
}

/**
 * All definitions: user settings, workspace settings, then each folder's `.vscode/mcp.json`.
 * A name defined twice keeps the first definition; the second is listed with an error naming both.
 */
export async function loadMcpConfig(options: {
  userServers: unknown;
  workspaceServers: unknown;
  roots: readonly string[];
  fs: WorkspaceFs;
  userHome: string;
  env: Record<string, string | undefined>;
}): Promise<McpConfigResult> {
  const firstLocal = options.roots.map(localPathOf).find((p) => p !== undefined);
  const vars = (folder: string | undefined): McpVariables => ({
    workspaceFolder: folder,
    userHome: options.userHome,
    env: options.env,
  });
  const sources: McpSource[] = [
    {
      scope: 'user',
      origin: 'user settings (warmline.mcp.servers)',
      servers: options.userServers,
      vars: vars(firstLocal),
    },
    {
      scope: 'workspace',
      origin: 'workspace settings (warmline.mcp.servers)',
      servers: options.workspaceServers,
      vars: vars(firstLocal),
    },
  ];
  const errors: string[] = [];
  for (const root of options.roots) {
    const uri = joinUri(root, '.vscode', 'mcp.json');
    const origin = `${uri.replace(/^file:\/\//, '')}`;
    let bytes: Uint8Array;
    try {
      if (!(await options.fs.stat(uri))) continue;
      bytes = await options.fs.readFile(uri, { maxBytes: 1024 * 1024 });
    } catch (e) {
      errors.push(`${origin} could not be read: ${(e as Error).message}`);
      continue;
    }
    const parsed = parseMcpJson(new TextDecoder().decode(bytes), origin);
    if ('error' in parsed) errors.push(parsed.error);
    else sources.push({ scope: 'workspace', origin, servers: parsed.servers, vars: vars(localPathOf(root)) });
  }
  const servers: McpServerConfig[] = [];
  for (const source of sources) {
    const found = serversOf(source);
    if (typeof found === 'string') {
      errors.push(found);
      continue;
    }
    for (const s of found) {
      const first = servers.find((x) => x.name === s.name);
      if (first) {
        errors.push(`MCP server '${s.name}' is defined in ${first.origin} and in ${s.origin}: the first one is used.`);
        continue;
      }
      servers.push(s);
    }
  }
  return { servers, errors };
}

/** A stable hash of what a server runs: a changed command, argument, env or folder asks again before starting. */
export function definitionHash(server: McpServerConfig): string {
  return createHash('sha256')
    .update(JSON.stringify([server.name, server.scope, server.transport]))
    .digest('hex')
    .slice(0, 32);
}

/** The command line shown when asking to start a stdio server. */
export function commandLine(t: Extract<McpTransportConfig, { type: 'stdio' }>): string {
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  return [t.command, ...t.args].map(quote).join(' ');
}

/** Parses an env file (KEY=VALUE lines, `#` comments, optional quotes), as VS Code's envFile. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    let value = m[2]!;
    if (/^".*"$/.test(value)) value = value.slice(1, -1).replace(/\\n/g, '\n');
    else if (/^'.*'$/.test(value)) value = value.slice(1, -1);
    else value = value.replace(/\s+#.*$/, '');
    out[m[1]!] = value;
  }
  return out;
}
