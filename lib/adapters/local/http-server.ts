/** Hosts the HTTP surface of lib/app/http.ts on node:http, for `serve` and the tests. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type HttpRequest, type HttpResponse, json, tooLarge } from '../../app/http';
import { MAX_BODY } from '../../app/limits';

export interface RunningServer {
  readonly server: Server;
  readonly url: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, r: HttpResponse, close = false): void {
  res.writeHead(r.status, { ...r.headers, ...(close ? { connection: 'close' } : {}) });
  res.end(r.body);
}

export async function startHttpServer(
  api: (req: HttpRequest) => Promise<HttpResponse>,
  opts: { port?: number; host?: string; maxBodyBytes?: number } = {},
): Promise<RunningServer> {
  const limit = opts.maxBodyBytes ?? MAX_BODY;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const receivedAt = Date.now();
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      send(res, json(tooLarge(limit)), true);
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit && !refused) {
        refused = true;
        send(res, json(tooLarge(limit)), true);
      }
      if (!refused) chunks.push(chunk);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (refused) return;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      const path = (req.url ?? '/').split('?')[0] as string;
      api({ method: req.method ?? 'GET', path, headers, body: Buffer.concat(chunks), receivedAt }).then(
        (r) => send(res, r),
        () => send(res, json({ status: 503, body: { error: 'unavailable' } })),
      );
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
