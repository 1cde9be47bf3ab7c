/**
 * A headless Chromium through playwright-core, for the report's browser test and its screenshot.
 * The browser comes from the npm package @sparticuz/chromium, which carries the binary inside the
 * registry package and unpacks it into the temp folder on first use: `npm ci` brings it, and no
 * system package or browser download is needed. `CHROMIUM_PATH` points at another build instead
 * (e.g. Debian's `/usr/bin/chromium`).
 */
import { type Browser, chromium } from 'playwright-core';

/** Flags that keep Chromium off the network (this machine has none) and quiet at start-up. */
const QUIET = [
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export async function launchChromium(): Promise<Browser> {
  const override = process.env.CHROMIUM_PATH;
  if (override) {
    return chromium.launch({ executablePath: override, args: ['--headless', '--no-sandbox', ...QUIET] });
  }
  const { default: packaged } = await import('@sparticuz/chromium');
  return chromium.launch({
    executablePath: await packaged.executablePath(),
    // its Lambda flags, but several pages: in one process, closing a page would end the browser
    args: [...packaged.args.filter((a) => a !== '--single-process'), ...QUIET],
    headless: true,
  });
}
