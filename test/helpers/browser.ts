/**
 * A real browser for the web UI's tests: Debian's chromium (scripts/dev-env.sh installs it) driven by
 * playwright-core, headless, with a fresh profile that is removed afterwards. Never downloads a browser.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { repoRoot } from './project.js';

export const CHROMIUM = process.env.DEVLOOP_CHROMIUM ?? '/usr/bin/chromium';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'devloop-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: FLAGS,
    headless: true,
    viewport: { width: 1400, height: 800 },
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Where tests put screenshots (gitignored). */
export function testOutput(name: string): string {
  const dir = join(repoRoot, 'test-output');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
