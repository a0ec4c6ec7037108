import { afterAll, describe, expect, it } from 'vitest';
import { getDiagnosticsTool } from '../../../src/tools/get-diagnostics.ts';
import { ToolRegistry, createToolRegistry } from '../../../src/tools/registry.ts';
import { ToolError } from '../../../src/tools/types.ts';
import type { Tool } from '../../../src/tools/types.ts';
import { cleanupFixtures, context, fixture, run } from './helpers.ts';

afterAll(cleanupFixtures);

describe('ToolRegistry', () => {
  it('defines apply_patch as a custom tool with a Lark grammar, and its function twin apply_patch_json', () => {
    const registry = createToolRegistry();
    const defs = registry.definitions();
    expect(defs.map((d) => d.name)).toEqual([
      'read_file',
      'list_files',
      'grep',
      'apply_patch',
      'apply_patch_json',
      'replace_in_file',
      'run_task',
      'get_diagnostics',
    ]);
    expect(defs.find((d) => d.name === 'apply_patch')).toMatchObject({
      type: 'custom',
      format: { type: 'grammar', syntax: 'lark' },
    });
    expect(defs.find((d) => d.name === 'apply_patch_json')).toMatchObject({ type: 'function', strict: true });
    // The session offers a server one of the two (see session.test.ts "tool types").
    expect(registry.fallbacks()).toEqual({ apply_patch: { name: 'apply_patch_json', argument: 'patch' } });
    expect(defs.filter((d) => d.type !== 'function').every((d) => registry.fallbacks()[d.name])).toBe(true);
  });

  it('gives every function tool a strict schema: all properties required, nothing extra, each described', () => {
    for (const d of createToolRegistry().definitions()) {
      if (d.type !== 'function') continue;
      expect(d.strict, d.name).toBe(true);
      expect(d.description!.length, d.name).toBeGreaterThan(40);
      const p = d.parameters as {
        type: string;
        properties: Record<string, { description?: string; type: unknown }>;
        required: string[];
        additionalProperties: boolean;
      };
      expect(p.type).toBe('object');
      expect(p.additionalProperties).toBe(false);
      expect([...p.required].sort()).toEqual(Object.keys(p.properties).sort());
      for (const [name, prop] of Object.entries(p.properties))
        expect(prop.description, `${d.name}.${name}`).toBeTruthy();
    }
  });

  it('never throws from dispatch: bad JSON, unknown tool, refusals and crashes become readable errors', async () => {
    const ws = fixture({ '.env': 'K=1', 'a.txt': 'hi\n' });
    const ctx = context(ws.root);
    const registry = createToolRegistry();
    expect(await registry.dispatch({ name: 'read_file', type: 'function', raw: '{oops' }, ctx)).toMatchObject({
      isError: true,
      summary: 'invalid arguments',
    });
    expect((await registry.dispatch({ name: 'read_file', arguments: '{oops' }, ctx)).output).toMatch(
      /^Error: Invalid arguments for read_file: the arguments are not valid JSON/,
    );
    const unknown = await registry.dispatch({ name: 'delete_everything', raw: '{}' }, ctx);
    expect(unknown).toMatchObject({ isError: true });
    expect(unknown.output).toMatch(
      /no tool named 'delete_everything'\. Available tools: read_file, list_files, grep, apply_patch/,
    );
    expect(await registry.dispatch({ name: 'read_file', raw: '{"path":".env"}' }, ctx)).toMatchObject({
      isError: true,
      summary: 'secret',
    });
    const crashing: Tool<unknown> = {
      ...getDiagnosticsTool,
      name: 'boom',
      run: async () => {
        throw new TypeError('x is undefined');
      },
    } as Tool<unknown>;
    const r = await new ToolRegistry([crashing]).dispatch({ name: 'boom', raw: '{}' }, ctx);
    expect(r).toEqual({ output: 'Error: boom failed unexpectedly: x is undefined', isError: true, summary: 'failed' });
    expect((await registry.dispatch({ name: 'read_file', raw: '{"path":"a.txt"}' }, ctx)).output).toContain('1\thi');
  });

  it('bounds every result, whatever the tool returned', async () => {
    const chatty: Tool<unknown> = {
      ...getDiagnosticsTool,
      name: 'chatty',
      run: async () => ({ output: 'y'.repeat(100_000) }),
    } as Tool<unknown>;
    const ws = fixture();
    const r = await new ToolRegistry([chatty]).dispatch(
      { name: 'chatty', raw: '{}' },
      context(ws.root, { maxOutputBytes: 1000 }),
    );
    expect(Buffer.byteLength(r.output)).toBeLessThanOrEqual(1000);
    expect(r.output).toMatch(/bytes \(0 lines\) cut/);
  });

  it('reports a cancelled call without running it', async () => {
    const ws = fixture({ 'a.txt': 'x' });
    const ctx = context(ws.root);
    ctx.controller.abort();
    expect(await createToolRegistry().dispatch({ name: 'read_file', raw: '{"path":"a.txt"}' }, ctx)).toMatchObject({
      isError: true,
      summary: 'cancelled',
    });
  });

  it('knows which tools only read, and describes calls for cards', () => {
    const registry = createToolRegistry();
    expect(['read_file', 'list_files', 'grep', 'get_diagnostics'].every((n) => registry.isReadOnly(n))).toBe(true);
    expect(
      ['apply_patch', 'apply_patch_json', 'replace_in_file', 'run_task', 'nope'].some((n) => registry.isReadOnly(n)),
    ).toBe(false);
    expect(registry.describe('read_file', '{"path":"src/a.ts","start_line":10,"end_line":40}')).toBe('src/a.ts:10-40');
    expect(registry.describe('grep', '{"pattern":"foo","path":"src"}')).toBe('/foo/ in src');
    expect(registry.describe('run_task', '{"name":"build"}')).toBe('build');
    expect(registry.describe('apply_patch', '*** Begin Patch\n*** Update File: a.ts\n@@\n-x\n+y\n*** End Patch')).toBe(
      'Update a.ts',
    );
    expect(registry.describe('read_file', '{"path": 12')).toBe('{"path": 12');
  });

  it('keeps ToolError codes stable for the UI', () => {
    const e = new ToolError('outside_workspace', 'x');
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe('outside_workspace');
  });
});

