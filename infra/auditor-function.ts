/**
 * Every Lambda of the app, built one way: bundled locally by esbuild (minified ESM for Node 24 on
 * arm64, the pinned AWS SDK inside the bundle), its own role that may write only its own log
 * group, a log group with retention, Powertools settings, a timeout, and a dead-letter queue for
 * asynchronous invocations that still fail after Lambda's retries.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction, type NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ConfigError } from '../lib/config';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Module substitutions in the bundles: the credential chain becomes the environment provider. */
export const ALIASES = {
  '@aws-sdk/credential-provider-node': join(ROOT, 'functions/lambda-credentials.ts'),
};

/** One place for how a function is bundled; the bundle benchmark and tests build with these too. */
export const BUNDLING = {
  format: OutputFormat.ESM,
  target: 'node24',
  minify: true,
  sourceMap: false,
  // Bundle the pinned SDK instead of trusting the runtime's copy.
  externalModules: [],
  mainFields: ['module', 'main'],
  // Some dependencies still call require(); an ESM bundle has to provide it.
  banner: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);",
  esbuildArgs: Object.fromEntries(Object.entries(ALIASES).map(([from, to]) => [`--alias:${from}`, to])),
} satisfies NodejsFunctionProps['bundling'];

export interface AuditorFunctionProps {
  /** The handler's file, relative to the repository root, e.g. `functions/check.ts`. */
  readonly entry: string;
  readonly description: string;
  readonly functionName: string;
  readonly environment: Record<string, string>;
  readonly logRetention: RetentionDays;
  readonly timeout?: Duration;
  readonly memorySize?: number;
  /** At most this many at once (e.g. 1 for a job that must not overlap itself). */
  readonly reservedConcurrency?: number;
  /**
   * A file of configuration (the policy and the mapping, JSON) copied into the bundle as
   * `CONFIG_FILE`, read at cold start: Lambda's environment holds 4 KB, a large organisation's
   * mapping many times that.
   */
  readonly configFile?: string;
}

/** The name of the configuration file inside a bundle (functions/wiring.ts reads it). */
export const CONFIG_FILE = 'auditor-config.json';
/** What Lambda allows for a function's environment: the JSON of the whole variable map. */
export const MAX_ENVIRONMENT_BYTES = 4096;
/** What an unresolved reference (an ARN, a URL) is counted as until deploy time resolves it. */
const TOKEN_BYTES = 256;

/**
 * The size of an environment as Lambda measures it (the JSON of the variable map), counting each
 * value synth cannot know yet at `TOKEN_BYTES`.
 */
export function environmentBytes(variables: Record<string, string>): number {
  const known = Object.fromEntries(
    Object.entries(variables).map(([k, v]) => [k, Token.isUnresolved(v) ? 'x'.repeat(TOKEN_BYTES) : v]),
  );
  return Buffer.byteLength(JSON.stringify(known));
}

export class AuditorFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  /** Where asynchronous invocations (Scheduler) land after Lambda's two retries. */
  readonly failures: Queue;
  /** The configuration file copied into its bundle, if any. */
  readonly configFile?: string;

  constructor(scope: Construct, id: string, props: AuditorFunctionProps) {
    super(scope, id);
    if (props.configFile) this.configFile = props.configFile;
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.functionName}: writes its own logs; every other grant is explicit`,
    });
    this.role.addToPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.failures = new Queue(this, 'Failures', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.failures).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: "This queue is the function's dead-letter destination; its depth alarms to the ops topic.",
    });
    const environment = {
      POWERTOOLS_SERVICE_NAME: 'escalation-auditor',
      POWERTOOLS_METRICS_NAMESPACE: 'EscalationAuditor',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      ...(props.configFile ? { CONFIG_FILE } : {}),
      ...props.environment,
    };
    const bytes = environmentBytes(environment);
    if (bytes > MAX_ENVIRONMENT_BYTES)
      throw new ConfigError(
        `${props.functionName}: its environment is ${bytes} bytes as Lambda measures it (the JSON of the variables), over Lambda's ${MAX_ENVIRONMENT_BYTES}`,
      );
    this.fn = new NodejsFunction(this, 'Function', {
      functionName: props.functionName,
      description: props.description,
      entry: join(ROOT, props.entry),
      handler: 'handler',
      projectRoot: ROOT,
      depsLockFilePath: join(ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      ...(props.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
      timeout: props.timeout ?? Duration.seconds(30),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      bundling: props.configFile
        ? {
            ...BUNDLING,
            commandHooks: {
              beforeBundling: () => [],
              beforeInstall: () => [],
              afterBundling: (_input: string, output: string) => [
                `cp ${JSON.stringify(props.configFile)} ${JSON.stringify(join(output, CONFIG_FILE))}`,
              ],
            },
          }
        : BUNDLING,
      onFailure: new SqsDestination(this.failures),
      retryAttempts: 2,
      environment,
    });
  }
}
