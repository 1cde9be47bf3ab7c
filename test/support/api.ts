/** The HTTP surface on a real server and a real (dynalite) store, for end-to-end tests. */
import { DynamoStore } from '../../lib/adapters/dynamodb/store';
import { type RunningServer, startHttpServer } from '../../lib/adapters/local/http-server';
import { type ApiDeps, createApi } from '../../lib/app/http';
import { DEFAULT_POLICY } from '../../lib/policy/schema';
import { SOURCE_NAMES } from '../../lib/sources/types';
import { type Engine, freshTable } from './dynamo';
import { MAPPING } from './mapping';
import { SECRET } from './webhooks';

export interface TestApi {
  readonly url: string;
  readonly store: DynamoStore;
  readonly server: RunningServer;
  post(
    path: string,
    body: string | Buffer,
    headers?: Record<string, string>,
  ): Promise<{ status: number; json: Record<string, unknown> }>;
  get(path: string): Promise<{ status: number; json: Record<string, unknown> }>;
}

export async function startApi(engine: Engine, over: Partial<ApiDeps> = {}): Promise<TestApi> {
  const store = new DynamoStore(await freshTable(engine));
  const secrets = Object.fromEntries(SOURCE_NAMES.map((s) => [s, [SECRET]]));
  const server = await startHttpServer(
    createApi({ store, mapping: MAPPING, secrets, policy: DEFAULT_POLICY, ...over }),
    {
      maxBodyBytes: over.maxBodyBytes ?? 64 * 1024,
    },
  );
  const call = async (path: string, init: RequestInit) => {
    const r = await fetch(`${server.url}${path}`, init);
    return { status: r.status, json: (await r.json()) as Record<string, unknown> };
  };
  return {
    url: server.url,
    store,
    server,
    post: (path, body, headers = {}) => call(path, { method: 'POST', body, headers }),
    get: (path) => call(path, { method: 'GET' }),
  };
}
