/** Weekly reports as files in a folder (`serve`). */
import { createWriteStream } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import type { ReportSink } from '../../ports';

export class ReportFolder implements ReportSink {
  constructor(private readonly folder: string) {}

  async put(name: string, _contentType: string, body: Iterable<string>): Promise<string> {
    await mkdir(this.folder, { recursive: true });
    const file = resolve(join(this.folder, name));
    // written beside it and renamed when whole: a report half-written is never there to be opened
    const partial = `${file}.partial`;
    await pipeline(Readable.from(body), createWriteStream(partial));
    await rename(partial, file);
    return pathToFileURL(file).href;
  }
}
