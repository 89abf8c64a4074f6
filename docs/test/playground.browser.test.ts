/**
 * The playground end to end in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core): the page
 * is served by docs/scripts/serve.mjs on a free port; the test types prefixes, allocates, releases and enters bad
 * input, and after every step compares what the page draws with the answers of a Pool run here in Node with the
 * same requests. A screenshot is written to docs/test-results/playground.png. Without Chromium the test fails.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Addr, IPSet, Pool, Prefix } from '@ipam/core';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startServer } from '../scripts/serve.mjs';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const SCREENSHOT = new URL('../test-results/playground.png', import.meta.url);
const dir = inject('playgroundDir');

let launched: Promise<Browser> | undefined;
let server: Awaited<ReturnType<typeof startServer>>;

/**
 * The browser, launched on first use. A missing Chromium fails each test that needs it (in the test itself, not
 * in a hook, so the run counts failures, never skipped tests).
 */
function browser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: the playground test needs Debian's Chromium (apt-get install -y chromium), or set CHROMIUM_PATH`);
  }
  launched ??= chromium.launch({ executablePath: CHROMIUM, headless: true });
  return launched;
}

beforeAll(async () => {
  server = await startServer({ root: join(dir, '..') });
});

afterAll(async () => {
  await (await launched)?.close();
  await server?.close();
});

/** What the page shows: the allocated cells of the map, the free cells, and the allocation list. */
async function drawn(page: Page) {
  return {
    cells: await page.locator('#map rect[data-kind="allocated"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-value'))),
    free: await page.locator('#map rect[data-kind="free"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-value'))),
    list: await page.locator('#allocations li .allocation').allTextContents(),
  };
}

/** What the page must show for a pool: its allocations in address order, its free ranges, `value — owner` lines. */
function expected(pool: Pool) {
  // In address order, as the map and the list show them (toJSON lists them in its own order).
  const start = (v: string): Addr => (v.includes('/') ? Prefix.parse(v).addr : Addr.parse(v));
  const allocations = pool
    .toJSON()
    .allocations.map((a) => (typeof a === 'string' ? { value: a, owner: undefined } : a))
    .sort((a, b) => Addr.compare(start(a.value), start(b.value)));
  return {
    cells: allocations.map((a) => a.value),
    // Free space per row: each of the pool's prefixes is a row of the map.
    free: pool
      .prefixes()
      .flatMap((p) => pool.freeSet().intersect(IPSet.from([p])).ranges())
      .map((r) => (r.first().equals(r.last()) ? r.first().toString() : (r.prefix()?.toString() ?? r.toString()))),
    list: allocations.map((a) => (a.owner === undefined ? a.value : `${a.value} — ${a.owner}`)),
  };
}

async function allocate(page: Page, bits: string): Promise<void> {
  await page.fill('#bits', bits);
  await page.click('#allocate-form button[type="submit"]');
}

