#!/usr/bin/env node
// Runs the TypeScript sources through tsx, so the command never lags behind a build step.
import { register } from 'tsx/esm/api';

// The SDK's notice that Node 20 support ends in 2027 is for us, not for every user of the CLI.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { main } = await import('../cli/main.ts');
await main(process.argv);
