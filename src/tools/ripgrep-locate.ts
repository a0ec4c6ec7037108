// Where to find ripgrep: the copy VS Code ships under its appRoot (probed in the layouts VS Code
// has used), then `rg` on PATH. Pure path logic, so it is tested against a real appRoot.
import fs from 'node:fs';
import path from 'node:path';

/** Candidate ripgrep binaries inside a VS Code installation, newest layout first. */
export function editorRipgrepCandidates(
  appRoot: string,
  platform: string = process.platform,
  arch: string = process.arch,
): string[] {
  const exe = platform === 'win32' ? 'rg.exe' : 'rg';
  const out: string[] = [];
  for (const modules of ['node_modules', 'node_modules.asar.unpacked']) {
    // VS Code 1.122 and later: one package with a binary per platform.
    out.push(path.join(appRoot, modules, '@vscode', 'ripgrep-universal', 'bin', `${platform}-${arch}`, exe));
    // Earlier: @vscode/ripgrep, and before that vscode-ripgrep.
    out.push(path.join(appRoot, modules, '@vscode', 'ripgrep', 'bin', exe));
    out.push(path.join(appRoot, modules, 'vscode-ripgrep', 'bin', exe));
  }
  return out;
}

export function isExecutableFile(p: string): boolean {
  try {
    if (!fs.statSync(p).isFile()) return false;
    if (process.platform !== 'win32') fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The ripgrep VS Code ships, if any. */
export function findEditorRipgrep(
  appRoot: string | undefined,
  platform: string = process.platform,
  arch: string = process.arch,
  exists: (p: string) => boolean = isExecutableFile,
): string | undefined {
  if (!appRoot) return undefined;
  return editorRipgrepCandidates(appRoot, platform, arch).find((p) => exists(p));
}

/** An executable named `name` on PATH (with PATHEXT on Windows). */
export function findOnPath(
  name: string,
  envPath: string | undefined = process.env.PATH,
  platform: string = process.platform,
  exists: (p: string) => boolean = isExecutableFile,
): string | undefined {
  if (!envPath) return undefined;
  const exts =
    platform === 'win32' ? (process.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';').map((e) => e.toLowerCase()) : [''];
  for (const dir of envPath.split(platform === 'win32' ? ';' : ':')) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      if (exists(candidate)) return candidate;
    }
  }
  return undefined;
}
