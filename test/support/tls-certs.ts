/**
 * A throw-away certificate authority and a server certificate for 127.0.0.1, made with the
 * `openssl` command in a temporary directory of their own (removed by `remove`), for tests
 * that run a real TLS server.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TlsFiles {
  readonly dir: string;
  /** PEM paths: the CA's certificate, the server's certificate and key. */
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
  /** The CA's certificate as PEM text (what a client trusts). */
  readonly caPem: string;
  remove(): void;
}

export function makeTlsFiles(): TlsFiles {
  const dir = mkdtempSync(join(tmpdir(), 'memsync-tls-'));
  try {
    const at = (name: string): string => join(dir, name);
    const openssl = (...args: string[]): void => {
      execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
    };
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=memsync test CA', '-keyout', at('ca.key'), '-out', at('ca.crt'));
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', at('server.key'), '-out', at('server.csr'));
    writeFileSync(at('server.ext'), 'subjectAltName=IP:127.0.0.1\n');
    openssl('x509', '-req', '-in', at('server.csr'), '-CA', at('ca.crt'), '-CAkey', at('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', at('server.ext'), '-out', at('server.crt'));
    return {
      dir,
      ca: at('ca.crt'),
      cert: at('server.crt'),
      key: at('server.key'),
      caPem: readFileSync(at('ca.crt'), 'utf8'),
      remove: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
