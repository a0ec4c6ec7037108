import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { NodeHost } from '../../../src/tools/node-host.ts';
import { cleanupFixtures, fixture } from './helpers.ts';

afterAll(cleanupFixtures);

describe('NodeHost.applyChanges', () => {
  it('applies adds, updates, moves and deletes together', async () => {
    const ws = fixture({ 'a.txt': 'a\n', 'b.txt': 'b\n', 'c.txt': 'c\n' });
    const host = new NodeHost({ roots: [ws.root] });
    const ok = await host.applyChanges([
      { kind: 'add', uri: ws.uri('new/deep/n.txt'), newText: 'n\n' },
      { kind: 'update', uri: ws.uri('a.txt'), oldText: 'a\n', newText: 'A\n' },
      { kind: 'update', uri: ws.uri('b.txt'), oldText: 'b\n', newText: 'B\n', moveTo: ws.uri('moved/b.txt') },
      { kind: 'delete', uri: ws.uri('c.txt'), oldText: 'c\n' },
    ]);
    expect(ok).toBe(true);
    expect(ws.read('new/deep/n.txt')).toBe('n\n');
    expect(ws.read('a.txt')).toBe('A\n');
    expect(ws.read('moved/b.txt')).toBe('B\n');
    expect(ws.exists('b.txt')).toBe(false);
    expect(ws.exists('c.txt')).toBe(false);
    // No temp files left behind.
    expect(fs.readdirSync(ws.root).filter((n) => n.includes('warmline'))).toEqual([]);
  });

  it('restores every file when a step fails half way (all or none)', async () => {
    const ws = fixture({ 'a.txt': 'a\n', 'b.txt': 'b\n', 'c.txt': 'c\n' });
    const steps: string[] = [];
    const host = new NodeHost({
      roots: [ws.root],
      beforeCommitStep: (i, target) => {
        steps.push(target);
        if (i === 3) throw new Error('disk full');
      },
    });
    const ok = await host.applyChanges([
      { kind: 'update', uri: ws.uri('a.txt'), oldText: 'a\n', newText: 'A\n' },
      { kind: 'add', uri: ws.uri('dir/new.txt'), newText: 'new\n' },
      { kind: 'delete', uri: ws.uri('b.txt'), oldText: 'b\n' },
      { kind: 'update', uri: ws.uri('c.txt'), oldText: 'c\n', newText: 'C\n' },
    ]);
    expect(ok).toBe(false);
    expect(steps).toHaveLength(4); // three steps were applied before the failure
    expect(ws.read('a.txt')).toBe('a\n');
    expect(ws.read('b.txt')).toBe('b\n');
    expect(ws.read('c.txt')).toBe('c\n');
    expect(ws.exists('dir/new.txt')).toBe(false);
    expect(ws.exists('dir')).toBe(false);
    expect(fs.readdirSync(ws.root).sort()).toEqual(['a.txt', 'b.txt', 'c.txt']);
  });

  it('refuses changes whose old text no longer matches, writing nothing', async () => {
    const ws = fixture({ 'a.txt': 'a\n', 'b.txt': 'changed on disk\n' });
    const host = new NodeHost({ roots: [ws.root] });
    expect(
      await host.applyChanges([
        { kind: 'update', uri: ws.uri('a.txt'), oldText: 'a\n', newText: 'A\n' },
        { kind: 'update', uri: ws.uri('b.txt'), oldText: 'b\n', newText: 'B\n' },
      ]),
    ).toBe(false);
    expect(ws.read('a.txt')).toBe('a\n');
    expect(await host.applyChanges([{ kind: 'add', uri: ws.uri('a.txt'), newText: 'x' }])).toBe(false);
    expect(ws.read('a.txt')).toBe('a\n');
  });

  it('keeps a file mode across an update', async () => {
    const ws = fixture({ 'run.sh': '#!/bin/sh\necho 1\n' });
    fs.chmodSync(ws.abs('run.sh'), 0o755);
    const host = new NodeHost({ roots: [ws.root] });
    await host.applyChanges([
      { kind: 'update', uri: ws.uri('run.sh'), oldText: '#!/bin/sh\necho 1\n', newText: '#!/bin/sh\necho 2\n' },
    ]);
    expect(fs.statSync(ws.abs('run.sh')).mode & 0o777).toBe(0o755);
  });
});

describe('NodeHost tasks and processes', () => {
  it('runs a command in its folder and reports the exit code', async () => {
    const ws = fixture({ 'x.txt': '' });
    const host = new NodeHost({ roots: [ws.root] });
    let out = '';
    const r = await host.runProcess(
      { command: 'pwd; exit 4', cwd: ws.root },
      (c) => {
        out += c;
      },
      new AbortController().signal,
      5000,
    );
    expect(r).toEqual({ exitCode: 4, signal: null, timedOut: false, cancelled: false });
    expect(out.trim()).toBe(fs.realpathSync(ws.root));
  });

  it('does not wait forever for a background child holding the output open', async () => {
    const ws = fixture({});
    const host = new NodeHost({ roots: [ws.root] });
    const started = Date.now();
    const r = await host.runProcess(
      { command: 'sleep 30 & echo done', cwd: ws.root },
      () => {},
      new AbortController().signal,
      20_000,
    );
    expect(r.exitCode).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('reads diagnostics from its settable map', () => {
    const ws = fixture({});
    const host = new NodeHost({ roots: [ws.root] });
    host.setDiagnostics(ws.abs('a.ts'), [{ line: 1, column: 2, severity: 'error', message: 'bad' }]);
    expect(host.diagnostics(ws.abs('a.ts'))).toEqual([
      { path: ws.uri('a.ts'), line: 1, column: 2, severity: 'error', message: 'bad' },
    ]);
    expect(host.diagnostics()).toHaveLength(1);
    expect(host.diagnostics(ws.abs('b.ts'))).toEqual([]);
  });
});
