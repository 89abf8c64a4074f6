/** The docs' static server (docs/scripts/serve.mjs): files with their types, index.html for directories, nothing outside its root. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../scripts/serve.mjs';

let root: string;
let server: Awaited<ReturnType<typeof startServer>>;

beforeAll(async () => {
  const base = mkdtempSync(join(tmpdir(), 'ipam-docs-serve-'));
  root = join(base, 'site');
  mkdirSync(join(root, 'playground'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<h1>home</h1>');
  writeFileSync(join(root, 'playground', 'index.html'), '<h1>playground</h1>');
  writeFileSync(join(root, 'playground', 'playground.js'), 'console.log(1);');
  writeFileSync(join(base, 'secret.txt'), 'outside the root');
  server = await startServer({ root });
});

afterAll(async () => {
  await server?.close();
  rmSync(join(root, '..'), { recursive: true, force: true });
});

/** A raw GET, so that `..` in the path reaches the server as written. */
function get(path: string): Promise<{ status: number; type: string | undefined; location: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], location: res.headers.location, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('startServer', () => {
  it('listens on a free port of 127.0.0.1 and says where', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    expect(server.port).toBeGreaterThan(0);
  });

  it('serves files with their content type, and index.html for a directory', async () => {
    expect(await get('/')).toMatchObject({ status: 200, type: 'text/html; charset=utf-8', body: '<h1>home</h1>' });
    expect(await get('/playground/')).toMatchObject({ status: 200, body: '<h1>playground</h1>' });
    expect(await get('/playground/playground.js')).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8' });
  });

  it('redirects a directory without its slash, so relative links in its page resolve', async () => {
    expect(await get('/playground')).toMatchObject({ status: 301, location: '/playground/' });
  });

  it('answers 404 for a missing file and never serves outside its root', async () => {
    expect((await get('/nope.html')).status).toBe(404);
    const escape = await get('/../secret.txt');
    expect(escape.body).not.toContain('outside the root');
    expect((await get('/%2e%2e/secret.txt')).body).not.toContain('outside the root');
  });
});
