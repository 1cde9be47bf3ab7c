/** A shard on its own thread: answers the messages of `WorkerShard`, in order. */
import { parentPort, workerData } from 'node:worker_threads';
import { Shard, type ShardOptions } from './shard';
import type { Reply, Request } from './shards';

const port = parentPort as NonNullable<typeof parentPort>;
const { index, shards, opts } = workerData as { index: number; shards: number; opts: ShardOptions };
const shard = new Shard(index, shards, opts);

port.on('message', (msg: Request) => {
  if (msg.kind === 'add') {
    shard.add(msg.batch);
    port.postMessage({ kind: 'ack' } satisfies Reply);
  } else if (msg.kind === 'flush') port.postMessage({ kind: 'reply', value: shard.flush() } satisfies Reply);
  else {
    const result = shard.audit(msg.job, (done) => {
      if (done % 5000 === 0) port.postMessage({ kind: 'progress', done });
    });
    port.postMessage({ kind: 'reply', value: result });
  }
});
