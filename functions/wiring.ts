/**
 * What a Lambda needs, built once per cold start from its environment:
 * TABLE_NAME, POLICY / MAPPING (JSON or YAML text, optional), and the webhook signing secrets from
 * the SSM SecureString parameter named by SECRETS_PARAMETER (or WEBHOOK_SECRETS, for local runs).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoStore } from '../lib/adapters/dynamodb/store';
import { parsePolicy } from '../lib/policy/load';
import { DEFAULT_POLICY, type Policy } from '../lib/policy/schema';
import { type Mapping, parseMapping } from '../lib/sources/mapping';
import { parseSecrets, type Secrets } from '../lib/sources/secrets';

export interface Wiring {
  readonly store: DynamoStore;
  readonly policy: Policy;
  readonly mapping: Mapping;
  readonly secrets: Secrets;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

export async function loadSecrets(ssm: () => SSMClient = () => new SSMClient({})): Promise<Secrets> {
  const parameter = process.env.SECRETS_PARAMETER;
  if (!parameter) return parseSecrets(process.env.WEBHOOK_SECRETS ?? '{}');
  const r = await ssm().send(new GetParameterCommand({ Name: parameter, WithDecryption: true }));
  return parseSecrets(r.Parameter?.Value ?? '{}');
}

export async function wire(): Promise<Wiring> {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  const client = new DynamoDBClient(endpoint ? { endpoint } : {});
  return {
    store: new DynamoStore({ client, table: required('TABLE_NAME') }),
    policy: process.env.POLICY ? parsePolicy(process.env.POLICY) : DEFAULT_POLICY,
    mapping: parseMapping(process.env.MAPPING ?? '{}'),
    secrets: await loadSecrets(),
  };
}
