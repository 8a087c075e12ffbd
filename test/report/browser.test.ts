// The report in a real browser: Debian's headless Chromium, driven by playwright-core, opens the page
// of examples/shop from file:// and must log no console error, make no request but the page itself,
// and draw every service and every call (weights, admitted/denied). A screenshot is kept in
// test-artifacts/. Skipped only when /usr/bin/chromium is absent (CI installs it).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../compiler/cli/main.js';
import { FIXED_NOW } from '../compile/helpers.js';
import { captureIo } from '../helpers/cli-io.js';
import { SHOP_DIR } from './fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const SHOP_SERVICES = ['details', 'gateway', 'mysql', 'productpage', 'ratings', 'reviews'];
// Without the background-networking flags Chromium dials out at start and logs refused connections.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// The few DOM members the page functions use: the project compiles without the DOM library.
interface Graphic {
  getBBox(): { x: number; y: number; width: number; height: number };
  getTotalLength(): number;
}
interface BrowserGlobals {
  getComputedStyle(element: unknown): { stroke: string; strokeDasharray: string };
}

interface Visit {
  readonly page: Page;
  readonly url: string;
  readonly consoleErrors: string[];
  readonly requests: string[];
  readonly failed: string[];
}

const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SKIP_REASON = `skipped: ${CHROMIUM} is not installed (apt-get install -y chromium)`;
// Said once on stderr too, since the default reporter shows a skipped suite without its name.
if (!HAVE_CHROMIUM) console.warn(`test/report/browser.test.ts ${SKIP_REASON}`);

