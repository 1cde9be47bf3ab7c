/**
 * One process per data folder: the embedded store (LevelDB) takes one writer, and `serve` keeps
 * it as its sole writer's cache. A lock file names the holder and its pid; a lock left by a
 * process that is gone is taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './options';

const FILE = 'escalation-auditor.lock';

interface Holder {
  readonly pid: number;
  readonly command: string;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

function holderOf(file: string): Holder | undefined {
  try {
    const h = JSON.parse(readFileSync(file, 'utf8')) as Partial<Holder>;
    return typeof h.pid === 'number' ? { pid: h.pid, command: String(h.command ?? 'a command') } : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the folder for `command`; the returned function gives it back (also done at exit). */
export function lockFolder(folder: string, command: string): () => void {
  const file = join(folder, FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, `${JSON.stringify({ pid: process.pid, command })}\n`);
      closeSync(fd);
      const release = () => {
        if (holderOf(file)?.pid === process.pid) rmSync(file, { force: true });
        process.removeListener('exit', release);
      };
      process.once('exit', release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = holderOf(file);
      if (holder && alive(holder.pid) && holder.pid !== process.pid) {
        throw new UsageError(
          `${holder.command} (pid ${holder.pid}) holds ${folder}: stop it, or pass --data with another folder`,
        );
      }
      // left by a process that is gone: take it over
      rmSync(file, { force: true });
    }
  }
  throw new UsageError(`cannot lock ${folder}: another process keeps taking it`);
}
