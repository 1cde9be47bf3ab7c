/**
 * Powertools for every handler: structured JSON logs with the Lambda context, and CloudWatch
 * metrics in embedded metric format (service and namespace from POWERTOOLS_* set by the CDK
 * construct). Each handler adds its own counts; logMetrics flushes them after every invocation.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Reconciled } from '../lib/app/live';

export const logger = new Logger();
export const metrics = new Metrics({ defaultDimensions: {} });

export const count = (name: string, value = 1) => metrics.addMetric(name, MetricUnit.Count, value);

/** The state changes a reconcile made, in every path that reconciles (ingest and checker). */
export function countReconciled(r: Pick<Reconciled, 'breaches' | 'retracted' | 'warnings'>): void {
  count('BreachesRecorded', r.breaches);
  count('BreachesRetracted', r.retracted);
  count('WarningsSent', r.warnings);
}

/** A middy handler with the logger and metrics middlewares. */
export function observed<E, R>() {
  return middy<E, R>()
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}
