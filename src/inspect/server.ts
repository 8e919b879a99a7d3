/**
 * The HTTP API and web view of one replica:
 *   GET  /                 the live page
 *   GET  /state            the whole state          GET /state/<dotted.path>  the value there (404 if none)
 *   POST /patch            {update, if?, arrayFilters?} -> PatchResult (409 when not applied)
 *   GET  /events           Server-Sent Events: state, change, status
 *   GET  /status           the replica's status()
 * Every error is `{ "error": { "code", "message" } }` with a 4xx/5xx status.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isMemSyncError } from '../errors.js';
import type { MemSync } from '../memsync.js';
import { getAt, splitPath } from '../observe/index.js';
import { untyped } from '../typed-update.js';
import type { Condition, JsonObject, JsonValue, PatchResult, Update } from '../types.js';
import { accessPolicy, refusal } from './access.js';
import { EventStreams } from './event-stream.js';
import { BodyTooLarge, readBody, sendError, sendJson, sendText } from './http-io.js';
import { PAGE_CSP, PAGE_HTML } from './page.js';

/** Options of {@link createInspectServer}. */
export interface InspectServerOptions {
  /** TCP port; 0 picks a free one. @default 8080 */
  port?: number;
  /** Interface to listen on. Beyond loopback, `token` is required. @default '127.0.0.1' */
  host?: string;
  /** Token every request must present (`Authorization: Bearer <token>` or `?token=`); at least 16 characters. */
  token?: string;
  /** Largest `POST /patch` body, in bytes. @default 2097152 (2 MiB) */
  maxBodyBytes?: number;
}

/** A running inspect server. */
export interface InspectServer {
  /** `http://host:port/` (with the real port when 0 was asked for). */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY = 2 << 20;

/** Codes of a patch refused before it was sent: the client's fault, 400. */
const BAD_UPDATE = new Set([
  'ERR_UNKNOWN_OPERATOR',
  'ERR_RESERVED_KEY',
  'ERR_INVALID_PATH',
  'ERR_INVALID_VALUE',
  'ERR_INVALID_CONDITION',
  'ERR_LIMIT_EXCEEDED',
]);

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Serves `mem` over HTTP until `close()`. Resolves once listening.
 * @throws MemSyncError `ERR_INVALID_OPTION` for a host beyond loopback without a token.
 * @example
 * const server = await createInspectServer(mem, { port: 8080 });
 * console.log(`open ${server.url}`);
 */
export async function createInspectServer<T extends object>(
  mem: MemSync<T>,
  options: InspectServerOptions = {},
): Promise<InspectServer> {
  const host = options.host ?? '127.0.0.1';
  const policy = accessPolicy(host, options.token);
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const streams = new EventStreams(mem);
  const state = (): JsonObject => mem.data as unknown as JsonObject;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const refused = refusal(policy, request, url);
    if (refused) return sendError(response, refused.status, refused.code, refused.message);
    const route = url.pathname;
    const method = request.method ?? 'GET';
    const only = (allowed: string): boolean => {
      if (method === allowed || (allowed === 'GET' && method === 'HEAD')) return true;
      sendError(response, 405, 'ERR_METHOD', `${route} answers ${allowed} only`, { Allow: allowed });
      return false;
    };
    if (route === '/') {
      if (only('GET')) sendText(response, 200, 'text/html; charset=utf-8', PAGE_HTML, { 'Content-Security-Policy': PAGE_CSP });
      return;
    }
    if (route === '/state' || route.startsWith('/state/')) {
      if (!only('GET')) return;
      return getState(response, route === '/state' ? '' : route.slice('/state/'.length));
    }
    if (route === '/status') {
      if (only('GET')) sendJson(response, 200, await mem.status());
      return;
    }
    if (route === '/events') {
      if (only('GET')) await streams.open(response);
      return;
    }
    if (route === '/patch') {
      if (only('POST')) await postPatch(request, response);
      return;
    }
    sendError(response, 404, 'ERR_NOT_FOUND', `no route ${route}`);
  }

  function getState(response: ServerResponse, rawPath: string): void {
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      return sendError(response, 400, 'ERR_INVALID_PATH', 'the path is not valid percent-encoding');
    }
    if (path !== '' && splitPath(path).some((segment) => segment === '')) {
      return sendError(response, 400, 'ERR_INVALID_PATH', `'${path}' has an empty segment`);
    }
    const value: JsonValue | undefined = getAt(state(), path);
    const headers = { 'X-Memsync-Version': String(mem.version) };
    if (value === undefined) return sendError(response, 404, 'ERR_NOT_FOUND', `no value at '${path}'`, headers);
    sendJson(response, 200, value, headers);
  }

  async function postPatch(request: IncomingMessage, response: ServerResponse): Promise<void> {
    // JSON only: a cross-site form or a no-cors fetch cannot send this type without a preflight.
    if (!/^application\/json\s*(;|$)/i.test(request.headers['content-type'] ?? '')) {
      return sendError(response, 415, 'ERR_CONTENT_TYPE', 'send the patch as Content-Type: application/json');
    }
    let body: unknown;
    try {
      body = JSON.parse(await readBody(request, maxBody));
    } catch (error) {
      if (error instanceof BodyTooLarge) return sendError(response, 413, 'ERR_LIMIT_EXCEEDED', `the body is larger than ${maxBody} bytes`);
      return sendError(response, 400, 'ERR_BAD_JSON', `the body is not JSON: ${(error as Error).message}`);
    }
    if (!isObject(body) || !isObject(body.update)) {
      return sendError(response, 400, 'ERR_BAD_REQUEST', 'the body must be {"update": {...}, "if"?: {...}, "arrayFilters"?: [...]}');
    }
    if (body.if !== undefined && !isObject(body.if)) return sendError(response, 400, 'ERR_BAD_REQUEST', '"if" must be an object');
    if (body.arrayFilters !== undefined && !Array.isArray(body.arrayFilters)) {
      return sendError(response, 400, 'ERR_BAD_REQUEST', '"arrayFilters" must be an array');
    }
    let result: PatchResult;
    try {
      result = await mem.patch(untyped(body.update as Update), {
        ...(body.if ? { if: body.if as Condition } : {}),
        ...(body.arrayFilters ? { arrayFilters: body.arrayFilters as JsonObject[] } : {}),
      });
    } catch (error) {
      if (isMemSyncError(error)) {
        const status = BAD_UPDATE.has(error.code) ? 400 : error.code === 'ERR_TIMEOUT' ? 504 : 503;
        return sendError(response, status, error.code, error.message);
      }
      throw error;
    }
    // Ordered but not applied (stale, condition false, mingo refused): a conflict, with the result.
    sendJson(response, result.applied ? 200 : 409, result);
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendError(response, 500, 'ERR_INTERNAL', error instanceof Error ? error.message : String(error));
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        streams.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
