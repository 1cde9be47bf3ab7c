/**
 * One Lambda function in a process of its own, the way Lambda's runtime holds it: the handler
 * module loaded once (cold start), then invoked once per message from the parent (warm). Each
 * answer carries what the invocation wrote to stdout (the logs and the embedded-format metrics).
 * Used by test/support/lambda.ts.
 */
import { pathToFileURL } from 'node:url';

const [entry] = process.argv.slice(2);
const { handler } = await import(pathToFileURL(entry).href);

let captured = [];
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  captured.push(String(chunk));
  return write(chunk, ...rest);
};

let invocations = 0;
process.on('message', async ({ id, event }) => {
  invocations++;
  captured = [];
  const context = {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'function',
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:123456789012:function:function`,
    memoryLimitInMB: '512',
    awsRequestId: `request-${invocations}`,
    logGroupName: '/aws/lambda/function',
    logStreamName: 'stream',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 30_000,
  };
  try {
    const result = await handler(event, context);
    process.send({ id, result, output: captured.join('') });
  } catch (err) {
    process.send({ id, error: String(err?.stack ?? err), output: captured.join('') });
  }
});
process.send({ ready: true });
