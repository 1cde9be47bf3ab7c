/**
 * The report Lambda's read, modelled: its use case (`deliverWeeklyReport`) in this process,
 * against the embedded store's data folder served by dynalite in another process (so that this
 * one's memory is the function's alone), each DynamoDB request held back 10 ms as a round trip to
 * DynamoDB would be, the report's files discarded.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { TABLE } from '../cli/local';
import { dynamoClient } from '../lib/adapters/dynamodb/local';
import { DynamoStore } from '../lib/adapters/dynamodb/store';
import { deliverWeeklyReport } from '../lib/app/weekly';
import { DEFAULT_POLICY } from '../lib/policy/schema';
import { isoWeek } from '../lib/report/aggregate';

const ROUND_TRIP_MS = 10;

export async function reportLikeLambda(folder: string, weekId: string): Promise<void> {
  // the embedded engine (lib/adapters/dynamodb/dynalite.mjs), on the folder, in a process of its own
  const engine = new URL('../lib/adapters/dynamodb/dynalite.mjs', import.meta.url).href;
  const serve = `const { default: d } = await import(${JSON.stringify(engine)});
    const s = d({ path: process.argv[1] });
    s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;
  const server = spawn(process.execPath, ['--input-type=module', '-e', serve, folder], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const [banner] = (await once(server.stdout, 'data')) as [Buffer];
    const port = Number(banner.toString().trim());
    if (!port) throw new Error(`dynalite did not say its port: ${banner}`);
    const client = dynamoClient({ endpoint: `http://127.0.0.1:${port}` });
    client.middlewareStack.add(
      (next) => async (args) => {
        await sleep(ROUND_TRIP_MS);
        return next(args);
      },
      { step: 'finalizeRequest', name: 'roundTrip' },
    );
    const store = new DynamoStore({ client, table: TABLE });
    const week = isoWeek(weekId, DEFAULT_POLICY.calendar.timeZone);
    // each file made in full, as S3 would take it, and dropped
    const sink = {
      put: async (name: string, _type: string, body: Iterable<string>) => {
        let length = 0;
        for (const piece of body) length += piece.length;
        return `discarded:${name}:${length}`;
      },
    };
    await deliverWeeklyReport(store, DEFAULT_POLICY, week, sink, week.end + 5 * 60_000);
    client.destroy();
  } finally {
    server.kill();
  }
}
