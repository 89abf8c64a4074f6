import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TestPki } from './test-pki.js';

// A stand-in for kube-apiserver's list endpoints, over real HTTPS. A real kube-apiserver cannot be run here: it is
// not packaged for Debian, not published on npm, and there is no container engine on these machines. So the tests
// talk to this server instead, which answers as kube-apiserver does for what the client sends: recorded list
// responses (test/fixtures/api), `limit`/`continue` paging with opaque continue tokens and remainingItemCount,
// bearer-token authentication (401 Status), RBAC refusals (403 Status), expired continue tokens (410 Status) and
// the plain-text "404 page not found" of a resource the server does not serve.

/** A list as the API server returns it: the list's kind (e.g. `NodeList`), apiVersion and items. */
export interface ListFixture {
  readonly kind: string;
  readonly apiVersion: string;
  readonly metadata?: { readonly resourceVersion?: string };
  readonly items: readonly Record<string, unknown>[];
}

/** readListFixture reads a recorded list response from test/fixtures/api. */
export function readListFixture(name: string): ListFixture {
  return JSON.parse(readFileSync(new URL(`./fixtures/api/${name}`, import.meta.url), 'utf8')) as ListFixture;
}

/** What the server saw of one request. */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly authorization: string | undefined;
  /** The user the bearer token belongs to, or undefined when it was not accepted. */
  readonly user: string | undefined;
  readonly status: number;
}

export interface FakeApiServerOptions {
  readonly pki: TestPki;
  /** URL path (e.g. `/api/v1/nodes`) → the list served there. */
  readonly lists: Readonly<Record<string, ListFixture>>;
  /** Bearer token → user name. Any other token, or none, gets 401. */
  readonly tokens: Readonly<Record<string, string>>;
  /** User → paths that user may not list (403). */
  readonly forbidden?: Readonly<Record<string, readonly string[]>>;
  /** Paths whose requests are never answered (the connection stays open until the server closes). */
  readonly stall?: readonly string[];
  /** How many requests carrying a continue token get 410 Expired (the first ones; default none). */
  readonly expireContinue?: number;
}

export interface FakeApiServer {
  /** `https://127.0.0.1:<port>` */
  readonly url: string;
  /** Every request, in arrival order. */
  readonly requests: SeenRequest[];
  close(): Promise<void>;
}

interface ContinueToken {
  readonly v: 'meta.k8s.io/v1';
  readonly rv: string;
  readonly start: number;
}

function status(code: number, reason: string, message: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...extra, code });
}

/** startFakeApiServer listens on 127.0.0.1 on a free port with the PKI's server certificate. */
export async function startFakeApiServer(options: FakeApiServerOptions): Promise<FakeApiServer> {
  const requests: SeenRequest[] = [];
  let expired = 0;

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const authorization = req.headers.authorization;
    const token = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : undefined;
    const user = token !== undefined && Object.hasOwn(options.tokens, token) ? options.tokens[token] : undefined;
    const seen = { method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), authorization, user };
    const send = (code: number, body: string, type = 'application/json'): void => {
      requests.push({ ...seen, status: code });
      res.writeHead(code, { 'Content-Type': type, 'Audit-Id': `audit-${requests.length}` });
      res.end(body);
    };

    if (user === undefined) return send(401, status(401, 'Unauthorized', 'Unauthorized'));
    if (options.stall?.includes(url.pathname)) {
      requests.push({ ...seen, status: 0 });
      return; // never answered
    }
    const list = req.method === 'GET' ? options.lists[url.pathname] : undefined;
    if (list === undefined) return send(404, '404 page not found\n', 'text/plain; charset=utf-8');
    if (options.forbidden?.[user]?.includes(url.pathname)) {
      const parts = url.pathname.split('/');
      const resource = parts.at(-1) ?? '';
      const group = parts[1] === 'apis' ? (parts[2] ?? '') : '';
      const ns = parts.indexOf('namespaces') === -1 ? '' : ` in the namespace "${parts[parts.indexOf('namespaces') + 1]}"`;
      const where = ns === '' ? ' at the cluster scope' : ns;
      return send(
        403,
        status(403, 'Forbidden', `${resource} is forbidden: User "${user}" cannot list resource "${resource}" in API group "${group}"${where}`, {
          details: { kind: resource },
        }),
      );
    }

    const rv = list.metadata?.resourceVersion ?? '1';
    let start = 0;
    const cont = url.searchParams.get('continue');
    if (cont !== null && cont !== '') {
      if (expired < (options.expireContinue ?? 0)) {
        expired++;
        return send(
          410,
          status(
            410,
            'Expired',
            'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
          ),
        );
      }
      let parsed: ContinueToken;
      try {
        parsed = JSON.parse(Buffer.from(cont, 'base64url').toString('utf8')) as ContinueToken;
      } catch {
        return send(400, status(400, 'BadRequest', 'continue key is not valid: illegal base64 data'));
      }
      start = parsed.start;
    }
    const limitText = url.searchParams.get('limit');
    const limit = limitText === null ? 0 : Number(limitText);
    const end = limit > 0 ? Math.min(start + limit, list.items.length) : list.items.length;
    const metadata: Record<string, unknown> = { resourceVersion: rv };
    if (end < list.items.length) {
      const next: ContinueToken = { v: 'meta.k8s.io/v1', rv, start: end };
      metadata['continue'] = Buffer.from(JSON.stringify(next)).toString('base64url');
      metadata['remainingItemCount'] = list.items.length - end;
    }
    send(200, JSON.stringify({ kind: list.kind, apiVersion: list.apiVersion, metadata, items: list.items.slice(start, end) }));
  };

  const server: Server = createServer({ key: options.pki.serverKey, cert: options.pki.serverCert }, handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * listsOfDump serves the lists of a JSON `kubectl cluster-info dump` (nodes, pods, services) merged across
 * namespaces, as the API server lists them for all namespaces, with empty ConfigMap and ServiceCIDR lists.
 */
export function listsOfDump(dump: string): Record<string, ListFixture> {
  const docs = (dump.match(/^\{$[\s\S]*?^\}$/gm) ?? []).map((d) => JSON.parse(d) as ListFixture);
  const merged = (kind: string): ListFixture => ({
    kind,
    apiVersion: 'v1',
    metadata: { resourceVersion: '48300' },
    items: docs.filter((d) => d.kind === kind).flatMap((d) => d.items),
  });
  const empty = (kind: string, apiVersion: string): ListFixture => ({ kind, apiVersion, metadata: { resourceVersion: '48300' }, items: [] });
  return {
    '/api/v1/nodes': merged('NodeList'),
    '/api/v1/pods': merged('PodList'),
    '/api/v1/services': merged('ServiceList'),
    '/api/v1/namespaces/kube-system/configmaps': empty('ConfigMapList', 'v1'),
    '/apis/networking.k8s.io/v1/servicecidrs': empty('ServiceCIDRList', 'networking.k8s.io/v1'),
  };
}
