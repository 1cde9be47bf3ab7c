/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy` (see cdk.json). Settings come from context,
 * validated by infra/config.ts; cdk-nag's AwsSolutions checks run on every synth and fail it on
 * any unacknowledged finding.
 */
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { deployConfig } from './config';
import { AuditorStack } from './stack';

export function createApp(props: AppProps = {}): { app: App; stack: AuditorStack } {
  const app = new App(props);
  const config = deployConfig((key) => app.node.tryGetContext(key));
  const account = process.env.CDK_DEFAULT_ACCOUNT;
  const region = process.env.CDK_DEFAULT_REGION;
  const stack = new AuditorStack(app, `EscalationAuditor-${config.stage}`, {
    config,
    description: `escalation-auditor (${config.stage}): audits escalation policy ${config.policy.id}`,
    ...(account && region ? { env: { account, region } } : {}),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

if (import.meta.url === `file://${process.argv[1]}`) createApp().app.synth();