describe('the playground', () => {
  it('allocates, releases and draws what the Pool says; bad input shows the IpamError', { timeout: 120_000 }, async () => {
    const page = await (await browser()).newPage({ viewport: { width: 1000, height: 1000 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${server.url}playground/`);
    expect(await page.textContent('#stats')).toContain('No pool yet');

    // The page's pool, and the same requests made of a Pool here.
    const pool = new Pool(['10.0.0.0/24', '10.0.1.0/25'], { reserve: ['10.0.0.0'] });
    await page.fill('#prefixes', '10.0.0.0/24\n10.0.1.0/25');
    await page.fill('#reserve', '10.0.0.0');
    await page.click('#pool-form button[type="submit"]');
    expect(await page.locator('#map .row').evaluateAll((els) => els.map((e) => e.getAttribute('data-prefix')))).toEqual(['10.0.0.0/24', '10.0.1.0/25']);
    expect(await drawn(page)).toEqual(expected(pool));
    expect(await page.locator('#map rect[data-kind="reserved"]').getAttribute('data-value')).toBe('10.0.0.0');

    const asked = ['26', '', '28', '25', '', '27'];
    asked.forEach((bits, i) => (bits === '' ? pool.allocate({ owner: `#${i + 1}` }) : pool.allocatePrefix(Number(bits), { owner: `#${i + 1}` })));
    for (const bits of asked) await allocate(page, bits);
    const afterAllocate = await drawn(page);
    expect(afterAllocate).toEqual(expected(pool));
    expect(afterAllocate.cells).toHaveLength(6);
    // Labels are drawn inside the cells wide enough for them: the /25 and the /26 at least.
    const labels = await page.locator('#map text.seg-label.allocated').allTextContents();
    expect(labels).toEqual(expect.arrayContaining([pool.find('#4')[0]!.toString(), pool.find('#1')[0]!.toString()]));
    expect(await page.textContent('#status')).toBe(`Allocated ${pool.find('#6')[0]} to #6.`);

    // Release one with the keyboard: focus its button and press Enter.
    const victim = pool.find('#1')[0]!.toString();
    pool.release(victim);
    await page.focus(`#allocations button[aria-label="Release ${victim}"]`);
    await page.keyboard.press('Enter');
    const afterRelease = await drawn(page);
    expect(afterRelease).toEqual(expected(pool));
    expect(afterRelease.cells).toHaveLength(5);
    expect(afterRelease.cells).not.toContain(victim);

    // Bad input: the IpamError's message, and no change to the pool or the map.
    const message = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error('expected an error');
    };
    await allocate(page, '33');
    expect(await page.textContent('#error')).toContain(message(() => pool.allocatePrefix(33)));
    expect(await page.isVisible('#error')).toBe(true);
    expect(await drawn(page)).toEqual(afterRelease);
    await page.fill('#release-value', '10.0.0.7');
    await page.click('#release-form button[type="submit"]');
    expect(await page.textContent('#error')).toContain(message(() => pool.release('10.0.0.7')));
    expect(await drawn(page)).toEqual(afterRelease);
    await page.fill('#prefixes', '10.0.0.1/24');
    await page.click('#pool-form button[type="submit"]');
    const parseMessage = message(() => new Pool(['10.0.0.1/24']));
    expect(parseMessage).toContain('10.0.0.1/24');
    expect(await page.textContent('#error')).toContain(parseMessage);
    expect(await drawn(page)).toEqual(afterRelease);

    // A good request clears the error.
    pool.allocate({ owner: '#7' }); // the page numbers requests that succeeded: this is the seventh
    await allocate(page, '');
    expect(await page.isVisible('#error')).toBe(false);
    expect(await drawn(page)).toEqual(expected(pool));

    mkdirSync(new URL('.', SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT.pathname, fullPage: true });
    const png = readFileSync(SCREENSHOT);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(5_000);
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('works from file:// too (one classic script, no module loading)', { timeout: 120_000 }, async () => {
    const page = await (await browser()).newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(pathToFileURL(`${dir}/index.html`).href);
    await page.fill('#prefixes', 'fd00::/120');
    await page.click('#pool-form button[type="submit"]');
    await allocate(page, '124');
    const pool = new Pool(['fd00::/120']);
    pool.allocatePrefix(124, { owner: '#1' });
    expect(await drawn(page)).toEqual(expected(pool));
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('labels every control, so it can be used with a keyboard and a screen reader', { timeout: 120_000 }, async () => {
    const page = await (await browser()).newPage();
    await page.goto(`${server.url}playground/`);
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll('input, textarea, select')].filter((el) => document.querySelector(`label[for="${el.id}"]`) === null).map((el) => el.id),
    );
    expect(unlabelled).toEqual([]);
    // Tab walks the controls in reading order; Enter on a focused button submits its form.
    const order: string[] = [];
    for (let i = 0; i < 14; i++) {
      await page.keyboard.press('Tab');
      order.push(await page.evaluate(() => (document.activeElement?.id || document.activeElement?.textContent || '').trim()));
    }
    const controls = ['prefixes', 'reserve', 'Create pool', 'bits', 'family', 'owner', 'Allocate', 'release-value', 'Release'];
    expect(order.filter((c) => controls.includes(c)).slice(0, controls.length)).toEqual(controls);
    await page.focus('#prefixes');
    await page.keyboard.press('End');
    await page.keyboard.type(', 192.168.0.0/30');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    expect(await page.locator('#map svg').getAttribute('aria-label')).toBe('Address map: 2 prefixes, 0 allocations');
    await page.close();
  });
});
