// Size and start-up figures of the packaged extension:
//   - bundle sizes: a production build (`node esbuild.js --production`) of the current working
//     tree, made in a temp copy so the checkout's dist/ is not touched; the checkout's own dist/
//     is listed too, as found;
//   - the .vsix size: `vsce package --no-dependencies --allow-missing-repository --skip-license`
//     in that temp copy (if vsce fails, the reason is printed and the benchmark exits non-zero);
//   - activation time OUTSIDE VS Code: `require(dist/extension.js)` + `activate()` with a fake
//     `vscode` module, in fresh processes. The real-VS-Code number comes from the integration tests.
//
//   node bench/size/run.ts [--quick] [--activations K] [--keep]
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { fmt, fmtSpread, spread, table } from '../chain/stats.ts';
import { zipEntries } from './zip.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const failures: string[] = [];

function arg(name: string): string | undefined {
  const argv = process.argv.slice(2);
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

const kb = (n: number) => `${fmt(n / 1024, 1)} KB`;

/** A copy of what the build and vsce read: sources, manifest, media; node_modules linked. */
function tempCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warmline-size-'));
  for (const entry of fs.readdirSync(ROOT)) {
    if (['node_modules', 'dist', 'out', '.git', '.tools', '.test-artifacts', 'bench', 'test', '.ci'].includes(entry))
      continue;
    if (entry.endsWith('.vsix') || entry.endsWith('.log')) continue;
    fs.cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

function fileRows(distDir: string): { rows: string[][]; total: number; gzTotal: number } {
  const rows: string[][] = [];
  let total = 0;
  let gzTotal = 0;
  const files = fs
    .readdirSync(distDir, { recursive: true })
    .map(String)
    .filter((f) => fs.statSync(path.join(distDir, f)).isFile() && !f.endsWith('.map') && f !== 'package.json')
    .sort();
  for (const f of files) {
    const buf = fs.readFileSync(path.join(distDir, f));
    const gz = zlib.gzipSync(buf, { level: 9 }).length;
    total += buf.length;
    gzTotal += gz;
    rows.push([`dist/${f}`, kb(buf.length), kb(gz)]);
  }
  return { rows, total, gzTotal };
}

function activationTimes(
  extPath: string,
  runs: number,
): { requireMs: number; activateMs: number; subscriptions: number }[] {
  const results: { requireMs: number; activateMs: number; subscriptions: number }[] = [];
  const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'warmline-activate-'));
  try {
    for (let i = 0; i < runs; i++) {
      const r = spawnSync(
        process.execPath,
        ['--no-warnings', path.join(HERE, 'activate-child.ts'), extPath, ROOT, storage],
        { encoding: 'utf8', timeout: 60_000 },
      );
      const line = r.stdout.split('\n').find((l) => l.startsWith('@@'));
      if (!line?.startsWith('@@RESULT ')) {
        const why = line?.startsWith('@@ERROR ')
          ? (JSON.parse(line.slice(8)) as string)
          : `exit ${r.status} ${r.signal ?? ''} ${r.stderr.slice(-2000)}`;
        throw new Error(`activation outside VS Code failed: ${why}`);
      }
      results.push(JSON.parse(line.slice(9)));
    }
  } finally {
    fs.rmSync(storage, { recursive: true, force: true });
  }
  return results;
}

