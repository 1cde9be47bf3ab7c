import { afterAll, beforeAll } from 'vitest';
import { startDynalite } from '../../../lib/adapters/dynamodb/local';
import { DynamoStore } from '../../../lib/adapters/dynamodb/store';
import { ExclusiveStore } from '../../../lib/adapters/local/exclusive-store';
import { MemoryStore } from '../../../lib/adapters/memory/store';
import { dynalite, dynamoDbLocal, type Engine, freshTable } from '../../support/dynamo';
import { storeContract } from './store.contract';

storeContract('in-memory fake', async () => new MemoryStore(), { ledger: false });
storeContract('sole-writer cache over the fake', async () => new ExclusiveStore(new MemoryStore(), 3), {
  ledger: false,
});

let lite: Engine;
beforeAll(async () => {
  lite = await dynalite();
});
afterAll(() => lite.close());
storeContract('DynamoDB adapter on dynalite', async () => new DynamoStore(await freshTable(lite)));
storeContract(
  'sole-writer cache over DynamoDB on dynalite',
  async () => new ExclusiveStore(new DynamoStore(await freshTable(lite)), 3),
);

// serve's engine: dynalite on a thread of its own, the SDK's requests posted to it as messages
let threaded: Engine;
beforeAll(async () => {
  threaded = await startDynalite({ thread: true });
});
afterAll(() => threaded.close());
storeContract('DynamoDB adapter on dynalite on a thread', async () => new DynamoStore(await freshTable(threaded)));

let local: Engine;
beforeAll(async () => {
  local = await dynamoDbLocal();
}, 90_000);
afterAll(() => local?.close());
storeContract('DynamoDB adapter on DynamoDB Local', async () => new DynamoStore(await freshTable(local)));
