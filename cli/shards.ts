/** Shards in this thread or on worker threads, behind one interface. */
import { Worker } from 'node:worker_threads';
import type { WaiverRecord } from '../lib/engine/waivers';
import type { Policy } from '../lib/policy/schema';
import { type Format, UsageError } from './options';
import { type AuditJob, type Lines, Shard, type ShardAudit, type ShardOptions } from './shard';
import { LIMITS } from './spill';

export type Request = { kind: 'add'; batch: Lines } | { kind: 'flush' } | { kind: 'audit'; job: AuditJob };

export type Reply = { kind: 'ack' } | { kind: 'progress'; done: number } | { kind: 'reply'; value: unknown };

export interface ShardHandle {
  add(batch: Lines): void;
  /** Resolves once the shard has at most `batches` batches of lines still to take. */
  drained(batches: number): Promise<void>;
  /** Once every line is added: writes out what is buffered, and gives the latest `at` read (`Shard.flush`). */
  flush(): Promise<number>;
  audit(job: AuditJob, onProgress: (done: number) => void): Promise<ShardAudit>;
  close(): Promise<void>;
}

/** A shard on this thread. */
export class InlineShard implements ShardHandle {
  readonly shard: Shard;
  constructor(opts: ShardOptions) {
    this.shard = new Shard(0, 1, opts);
  }
  add(batch: Lines): void {
    this.shard.add(batch);
  }
  async drained(): Promise<void> {}
  async flush(): Promise<number> {
    return this.shard.flush();
  }
  async audit(job: AuditJob, onProgress: (done: number) => void): Promise<ShardAudit> {
    return this.shard.audit(job, onProgress);
  }
  async close(): Promise<void> {}
}

class WorkerShard implements ShardHandle {
  private readonly worker: Worker;
  private readonly waiting: { resolve: (v: never) => void; reject: (e: unknown) => void }[] = [];
  private onProgress: (done: number) => void = () => {};
  private queued = 0;
  private onAck: (() => void) | undefined;
  private failure: unknown;

  constructor(index: number, shards: number, opts: ShardOptions) {
    this.worker = new Worker(new URL('./shard-worker.mjs', import.meta.url), {
      workerData: { index, shards, opts },
      // spilling, a heap limit makes the thread collect its garbage instead of growing into it; in
      // memory, the input's size (at most LIMITS.inMemoryBytes) bounds the thread already
      ...(opts.buckets > 0 ? { resourceLimits: { maxOldGenerationSizeMb: LIMITS.threadMemoryMb } } : {}),
    });
    this.worker.on('message', (msg: Reply) => {
      if (msg.kind === 'ack') {
        this.queued--;
        this.onAck?.();
      } else if (msg.kind === 'progress') this.onProgress(msg.done);
      else this.waiting.shift()?.resolve(msg.value as never);
    });
    const fail = (cause: unknown) => {
      const err =
        (cause as NodeJS.ErrnoException)?.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new UsageError(
              `an audit thread needed more than its ${LIMITS.threadMemoryMb} MB (one ticket with a very long history?); ` +
                'run again with --threads 1, or raise ESCALATION_AUDITOR_THREAD_MEMORY_MB',
            )
          : cause;
      this.failure ??= err;
      for (const w of this.waiting.splice(0)) w.reject(err);
      this.onAck?.();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`audit worker ${index} exited with code ${code}`)));
  }

  private request<T>(msg: Request): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ resolve: resolve as (v: never) => void, reject });
      this.worker.postMessage(msg);
    });
  }

  add(batch: Lines): void {
    this.queued++;
    this.worker.postMessage({ kind: 'add', batch } satisfies Request);
  }
  async drained(batches: number): Promise<void> {
    while (this.queued > batches && !this.failure) await new Promise<void>((resolve) => (this.onAck = resolve));
    this.onAck = undefined;
    if (this.failure) throw this.failure;
  }
  flush(): Promise<number> {
    return this.request({ kind: 'flush' });
  }
  audit(job: AuditJob, onProgress: (done: number) => void): Promise<ShardAudit> {
    this.onProgress = onProgress;
    return this.request({ kind: 'audit', job });
  }
  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

export function openShards(count: number, opts: ShardOptions): ShardHandle[] {
  return count === 1
    ? [new InlineShard(opts)]
    : Array.from({ length: count }, (_, i) => new WorkerShard(i, count, opts));
}
