/**
 * The page of `memsync serve` in a real browser: Debian's chromium, driven by playwright-core
 * (its own browser downloads cannot work here). A patch made by another process shows up on
 * the page; the tree keeps what the user opened across updates.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, type Worker, type WorkerStatus } from '../../support/cluster.js';
import { type Served, serveMesh } from './serve-process.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('the web view in Chromium', () => {
  let cluster: Cluster;
  let host: Worker;
  let served: Served;
  let profile: string;
  let browser: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    cluster = new Cluster();
    host = (await cluster.start({}, { config: { mode: 'fast', nested: { deep: 1 } }, hits: 0 })).worker;
    served = await serveMesh(cluster.name, cluster.dir);
    // A fresh profile per run (launchPersistentContext passes it as --user-data-dir), removed after.
    profile = mkdtempSync(join(tmpdir(), 'memsync-chromium-'));
    browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 30_000 });
    page = browser.pages()[0] ?? (await browser.newPage());
    // A script the CSP blocked, or one that threw, would show here.
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
  });
  afterAll(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    served?.cli.stop();
    await cluster?.[Symbol.asyncDispose]();
  });

  it('shows the state, the members and the version', async () => {
    await page.goto(served.url);
    await page.locator('#live', { hasText: 'live' }).waitFor({ timeout: 20_000 });
    const { id } = await host.call<WorkerStatus>('status');
    await page.locator('#members tr', { hasText: id }).waitFor({ timeout: 20_000 });
    expect(await page.locator('#members tr', { hasText: id }).locator('td').allTextContents()).toEqual([id, 'host', String(host.pid), 'no']);
    expect(await page.locator('#host').textContent()).toBe(id);
    // The root is open, its children closed: the values of `config` are not shown yet.
    const config = page.locator('details[data-path="config"]');
    expect(await config.getAttribute('open')).toBeNull();
    expect(await page.locator('.row[data-path="hits"]').textContent()).toBe('hits: 0');
  });

  it('shows a patch made by another process, with its origin, in the tree the user opened', async () => {
    await page.locator('details[data-path="config"] > summary').click();
    const mode = page.locator('.row[data-path="config.mode"]');
    await mode.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await mode.textContent()).toBe('mode: "fast"');

    const { id } = await host.call<WorkerStatus>('status');
    const result = await host.call<{ version: number }>('patch', { update: { $set: { 'config.mode': 'from-another-process' } } });
    await page.locator('.row[data-path="config.mode"]', { hasText: 'from-another-process' }).waitFor({ timeout: 20_000 });
    // Re-rendered, and what the user opened stays open.
    expect(await page.locator('details[data-path="config"]').getAttribute('open')).not.toBeNull();
    await page.locator('#version', { hasText: String(result.version) }).waitFor({ timeout: 10_000 });
    const latest = page.locator('#changes li').first();
    expect(await latest.locator('.origin').textContent()).toBe(id);
    expect(await latest.locator('.paths').textContent()).toBe('config.mode');
    expect(await latest.locator('.ver').textContent()).toBe(`v${result.version}`);
  });

  it('shows a key deleted elsewhere disappear, and raised no script or CSP error', async () => {
    await host.call('patch', { update: { $unset: { hits: '' } } });
    await page.locator('.row[data-path="hits"]').waitFor({ state: 'detached', timeout: 20_000 });
    expect(problems).toEqual([]);
  });
});
