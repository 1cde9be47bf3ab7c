// Worker entry: the worker thread needs its own TypeScript loader.
import { register } from 'tsx/esm/api';

register();
await import('./shard-worker.ts');
