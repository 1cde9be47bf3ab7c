#!/usr/bin/env node
// The built command line (dist/, made by `npm ci` through `prepare`, or `npm run build`).
// The SDK's notice that Node 20 support ends in 2027 is for us, not for every user of the CLI.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
let cli;
try {
  cli = await import('../dist/main.mjs');
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('dist')) throw err;
  process.stderr.write('escalation-auditor: the command is not built yet; run `npm run build` (npm ci does it)\n');
  process.exit(2);
}
await cli.main(process.argv);
