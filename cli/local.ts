/** The embedded deployment: dynalite in a data folder (or memory), the table, the store. */
import { mkdir } from 'node:fs/promises';
import { dynamoClient, type LocalDynamo, ONE_PASS_TABLES, startDynalite } from '../lib/adapters/dynamodb/local';
import { DynamoStore, ensureTable } from '../lib/adapters/dynamodb/store';
import { lockFolder } from './folder-lock';

export const TABLE = 'escalation-auditor';

export interface LocalStore {
  readonly store: DynamoStore;
  readonly engine: LocalDynamo;
  close(): Promise<void>;
}

/**
 * Opens the embedded store: `data` is a folder for dynalite's LevelDB files, or undefined for
 * memory. `command` takes the folder: a second process on it is refused, naming the first.
 * `onePass`: the command reads the store once through (a report, evidence, verify), and keeps
 * few of its files open (see ONE_PASS_TABLES).
 */
export async function openLocalStore(
  data: string | undefined,
  command: string,
  { onePass = false }: { onePass?: boolean } = {},
): Promise<LocalStore> {
  if (data) await mkdir(data, { recursive: true });
  const release = data ? lockFolder(data, command) : () => {};
  try {
    const engine = await startDynalite({
      thread: true,
      ...(data ? { path: data } : {}),
      ...(onePass ? { openTables: ONE_PASS_TABLES } : {}),
    });
    const client = dynamoClient(engine);
    const ticketDirectory = await ensureTable(client, TABLE);
    return {
      store: new DynamoStore({ client, table: TABLE, ticketDirectory, partitions: engine.partitions }),
      engine,
      close: async () => {
        client.destroy();
        await engine.close();
        release();
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}
