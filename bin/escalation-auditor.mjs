#!/usr/bin/env node
// Runs the TypeScript sources through tsx, so the command never lags behind a build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
await main(process.argv);
