/** Weekly reports as files in a folder (`serve`). */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ReportSink } from '../../ports';

export class ReportFolder implements ReportSink {
  constructor(private readonly folder: string) {}

  async put(name: string, _contentType: string, body: string): Promise<string> {
    await mkdir(this.folder, { recursive: true });
    const file = resolve(join(this.folder, name));
    await writeFile(file, body);
    return pathToFileURL(file).href;
  }
}
