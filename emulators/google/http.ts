/** Small HTTP helpers for the emulator: body reading and Google-shaped answers. */
import type { IncomingMessage, ServerResponse } from 'node:http';

export const MAX_BODY = 1024 * 1024;

export class HttpError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly rpcStatus: string,
    message: string,
    readonly details: Record<string, unknown>[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, 'INVALID_ARGUMENT', 'Request payload too large.');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'cache-control': 'no-cache, no-store, max-age=0, must-revalidate',
    ...headers,
  });
  res.end(text);
}

/** google.rpc.Status in the JSON shape Google's REST APIs return. */
export function sendRpcError(res: ServerResponse, e: HttpError): void {
  sendJson(
    res,
    e.httpStatus,
    { error: { code: e.httpStatus, message: e.message, status: e.rpcStatus, ...(e.details.length ? { details: e.details } : {}) } },
    e.headers,
  );
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'x-frame-options': 'DENY' });
  res.end(html);
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function errorInfo(reason: string, metadata: Record<string, string>, domain = 'googleapis.com'): Record<string, unknown> {
  return { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain, metadata };
}
