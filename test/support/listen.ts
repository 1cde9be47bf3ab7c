/** An HTTP server of a test (a vendor's stand-in, a proxy) on a free loopback port. */
import { once } from 'node:events';
import type { Server } from 'node:http';

export async function listen(server: Server): Promise<{ url: string; close(): Promise<void> }> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}
