import { afterEach, describe, expect, it } from 'vitest';
import {
  commandLine,
  definitionHash,
  loadMcpConfig,
  parseEnvFile,
  parseMcpJson,
  substituteVariables,
} from '../../../src/tools/mcp/config.ts';
import { NodeFs } from '../../../src/tools/node-fs.ts';
import { fileUri } from '../../../src/tools/uri.ts';
import { cleanupFixtures, fixture } from '../tools/helpers.ts';

afterEach(cleanupFixtures);

const vars = { workspaceFolder: '/ws', userHome: '/home/u', env: { TOKEN: 'secret' } };

let root = '';
async function load(files: Record<string, string>, user: unknown = undefined, workspace: unknown = undefined) {
  const f = fixture(files);
  root = f.root;
  return loadMcpConfig({
    userServers: user,
    workspaceServers: workspace,
    roots: [fileUri(f.root)],
    fs: new NodeFs(),
    userHome: '/home/u',
    env: { TOKEN: 'secret' },
  });
}

describe('MCP configuration', () => {
  it('substitutes ${workspaceFolder}, ${userHome} and ${env:NAME}, and leaves unknown variables', () => {
    expect(substituteVariables('${workspaceFolder}/a ${userHome} ${env:TOKEN} ${env:NONE}|${foo}', vars)).toBe(
      '/ws/a /home/u secret |${foo}',
    );
  });

  it('reads .vscode/mcp.json in VS Code format, with comments and trailing commas', async () => {
    const { servers, errors } = await load({
      '.vscode/mcp.json': `{
        // a comment
        "servers": {
          "local": { "type": "stdio", "command": "node", "args": ["\${workspaceFolder}/s.js"], "env": { "K": "\${env:TOKEN}" }, },
          "remote": { "type": "http", "url": "http://127.0.0.1:9/mcp", "headers": { "Authorization": "Bearer \${env:TOKEN}" } },
          "implicit": { "command": "srv" },
        },
        "inputs": [],
      }`,
    });
    expect(errors).toEqual([]);
    expect(servers.map((s) => [s.name, s.scope, s.transport?.type])).toEqual([
      ['local', 'workspace', 'stdio'],
      ['remote', 'workspace', 'http'],
      ['implicit', 'workspace', 'stdio'],
    ]);
    const local = servers[0]!.transport!;
    expect(local.type === 'stdio' && local.args[0]).toBe(`${root}/s.js`);
    expect(local.type === 'stdio' && local.env).toEqual({ K: 'secret' });
    expect(local.type === 'stdio' && local.cwd).toBe(root); // a stdio server runs in its folder by default
    const remote = servers[1]!.transport!;
    expect(remote.type === 'http' && remote.headers).toEqual({ Authorization: 'Bearer secret' });
  });

  it('says clearly what is wrong with a broken mcp.json, and still loads the settings servers', async () => {
    const { servers, errors } = await load({ '.vscode/mcp.json': '{ "servers": { "a": ' }, { mine: { command: 'x' } });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/mcp\.json is not valid JSON/);
    expect(servers.map((s) => [s.name, s.scope])).toEqual([['mine', 'user']]);
    expect(parseMcpJson('[1]', 'f')).toEqual({ error: 'f must hold an object with a "servers" map' });
    expect(parseMcpJson('{"servers": 3}', 'f')).toHaveProperty(
      'error',
      expect.stringMatching(/"servers" must be an object/),
    );
  });

  it('keeps a bad definition with the reason it cannot start', async () => {
    const { servers } = await load({
      '.vscode/mcp.json': JSON.stringify({
        servers: {
          noCommand: { type: 'stdio' },
          badUrl: { type: 'http', url: 'not a url' },
          ftp: { type: 'http', url: 'ftp://x' },
          sse: { type: 'sse', url: 'http://x' },
          weird: { type: 'carrier-pigeon' },
          input: { command: 'srv', env: { KEY: '${input:api-key}' } },
          badArgs: { command: 'srv', args: 'one' },
        },
      }),
    });
    const errs = Object.fromEntries(servers.map((s) => [s.name, s.error]));
    expect(servers.every((s) => s.transport === undefined)).toBe(true);
    expect(errs.noCommand).toMatch(/needs a "command"/);
    expect(errs.badUrl).toMatch(/not a valid URL/);
    expect(errs.ftp).toMatch(/must be http: or https:/);
    expect(errs.sse).toMatch(/"sse" .* not supported/);
    expect(errs.weird).toMatch(/unknown type "carrier-pigeon"/);
    expect(errs.input).toMatch(/uses \$\{input:api-key\}.*cannot prompt/);
    expect(errs.badArgs).toMatch(/"args" must be an array of strings/);
  });

  it('merges user settings, workspace settings and mcp.json; a duplicate name keeps the first', async () => {
    const { servers, errors } = await load(
      { '.vscode/mcp.json': JSON.stringify({ servers: { a: { command: 'from-file' }, c: { command: 'c' } } }) },
      { a: { command: 'from-user' } },
      { b: { url: 'http://127.0.0.1:1/mcp' } },
    );
    expect(servers.map((s) => [s.name, s.scope])).toEqual([
      ['a', 'user'],
      ['b', 'workspace'],
      ['c', 'workspace'],
    ]);
    expect(servers[0]!.transport).toMatchObject({ command: 'from-user' });
    expect(errors).toEqual([
      expect.stringMatching(/'a' is defined in user settings .* and in .*mcp\.json: the first one is used/),
    ]);
  });

  it('a changed command changes the definition hash (the start is asked again)', () => {
    const a = {
      name: 's',
      scope: 'user' as const,
      origin: 'o',
      transport: { type: 'stdio' as const, command: 'a', args: [], env: {} },
    };
    const b = { ...a, transport: { ...a.transport, args: ['--evil'] } };
    expect(definitionHash(a)).toBe(definitionHash({ ...a }));
    expect(definitionHash(a)).not.toBe(definitionHash(b));
    expect(commandLine({ ...a.transport, args: ['x y', "it's"] })).toBe(`a 'x y' 'it'\\''s'`);
  });

  it('parses env files', () => {
    expect(parseEnvFile('# c\nA=1\nexport B="two words"\nC=\'x\' \nD=3 # note\nbad line')).toEqual({
      A: '1',
      B: 'two words',
      C: 'x',
      D: '3',
    });
  });
});
