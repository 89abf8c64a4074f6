// The docs site's static server: node:http and node:fs only, no dependencies.
// `pnpm run docs:serve` (or `node docs/scripts/serve.mjs [DIR] [--port N]`) serves docs/site/ and prints its URL;
// the browser test imports startServer to serve a freshly built playground on a free port.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
};

/**
 * startServer serves the files under `root` over HTTP on 127.0.0.1 (`port` 0 picks a free one) and resolves to
 * its URL and a close function. Directories answer with their index.html; paths outside root are refused.
 * @param {{ root: string, port?: number, host?: string }} options
 * @returns {Promise<{ url: string, port: number, close: () => Promise<void> }>}
 */
export function startServer({ root, port = 0, host = '127.0.0.1' }) {
  const base = resolve(root);
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      let file = normalize(join(base, path));
      if (file !== base && !file.startsWith(base + sep)) return send(res, 403, 'forbidden');
      let info = await stat(file).catch(() => undefined);
      if (info?.isDirectory()) {
        if (!path.endsWith('/')) {
          res.writeHead(301, { location: `${path}/` });
          return res.end();
        }
        file = join(file, 'index.html');
        info = await stat(file).catch(() => undefined);
      }
      if (info === undefined || !info.isFile()) return send(res, 404, `not found: ${path}`);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': info.size, 'cache-control': 'no-cache' });
      if (req.method === 'HEAD') return res.end();
      createReadStream(file).pipe(res);
    } catch (err) {
      send(res, 400, `bad request: ${err instanceof Error ? err.message : err}`);
    }
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      const address = server.address();
      const actual = typeof address === 'object' && address !== null ? address.port : port;
      ok({
        url: `http://${host}:${actual}/`,
        port: actual,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

function send(res, status, text) {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { port: { type: 'string', default: process.env.PORT ?? '8080' } } });
  const root = resolve(positionals[0] ?? fileURLToPath(new URL('../site/', import.meta.url)));
  const info = await stat(join(root, 'index.html')).catch(() => undefined);
  if (info === undefined) {
    console.error(`error: ${root}/index.html not found\nhint: build the site first with \`pnpm run docs\``);
    process.exit(1);
  }
  const { url } = await startServer({ root, port: Number(values.port) });
  console.log(`Serving ${root} at ${url} (API reference, guides) and ${url}playground/ (Ctrl-C to stop)`);
}
