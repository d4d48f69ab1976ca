import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { fromRoot } from '../src/paths.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const isCI = process.env.CI === 'true' || process.env.CI === '1';

/** Whether the browser tests can run; in CI a missing Chromium is an error, elsewhere a loud skip. */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const message = `Chromium not found at ${CHROMIUM}: install it with \`apt-get install -y chromium\``;
  if (isCI) throw new Error(`${message} (required in CI)`);
  console.warn(`\n${'!'.repeat(80)}\n!! SKIPPING the demo's browser tests. ${message}\n${'!'.repeat(80)}\n`);
  return false;
}

/**
 * Launches headless Chromium on a fresh profile from mkdtemp (playwright takes the profile as
 * `userDataDir` rather than a `--user-data-dir` flag); `close()` also removes the profile.
 */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'adv-demo-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    locale: 'en-US',
    acceptDownloads: true,
    viewport: { width: 1100, height: 800 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Where screenshots go (git-ignored). */
export function artifactPath(name: string): string {
  // The demo-postgres project takes the same screenshots of the board on PostgreSQL.
  const dir = fromRoot('test-artifacts', ...(process.env.ADV_TEST_DATABASE === 'postgres' ? ['postgres'] : []));
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
