/**
 * The web UI's files (built by Vite into `dist/ui`) on the HTTP server: `/` is the page, and
 * `/assets/…` its content-hashed scripts and styles, cached for good. Everything is served from
 * this machine, with a content security policy that lets the page talk to this server only.
 */
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { SlipwayError } from '../errors.js';
import { errorBody } from './error-body.js';

/** `dist/ui` of this package, from `src/server` (tsx) or `dist/server` (built) alike. */
export const WEB_UI_DIR = fileURLToPath(new URL('../../dist/ui/', import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** Adds `GET /` and `GET /assets/*` to `app`, reading files from `dir` (default `WEB_UI_DIR`). */
export function serveWebUi(app: FastifyInstance, dir = WEB_UI_DIR): void {
  app.get('/', { config: { path: '/' } }, async (_request, reply) => {
    const page = await readFile(join(dir, 'index.html')).catch(() => undefined);
    if (!page) {
      return reply.code(404).send(errorBody(new SlipwayError('not-found', 'the web UI is not built here: run npm run build; the API is under /api/v1')));
    }
    return reply.headers({ ...SECURITY_HEADERS, 'cache-control': 'no-cache' }).type('text/html; charset=utf-8').send(page);
  });
  app.get('/assets/:file', { config: { path: '/assets/{file}' } }, async (request, reply) => {
    const { file } = request.params as { file: string };
    const type = TYPES[extname(file)];
    const content = type && /^[\w.-]+$/.test(file) ? await readFile(join(dir, 'assets', file)).catch(() => undefined) : undefined;
    if (!content) return reply.code(404).send(errorBody(new SlipwayError('not-found', `there is no asset ${file}`)));
    return reply.headers({ ...SECURITY_HEADERS, 'cache-control': 'public, max-age=31536000, immutable' }).type(type!).send(content);
  });
}
