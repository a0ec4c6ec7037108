// A throwaway self-signed certificate for 127.0.0.1, made with openssl into a fresh temp dir at
// run time and deleted afterwards. Never committed. Client processes trust it through
// NODE_EXTRA_CA_CERTS (read by Node at start-up: both `ws` and undici's fetch honour it).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface ThrowawayCert {
  dir: string;
  keyPath: string;
  certPath: string;
  key: Buffer;
  cert: Buffer;
  cleanup(): void;
}

export function makeThrowawayCert(): ThrowawayCert {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warmline-bench-tls-'));
  const keyPath = path.join(dir, 'key.pem');
  const certPath = path.join(dir, 'cert.pem');
  const openssl = fs.existsSync('/usr/bin/openssl') ? '/usr/bin/openssl' : 'openssl';
  // ECDSA P-256, as large API front ends commonly serve; valid one day.
  execFileSync(
    openssl,
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return {
    dir,
    keyPath,
    certPath,
    key: fs.readFileSync(keyPath),
    cert: fs.readFileSync(certPath),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
