import { afterAll, beforeAll } from 'vitest';
import { DynamoStore } from '../../../lib/adapters/dynamodb/store';
import { MemoryStore } from '../../../lib/adapters/memory/store';
import { dynalite, dynamoDbLocal, type Engine, freshTable } from '../../support/dynamo';
import { storeContract } from './store.contract';

storeContract('in-memory fake', async () => new MemoryStore());

let lite: Engine;
beforeAll(async () => {
  lite = await dynalite();
});
afterAll(() => lite.close());
storeContract('DynamoDB adapter on dynalite', async () => new DynamoStore(await freshTable(lite)));

let local: Engine;
beforeAll(async () => {
  local = await dynamoDbLocal();
}, 90_000);
afterAll(() => local?.close());
storeContract('DynamoDB adapter on DynamoDB Local', async () => new DynamoStore(await freshTable(local)));
