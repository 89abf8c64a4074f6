import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A throwaway certificate authority and a server certificate for 127.0.0.1 it signed, as PEM text and files. */
export interface TestPki {
  readonly caCert: string;
  readonly caCertFile: string;
  readonly serverCert: string;
  readonly serverKey: string;
}

function openssl(args: readonly string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (cause) {
    const e = cause as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') {
      // Never skip: without openssl these tests cannot make the TLS certificates a kube-apiserver stand-in needs.
      throw new Error('the openssl CLI is not installed: the kube-client tests need it to make a test CA (apt-get install openssl)', {
        cause,
      });
    }
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr?.toString() ?? e.message}`, { cause });
  }
}

/**
 * makeTestPki writes a fresh CA and a server certificate (subjectAltName IP:127.0.0.1, DNS:localhost) into `dir`
 * with the `openssl` CLI: P-256 keys, valid for one day. Throws (never skips) when openssl is missing.
 */
export function makeTestPki(dir: string): TestPki {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=ipam-test-ca',
     '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    dir,
  );
  openssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=kube-apiserver'], dir);
  writeFileSync(
    join(dir, 'server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n',
  );
  openssl(
    ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt',
     '-days', '1', '-extfile', 'server.ext'],
    dir,
  );
  return {
    caCert: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    caCertFile: join(dir, 'ca.crt'),
    serverCert: readFileSync(join(dir, 'server.crt'), 'utf8'),
    serverKey: readFileSync(join(dir, 'server.key'), 'utf8'),
  };
}