function main(): void {
  const quick = process.argv.includes('--quick');
  const activations = Number(arg('activations') ?? (quick ? 3 : 9));
  const keep = process.argv.includes('--keep');
  console.log(`## Size and activation (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC)\n`);

  const dir = tempCopy();
  const out: string[] = [];
  try {
    // 1. Production bundle of the working tree, in the temp copy.
    const t0 = performance.now();
    try {
      execFileSync(process.execPath, ['esbuild.js', '--production'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      const e = err as { stderr?: Buffer; message: string };
      throw new Error(
        `the production build failed (node esbuild.js --production in a temp copy): ${e.stderr?.toString().trim() || e.message}`,
      );
    }
    const buildMs = performance.now() - t0;
    const built = fileRows(path.join(dir, 'dist'));
    out.push(
      `### Bundle (production build of the current working tree into a temp copy: \`node esbuild.js --production\`, ${fmt(buildMs / 1000, 1)} s)\n`,
    );
    out.push(
      table(
        ['file', 'size', 'gzip -9'],
        [...built.rows, ['total (no source maps)', kb(built.total), kb(built.gzTotal)]],
      ),
    );

    const existing = path.join(ROOT, 'dist');
    if (fs.existsSync(existing)) {
      const ex = fileRows(existing);
      const maps = fs.readdirSync(existing).some((f) => f.endsWith('.map'));
      out.push(
        `\nFor comparison, the checkout's dist/ as found (${maps ? 'a development build with source maps, not counted' : 'no source maps'}; not rebuilt by this benchmark):\n`,
      );
      out.push(
        table(['file', 'size', 'gzip -9'], [...ex.rows, ['total (no source maps)', kb(ex.total), kb(ex.gzTotal)]]),
      );
    }

    // 2. The .vsix.
    const vsix = path.join(dir, 'warmline.vsix');
    const vsce = path.join(ROOT, 'node_modules', '.bin', 'vsce');
    const v = spawnSync(
      vsce,
      ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', vsix],
      { cwd: dir, encoding: 'utf8', timeout: 180_000 },
    );
    if (v.status === 0 && fs.existsSync(vsix)) {
      const entries = zipEntries(vsix);
      const size = fs.statSync(vsix).size;
      out.push(`\n### .vsix (\`vsce package --no-dependencies --allow-missing-repository --skip-license\`)\n`);
      out.push(
        table(
          ['package', 'size', 'files', 'uncompressed'],
          [['warmline.vsix', kb(size), String(entries.length), kb(entries.reduce((s, e) => s + e.size, 0))]],
        ),
      );
      out.push('\nLargest entries:\n');
      out.push(
        table(
          ['entry', 'uncompressed', 'compressed'],
          [...entries]
            .sort((a, b) => b.size - a.size)
            .slice(0, 8)
            .map((e) => [e.name, kb(e.size), kb(e.compressed)]),
        ),
      );
    } else {
      const why = `${v.error?.message ?? ''}\n${v.stderr ?? ''}\n${v.stdout ?? ''}`.trim();
      out.push(
        `\n### .vsix\n\nvsce package FAILED (exit ${v.status}${v.signal ? `, ${v.signal}` : ''}):\n\n\`\`\`\n${why.slice(-3000)}\n\`\`\``,
      );
      failures.push(`vsce package failed: ${why.split('\n').find((l) => /error/i.test(l)) ?? why.split('\n')[0]}`);
    }

    // 3. Activation outside VS Code, on the production bundle.
    try {
      const rs = activationTimes(path.join(dir, 'dist', 'extension.js'), activations);
      out.push(
        `\n### Activation OUTSIDE VS Code (Node ${process.version}, fake \`vscode\` module; ${activations} fresh processes)\n`,
      );
      out.push(
        '`require(dist/extension.js)` + `activate(context)` of the production bundle with a Proxy-stub `vscode` (registrations do nothing). ' +
          'Not a VS Code measurement: the real number comes from the integration tests.\n',
      );
      out.push(
        table(
          ['measure', 'median [min–max]'],
          [
            ['require dist/extension.js, ms', fmtSpread(spread(rs.map((r) => r.requireMs)), 1)],
            ['activate(), ms', fmtSpread(spread(rs.map((r) => r.activateMs)), 1)],
            ['total, ms', fmtSpread(spread(rs.map((r) => r.requireMs + r.activateMs)), 1)],
            ['disposables registered', fmtSpread(spread(rs.map((r) => r.subscriptions)), 0)],
          ],
        ),
      );
    } catch (err) {
      failures.push((err as Error).message);
      out.push(`\n### Activation OUTSIDE VS Code\n\nFAILED: ${(err as Error).message}`);
    }
  } finally {
    console.log(out.join('\n'));
    if (keep) console.log(`\n(temp copy kept: ${dir})`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
  if (failures.length) {
    console.error(`\nSIZE BENCHMARK FAILED: ${failures.join('; ')}`);
    process.exit(1);
  }
}

try {
  main();
} catch (err) {
  console.error(`\nSIZE BENCHMARK FAILED: ${(err as Error).message}`);
  process.exit(1);
}