describe.skipIf(!HAVE_CHROMIUM)(
  `meshc report in headless Chromium${HAVE_CHROMIUM ? '' : ` (${SKIP_REASON})`}`,
  () => {
    let work: string;
    let context: BrowserContext;

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'meshc-report-browser-'));
      mkdirSync(ARTIFACTS, { recursive: true });
      // launchPersistentContext takes the fresh profile directory that --user-data-dir would name.
      context = await chromium.launchPersistentContext(join(work, 'profile'), {
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
        viewport: { width: 1280, height: 900 },
      });
    }, 60_000);

    afterAll(async () => {
      await context?.close();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    /** Runs `meshc report` on `specDir` in-process and opens the page, recording console and network. */
    async function visit(specDir: string, name: string): Promise<Visit> {
      const out = join(work, `${name}.html`);
      const io = { ...captureIo({ cwd: work }), now: () => FIXED_NOW };
      const code = await runCli(['report', specDir, '--out', out], io);
      expect(io.err()).toBe('');
      expect(code).toBe(0);
      const page = await context.newPage();
      const visit: Visit = {
        page,
        url: pathToFileURL(out).href,
        consoleErrors: [],
        requests: [],
        failed: [],
      };
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning')
          visit.consoleErrors.push(`${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => visit.consoleErrors.push(`pageerror: ${e.message}`));
      page.on('request', (r) => visit.requests.push(r.url()));
      page.on('requestfailed', (r) => visit.failed.push(`${r.url()} ${r.failure()?.errorText ?? ''}`));
      await page.goto(visit.url, { waitUntil: 'load' });
      return visit;
    }

    it('loads the shop report with no console error and no request but the page itself', async () => {
      const { page, url, consoleErrors, requests, failed } = await visit(SHOP_DIR, 'shop');
      expect(consoleErrors).toEqual([]);
      expect(failed).toEqual([]);
      expect(requests).toEqual([url]);
      expect(await page.title()).toBe('meshc report: shop');
      await page.screenshot({ path: join(ARTIFACTS, 'report-shop.png'), fullPage: true });
      expect(readFileSync(join(ARTIFACTS, 'report-shop.png')).subarray(1, 4).toString()).toBe('PNG');
      await page.close();
    });

    it('draws one visible node per service, each name inside its box', async () => {
      const { page } = await visit(SHOP_DIR, 'shop-nodes');
      const nodes = await page.locator('svg g.node').evaluateAll((gs) =>
        gs.map((g) => {
          const rect = (g.querySelector('rect') as unknown as Graphic).getBBox();
          const texts = [...g.querySelectorAll('text')].map((t) => (t as unknown as Graphic).getBBox());
          return {
            service: g.getAttribute('data-service'),
            name: g.querySelector('text.name')?.textContent,
            box: { width: rect.width, height: rect.height },
            textsInside: texts.every(
              (t) =>
                t.x >= rect.x &&
                t.x + t.width <= rect.x + rect.width &&
                t.y >= rect.y &&
                t.y + t.height <= rect.y + rect.height,
            ),
          };
        }),
      );
      expect(nodes.map((n) => n.service)).toEqual(SHOP_SERVICES);
      for (const n of nodes) {
        expect(n.name).toBe(n.service);
        expect(n.box.width).toBeGreaterThan(0);
        expect(n.box.height).toBeGreaterThan(0);
        expect(n.textsInside, `${n.service}: text overflows its box`).toBe(true);
      }
      for (const service of SHOP_SERVICES)
        await expect(page.locator(`g.node[data-service="${service}"]`).isVisible()).resolves.toBe(true);
      // Each node links to its section of tables.
      await page.locator('g.node[data-service="reviews"]').click();
      expect(new URL(page.url()).hash).toBe('#svc-reviews');
      await expect(page.locator('#svc-reviews table.routes tbody tr').count()).resolves.toBe(4);
      await page.close();
    });

    it('draws every call as an edge with its weights and an admitted or denied mark', async () => {
      const { page } = await visit(SHOP_DIR, 'shop-edges');
      const edges = await page.locator('svg g.edge').evaluateAll((gs) =>
        gs.map((g) => ({
          call: `${g.getAttribute('data-from')}->${g.getAttribute('data-to')}`,
          access: g.getAttribute('data-access'),
          weights: g.getAttribute('data-weights'),
          label: [...g.querySelectorAll('text')].map((t) => t.textContent),
          pathLength: (g.querySelector('path') as unknown as Graphic).getTotalLength(),
        })),
      );
      expect(edges.map((e) => e.call)).toEqual([
        'gateway->productpage',
        'productpage->details',
        'productpage->reviews',
        'ratings->mysql',
        'reviews->ratings',
      ]);
      for (const e of edges) {
        expect(e.access).toBe('admitted');
        expect(e.pathLength).toBeGreaterThan(0);
        expect(e.label.at(-1)).toBe('✓ admitted');
        expect(e.label.slice(0, -1).every((line) => /%/.test(line ?? ''))).toBe(true);
      }
      const reviews = edges.find((e) => e.call === 'productpage->reviews');
      expect(reviews?.weights).toBe('testers:v2=100;preview:v3=100;canary:v1=90,v2=10;default:v1=100');
      expect(reviews?.label).toContain('canary: v1 90% · v2 10%');
      expect(edges.find((e) => e.call === 'reviews->ratings')?.weights).toBe(
        'fault-drill:v1=100;default:v1=80,v2=20',
      );
      await page.close();
    });

    it('draws a call the callee denies in red and dashed, apart from admitted ones', async () => {
      // gateway also calls details, which admits only productpage: a denied edge (warning MC3014).
      const spec = join(work, 'denied-spec');
      cpSync(SHOP_DIR, spec, { recursive: true });
      const gateway = join(spec, 'services/gateway.yaml');
      writeFileSync(
        gateway,
        readFileSync(gateway, 'utf8').replace('calls: [productpage]', 'calls: [details, productpage]'),
      );
      const out = join(work, 'denied.html');
      const io = { ...captureIo({ cwd: work }), now: () => FIXED_NOW };
      expect(await runCli(['report', spec, '--out', out], io)).toBe(0);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      await page.goto(pathToFileURL(out).href);
      const styles = await page.locator('svg g.edge').evaluateAll((gs) =>
        gs.map((g) => {
          const style = (globalThis as unknown as BrowserGlobals).getComputedStyle(g.querySelector('path'));
          return {
            call: `${g.getAttribute('data-from')}->${g.getAttribute('data-to')}`,
            access: g.getAttribute('data-access'),
            stroke: style.stroke,
            dashed: style.strokeDasharray !== 'none',
            mark: [...g.querySelectorAll('text')].at(-1)?.textContent,
          };
        }),
      );
      expect(errors).toEqual([]);
      const denied = styles.filter((s) => s.access === 'denied');
      expect(denied.map((s) => s.call)).toEqual(['gateway->details']);
      expect(denied[0]).toMatchObject({ stroke: 'rgb(198, 40, 40)', dashed: true, mark: '✗ denied' });
      for (const s of styles.filter((x) => x.access === 'admitted')) {
        expect(s).toMatchObject({ stroke: 'rgb(46, 125, 50)', dashed: false, mark: '✓ admitted' });
      }
      await expect(page.locator('#warnings').textContent()).resolves.toContain('MC3014');
      await page.screenshot({ path: join(ARTIFACTS, 'report-denied.png'), fullPage: true });
      await page.close();
    });
  },
);
