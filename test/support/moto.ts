/**
 * moto, the AWS API emulator on the machine image (../shared/notes/toolchain.md), as the tests'
 * AWS: started on a free loopback port, stopped by its PID, and loaded with the resources of the
 * synthesized CloudFormation template (tables, queues, topics, bucket, key, schedule group and
 * schedules), each named and referenced as CloudFormation would, so that a function's template
 * environment resolves to the emulator's resources.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutBucketEncryptionCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateScheduleCommand, CreateScheduleGroupCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

export interface Moto {
  readonly endpoint: string;
  /** Client settings for the emulator: its endpoint, region and any credentials. */
  readonly config: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  /** What a function's process needs in its environment to talk to the emulator. */
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });

/** Starts `python3 -m moto.server`; fails saying how to get moto when it is not there. */
export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.once('error', () => undefined);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const code = await Promise.race([exited, new Promise<undefined>((r) => setTimeout(r, 100, undefined))]);
    if (code !== undefined || child.exitCode !== null)
      throw new Error(
        `moto did not start (python3 -m moto.server exited): ${stderr.trim().split('\n').slice(-3).join(' | ') || 'python3 not found'}. ` +
          'The tests need moto 5 with its server (pip install "moto[server]==5.2.1"); see ../shared/notes/toolchain.md.',
      );
    if (
      await fetch(`${endpoint}/moto-api/`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto did not listen on ${endpoint} within 30 s: ${stderr.slice(-500)}`);
    }
  }
  const credentials = { accessKeyId: 'moto', secretAccessKey: 'moto' };
  return {
    endpoint,
    config: { endpoint, region: REGION, credentials },
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    },
    async close() {
      if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
      await exited;
    },
  };
}

type Json = unknown;
interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, Json>;
}
export interface Template {
  readonly Resources: Record<string, Resource>;
}

/** What CloudFormation would answer for `Ref` and `Fn::GetAtt` of a created resource. */
interface Created {
  readonly ref: string;
  readonly attributes: Record<string, string>;
}

/** The resource types made on moto (or named, for those it cannot run); the rest are left out. */
const CREATED = new Set([
  'AWS::KMS::Key',
  'AWS::DynamoDB::Table',
  'AWS::SQS::Queue',
  'AWS::SNS::Topic',
  'AWS::S3::Bucket',
  'AWS::Scheduler::ScheduleGroup',
  'AWS::Scheduler::Schedule',
  'AWS::IAM::Role',
  'AWS::Lambda::Function',
  'AWS::ApiGatewayV2::Api',
]);

/** A reference to something not created yet: the resource waits for the next pass. */
class Unresolved extends Error {}

/** The template's resources on moto, with CloudFormation's intrinsic functions resolved. */
export class StackOnMoto {
  private readonly created = new Map<string, Created>();

  constructor(
    readonly template: Template,
    private readonly moto: Moto,
  ) {}

  /** Resolves `Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Select`, `Fn::Split` and `Fn::Sub` in `value`. */
  resolve(value: Json): Json {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const o = value as Record<string, Json>;
    if ('Ref' in o) return this.ref(o.Ref as string);
    if ('Fn::GetAtt' in o) {
      const [id, attribute] = (
        typeof o['Fn::GetAtt'] === 'string' ? (o['Fn::GetAtt'] as string).split('.') : o['Fn::GetAtt']
      ) as [string, string];
      const found = this.created.get(id)?.attributes[attribute];
      if (found === undefined) throw new Unresolved(`${id}.${attribute}`);
      return found;
    }
    if ('Fn::Join' in o) {
      const [sep, parts] = o['Fn::Join'] as [string, Json[]];
      return (this.resolve(parts) as string[]).join(sep);
    }
    if ('Fn::Select' in o) {
      const [index, list] = o['Fn::Select'] as [number, Json];
      return (this.resolve(list) as string[])[Number(index)];
    }
    if ('Fn::Split' in o) {
      const [sep, text] = o['Fn::Split'] as [string, Json];
      return (this.resolve(text) as string).split(sep);
    }
    if ('Fn::Sub' in o) {
      const [text, vars] = (Array.isArray(o['Fn::Sub']) ? o['Fn::Sub'] : [o['Fn::Sub'], {}]) as [
        string,
        Record<string, Json>,
      ];
      return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
        if (name in vars) return String(this.resolve(vars[name]));
        const [id, attribute] = name.split('.');
        return String(attribute ? this.resolve({ 'Fn::GetAtt': [id, attribute] }) : this.ref(name));
      });
    }
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, this.resolve(v)]));
  }

  private ref(id: string): string {
    const pseudo: Record<string, string> = {
      'AWS::Partition': 'aws',
      'AWS::Region': REGION,
      'AWS::AccountId': ACCOUNT,
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': 'EscalationAuditor-moto',
    };
    const found = pseudo[id] ?? this.created.get(id)?.ref;
    if (found === undefined) throw new Unresolved(id);
    return found;
  }

  /** A resource's physical id, as `Ref` gives it. */
  physical(logicalId: string): string {
    return this.ref(logicalId);
  }

  /** The logical ids of the template's resources of `type` whose properties match `where`. */
  idsOf(type: string, where: (properties: Record<string, Json>) => boolean = () => true): string[] {
    return Object.entries(this.template.Resources)
      .filter(([, r]) => r.Type === type && where(r.Properties ?? {}))
      .map(([id]) => id);
  }

  private functionProperties(functionName: string) {
    const [id] = this.idsOf('AWS::Lambda::Function', (p) => p.FunctionName === functionName);
    const props = id ? this.template.Resources[id]?.Properties : undefined;
    if (!props) throw new Error(`no function ${functionName} in the template`);
    return props as { Environment?: { Variables?: Json }; Code: { S3Key: string } };
  }

  /** A function's environment as the template gives it, every reference resolved. */
  environmentOf(functionName: string): Record<string, string> {
    return this.resolve(this.functionProperties(functionName).Environment?.Variables ?? {}) as Record<string, string>;
  }

  /** The folder of a function's bundle in the cloud assembly `outdir` (`asset.<hash>`). */
  assetOf(functionName: string, outdir: string): string {
    return join(outdir, `asset.${this.functionProperties(functionName).Code.S3Key.replace(/\.zip$/, '')}`);
  }

  /** Creates every resource moto can hold, in as many passes as their references need. */
  async create(): Promise<void> {
    let pending = Object.entries(this.template.Resources);
    while (pending.length > 0) {
      const waiting: typeof pending = [];
      const errors: string[] = [];
      for (const [id, resource] of pending) {
        try {
          const made = await this.createOne(id, resource);
          if (made) this.created.set(id, made);
        } catch (err) {
          if (!(err instanceof Unresolved))
            throw new Error(`${id} (${resource.Type}) on moto: ${(err as Error).message}`);
          waiting.push([id, resource]);
          errors.push(`${id} needs ${err.message}`);
        }
      }
      if (waiting.length === pending.length) throw new Error(`cannot create: ${errors.join('; ')}`);
      pending = waiting;
    }
  }

  private arn(service: string, resource: string, region = REGION): string {
    return `arn:aws:${service}:${region}:${ACCOUNT}:${resource}`;
  }

  private async createOne(id: string, resource: Resource): Promise<Created | undefined> {
    if (!CREATED.has(resource.Type)) return undefined;
    const p = (resource.Type === 'AWS::Lambda::Function' ? {} : this.resolve(resource.Properties ?? {})) as Record<
      string,
      never
    >;
    const cfg = this.moto.config;
    switch (resource.Type) {
      case 'AWS::KMS::Key': {
        // no KMS client in the project: one JSON call to moto
        const r = await fetch(this.moto.endpoint, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-amz-json-1.1',
            'x-amz-target': 'TrentService.CreateKey',
            authorization: `AWS4-HMAC-SHA256 Credential=moto/20261201/${REGION}/kms/aws4_request, SignedHeaders=host, Signature=0`,
          },
          body: JSON.stringify({ Description: p.Description ?? id }),
        });
        const key = ((await r.json()) as { KeyMetadata: { KeyId: string; Arn: string } }).KeyMetadata;
        return { ref: key.KeyId, attributes: { Arn: key.Arn, KeyId: key.KeyId } };
      }
      case 'AWS::DynamoDB::Table': {
        const name = (p.TableName as string | undefined) ?? `${id}-moto`;
        const dynamo = new DynamoDBClient(cfg);
        const r = await dynamo.send(
          new CreateTableCommand({
            TableName: name,
            KeySchema: p.KeySchema,
            AttributeDefinitions: p.AttributeDefinitions,
            GlobalSecondaryIndexes: p.GlobalSecondaryIndexes,
            BillingMode: p.BillingMode,
            SSESpecification: { Enabled: (p.SSESpecification as { SSEEnabled?: boolean } | undefined)?.SSEEnabled },
          }),
        );
        const ttl = p.TimeToLiveSpecification as { AttributeName: string; Enabled: boolean } | undefined;
        if (ttl) await dynamo.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: ttl }));
        dynamo.destroy();
        return { ref: name, attributes: { Arn: r.TableDescription?.TableArn ?? '' } };
      }
      case 'AWS::SQS::Queue': {
        const fifo = p.FifoQueue === true;
        const name = (p.QueueName as string | undefined) ?? `${id}${fifo ? '.fifo' : ''}`;
        const attributes: Record<string, string> = {};
        for (const k of ['FifoQueue', 'VisibilityTimeout', 'MessageRetentionPeriod', 'SqsManagedSseEnabled'])
          if (p[k] !== undefined) attributes[k] = String(p[k]);
        if (p.RedrivePolicy) attributes.RedrivePolicy = JSON.stringify(p.RedrivePolicy);
        const sqs = new SQSClient(cfg);
        const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
        const a = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
        sqs.destroy();
        return { ref: QueueUrl ?? '', attributes: { Arn: a.Attributes?.QueueArn ?? '', QueueName: name } };
      }
      case 'AWS::SNS::Topic': {
        const name = (p.TopicName as string | undefined) ?? id;
        const sns = new SNSClient(cfg);
        const attributes: Record<string, string> = {};
        if (p.DisplayName) attributes.DisplayName = p.DisplayName;
        if (p.KmsMasterKeyId) attributes.KmsMasterKeyId = p.KmsMasterKeyId;
        const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: name, Attributes: attributes }));
        sns.destroy();
        return { ref: TopicArn ?? '', attributes: { TopicArn: TopicArn ?? '', TopicName: name } };
      }
      case 'AWS::S3::Bucket': {
        const name = (p.BucketName as string | undefined) ?? `${id.toLowerCase()}-moto`;
        const s3 = new S3Client(cfg);
        await s3.send(new CreateBucketCommand({ Bucket: name }));
        const encryption = p.BucketEncryption as
          | {
              ServerSideEncryptionConfiguration: {
                BucketKeyEnabled?: boolean;
                ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms'; KMSMasterKeyID?: string };
              }[];
            }
          | undefined;
        // CloudFormation's ServerSideEncryptionByDefault is the API's ApplyServerSideEncryptionByDefault
        if (encryption)
          await s3.send(
            new PutBucketEncryptionCommand({
              Bucket: name,
              ServerSideEncryptionConfiguration: {
                Rules: encryption.ServerSideEncryptionConfiguration.map((r) => ({
                  BucketKeyEnabled: r.BucketKeyEnabled,
                  ApplyServerSideEncryptionByDefault: r.ServerSideEncryptionByDefault,
                })),
              },
            }),
          );
        s3.destroy();
        return { ref: name, attributes: { Arn: `arn:aws:s3:::${name}` } };
      }
      case 'AWS::Scheduler::ScheduleGroup': {
        const scheduler = new SchedulerClient(cfg);
        const r = await scheduler.send(new CreateScheduleGroupCommand({ Name: p.Name }));
        scheduler.destroy();
        return { ref: String(p.Name), attributes: { Arn: r.ScheduleGroupArn ?? '' } };
      }
      case 'AWS::Scheduler::Schedule': {
        const name = (p.Name as string | undefined) ?? id;
        const scheduler = new SchedulerClient(cfg);
        const r = await scheduler.send(new CreateScheduleCommand({ ...(p as object), Name: name } as never));
        scheduler.destroy();
        return { ref: name, attributes: { Arn: r.ScheduleArn ?? '' } };
      }
      // what moto cannot run or need not hold: named as CloudFormation would name them
      case 'AWS::IAM::Role':
        return { ref: id, attributes: { Arn: `arn:aws:iam::${ACCOUNT}:role/${id}`, RoleId: id } };
      case 'AWS::Lambda::Function': {
        const name = (resource.Properties?.FunctionName as string | undefined) ?? id;
        return { ref: name, attributes: { Arn: this.arn('lambda', `function:${name}`) } };
      }
      case 'AWS::ApiGatewayV2::Api':
        return {
          ref: 'motoapi',
          attributes: { ApiEndpoint: `https://motoapi.execute-api.${REGION}.amazonaws.com`, ApiId: 'motoapi' },
        };
      default:
        return undefined;
    }
  }
}
