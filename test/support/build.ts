/** vitest global setup: the CLI tests run the bin, which runs dist/; build it from the sources first. */
import { buildCli } from '../../scripts/build.mjs';

export default async function setup(): Promise<void> {
  await buildCli();
}