describe('get_diagnostics', () => {
  it('lists problems most severe first, for a file or the workspace, hiding secrets', async () => {
    const ws = fixture({ 'src/a.ts': '', 'src/b.ts': '', '.env': '' });
    const ctx = context(ws.root);
    ctx.host.setDiagnostics(ws.abs('src/b.ts'), [
      { line: 3, column: 1, severity: 'warning', message: 'unused', source: 'eslint' },
    ]);
    ctx.host.setDiagnostics(ws.abs('src/a.ts'), [
      { line: 10, column: 5, severity: 'error', message: 'Cannot find name\n  x', source: 'ts 2304' },
      { line: 1, column: 1, severity: 'hint', message: 'could be const' },
    ]);
    ctx.host.setDiagnostics(ws.abs('.env'), [{ line: 1, column: 1, severity: 'error', message: 'SECRET=abc leaked' }]);
    const all = await run(getDiagnosticsTool, {}, ctx);
    expect(all.output).toBe(
      '1 error, 1 warning in the workspace:\nsrc/a.ts:10:5 error Cannot find name x [ts 2304]\nsrc/b.ts:3:1 warning unused [eslint]',
    );
    const one = await run(getDiagnosticsTool, { path: 'src/a.ts', severity: 'all' }, ctx);
    expect(one.output.split('\n')).toHaveLength(3);
    expect((await run(getDiagnosticsTool, { path: 'src/b.ts', severity: 'error' }, ctx)).output).toMatch(
      /^No problems reported in src\/b\.ts/,
    );
    expect((await run(getDiagnosticsTool, { path: 'src' }, ctx)).summary).toBe('1 error, 1 warning');
  });
});
