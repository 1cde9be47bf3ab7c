/** The ingest Lambda: API Gateway HTTP API (payload v2) in front of lib/app/http. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createApi, type HttpRequest } from '../lib/app/http';
import { count, logger, observed } from './observability';
import { wireIngest } from './wiring';

const api = wireIngest().then((w) =>
  createApi({
    ...w,
    log: (msg) => logger.error(msg),
    translatorFailed: (f) => {
      logger.error('translator failed; the request is reported unmapped', { ...f });
      count('TranslatorFailures');
    },
  }),
);

export function toRequest(event: APIGatewayProxyEventV2): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(event.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v;
  return {
    method: event.requestContext.http.method,
    path: event.rawPath,
    headers,
    body: Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8'),
    receivedAt: event.requestContext.timeEpoch ?? Date.now(),
    // the IAM principal API Gateway authenticated (POST /waivers): no signature needed then
    ...(iamPrincipal(event) ? { principal: iamPrincipal(event) } : {}),
  };
}

function iamPrincipal(event: APIGatewayProxyEventV2): string | undefined {
  const iam = (event.requestContext as { authorizer?: { iam?: { userArn?: string } } }).authorizer?.iam;
  return iam?.userArn;
}

export const handler = observed<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>().handler(async (event) => {
  const r = await (await api)(toRequest(event));
  count(`Responses${Math.floor(r.status / 100)}xx`);
  return { statusCode: r.status, headers: r.headers, body: r.body };
});
