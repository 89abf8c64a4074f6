import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** One cluster + user + context triple of a kubeconfig, named after the context. */
export interface KubeconfigEntry {
  readonly context: string;
  readonly server: string;
  /** PEM text, written as certificate-authority-data (base64), unless `caFile` is given. */
  readonly caCert?: string;
  /** A certificate-authority path, written as is (relative paths are relative to the kubeconfig). */
  readonly caFile?: string;
  readonly token: string;
  /** The cluster name; defaults to the context name. */
  readonly cluster?: string;
}

/** writeKubeconfig writes a kubeconfig file (YAML, as kubectl writes it) and returns its path. */
export function writeKubeconfig(
  dir: string,
  fileName: string,
  entries: readonly KubeconfigEntry[],
  currentContext: string | undefined,
): string {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: entries.map((e) => ({
      name: e.cluster ?? e.context,
      cluster: {
        server: e.server,
        ...(e.caFile !== undefined
          ? { 'certificate-authority': e.caFile }
          : e.caCert !== undefined
            ? { 'certificate-authority-data': Buffer.from(e.caCert).toString('base64') }
            : {}),
      },
    })),
    users: entries.map((e) => ({ name: `${e.context}-user`, user: { token: e.token } })),
    contexts: entries.map((e) => ({ name: e.context, context: { cluster: e.cluster ?? e.context, user: `${e.context}-user` } })),
    ...(currentContext === undefined ? {} : { 'current-context': currentContext }),
  };
  const file = join(dir, fileName);
  writeFileSync(file, stringify(config));
  return file;
}
