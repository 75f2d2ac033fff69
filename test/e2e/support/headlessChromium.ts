import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/**
 * A system Chromium (Debian's, which scripts/setup-browser.sh installs where it can; CHROMIUM_PATH names
 * another, e.g. Chrome on macOS) driven by playwright-core, which brings no browser of its own: headless,
 * no sandbox (CI runs as root), no network chatter, a fresh profile every time.
 */

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function headlessChromium(viewport = { width: 1500, height: 1200 }): Promise<BrowserContext> {
  return chromium.launchPersistentContext(await mkdtemp(join(tmpdir(), 'chromium-profile-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
  });
}
