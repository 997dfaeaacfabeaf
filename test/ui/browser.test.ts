/**
 * The dashboard rendered in a real browser (headless chromium): the right versions, stages, traffic and
 * metrics for a fixture registry; hostile text from tags and pointers shows as text and runs nothing; the
 * style sheet passes the Content-Security-Policy; a screenshot of each page goes to test-results/ui/.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportSite, startUi, type UiServer } from '../../src/index.js';
import { browserUnavailable, inPage, launchBrowser, screenshot, styled, type TestBrowser, type WatchedPage } from '../helpers/browser.js';
import { HOSTILE_METRIC, HOSTILE_PARAM, HOSTILE_REASON, uiFixture, type UiFixture } from '../helpers/ui-fixture.js';

const unavailable = browserUnavailable();

if (unavailable) describe('mv ui in a browser', () => it.skip(unavailable, () => undefined));
else describe('mv ui in a browser', () => {
  let fixture: UiFixture;
  let server: UiServer;
  let browser: TestBrowser;

  beforeAll(async () => {
    fixture = await uiFixture();
    server = await startUi({ cwd: fixture.repo.dir, port: 0 });
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await fixture?.cleanup();
  });

  /** Opens a page of the server and checks what every page must satisfy. */
  async function open(path: string): Promise<WatchedPage> {
    const watched = await browser.page();
    const response = await watched.page.goto(`${server.url}${path}`);
    expect(response?.status()).toBe(200);
    expect(await styled(watched.page)).toBe(true);
    return watched;
  }

  function expectHarmless(watched: WatchedPage): Promise<void> {
    expect(watched.dialogs).toEqual([]);
    expect(watched.consoleErrors).toEqual([]);
    return inPage<number>(watched.page, 'document.querySelectorAll("script, img, iframe, object, embed").length').then((n) => expect(n).toBe(0));
  }

  it('overview: every artifact with its stages and traffic', async () => {
    const watched = await open('');
    const { page } = watched;
    const chatbot = page.locator('[data-artifact="chatbot"]');
    await expect(chatbot.locator('h3').textContent()).resolves.toContain('chatbot');
    await expect(chatbot.locator('[data-stage="production"]').innerText()).resolves.toMatch(/v1\.2\.0 10%\s*·\s*v1\.0\.0 90%/);
    await expect(chatbot.locator('[data-stage="staging"]').innerText()).resolves.toContain('v1.2.0');
    await expect(chatbot.innerText()).resolves.toContain('latest v1.2.0');
    const legacy = page.locator('[data-artifact="legacy"]');
    await expect(legacy.locator('[data-stage="production"]').innerText()).resolves.toContain('v0.1.0');
    // Traffic bars: one segment per holder, titled with its share.
    expect(await chatbot.locator('[data-stage="production"] svg.traffic rect title').allTextContents()).toEqual(['chatbot@v1.2.0: 10%', 'chatbot@v1.0.0: 90%']);
    await expectHarmless(watched);
    await screenshot(page, 'overview');
  });

  it('artifact: versions table, metric charts, stage timeline with rollback, signature and a hostile reason shown as text', async () => {
    const watched = await open('a/chatbot/index.html');
    const { page } = watched;
    const rows = page.locator('table.versions tbody tr');
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-version')))).toEqual(['1.2.0', '1.1.0', '1.0.0']);
    expect(await page.locator('table.versions td[data-metric="accuracy"]').allInnerTexts()).toEqual(['0.95', '0.85', '0.9']);
    await expect(rows.nth(0).innerText()).resolves.toMatch(/staging[\s\S]*production 10%/);
    await expect(rows.nth(2).innerText()).resolves.toContain('production 90%');
    await expect(rows.nth(0).innerText()).resolves.toContain('Test User');
    await expect(page.locator('table.stages tr[data-stage="production"]').innerText()).resolves.toMatch(/v1\.2\.0 10%\s*·\s*v1\.0\.0 90%/);

    const accuracy = page.locator('figure.chart', { has: page.locator('figcaption', { hasText: /^accuracy$/ }) });
    expect(await accuracy.locator('circle').count()).toBe(3);
    expect(await accuracy.locator('circle title').allTextContents()).toEqual(['v1.0.0: accuracy = 0.9 (in production)', 'v1.1.0: accuracy = 0.85', 'v1.2.0: accuracy = 0.95 (in production)']);
    await expect(page.locator('figure.chart figcaption').allTextContents()).resolves.toEqual(expect.arrayContaining(['accuracy', 'f1', HOSTILE_METRIC]));

    const events = page.locator('ol.timeline li');
    const rollback = events.filter({ hasText: 'v1.1.0 answers worse' });
    await expect(rollback.locator('.badge.rollback').count()).resolves.toBe(1);
    await expect(rollback.innerText()).resolves.toMatch(/Rolled back production to v1\.0\.0[\s\S]*by Dana/);
    const canary = events.filter({ hasText: 'canary' });
    expect(await canary.locator('.why').innerText()).toBe(HOSTILE_REASON);
    await expect(canary.getByText(HOSTILE_REASON, { exact: true }).isVisible()).resolves.toBe(true);
    await expect(canary.locator('.badge.signed').count()).resolves.toBe(fixture.signed ? 1 : 0);
    await expect(page.getByText(HOSTILE_METRIC, { exact: true }).first().isVisible()).resolves.toBe(true);
    await expectHarmless(watched);
    await screenshot(page, 'artifact');
  });

  it('version: files, data and pipeline with hashes, params, metrics, lineage and events', async () => {
    const watched = await open('a/chatbot/v/1.2.0.html');
    const { page } = watched;
    await expect(page.locator('h1').innerText()).resolves.toMatch(/chatbot@v1\.2\.0[\s\S]*staging[\s\S]*production 10%/);
    await expect(page.locator('table.files').first().innerText()).resolves.toMatch(/models\/chatbot\/model\.pt\s+4\.0 KiB/);
    await expect(page.locator('table.data').innerText()).resolves.toMatch(/path\s+data\/train\/ \(2 files\)\s+[0-9a-f]{12}\s+\d+ B/);
    await expect(page.locator('table.files').nth(1).innerText()).resolves.toContain('src/preprocess.py');
    const facts = await page.locator('dl.facts').allInnerTexts();
    expect(facts.join('\n')).toMatch(/code\s+[0-9a-f]{10} on main/);
    expect(facts.join('\n')).toMatch(/params file\s+params\.yaml [0-9a-f]{12}/);
    const values = await page.locator('table.values').allInnerTexts();
    expect(values.join('\n')).toContain('lr\t0.003');
    expect(values.join('\n')).toContain(`note\t${HOSTILE_PARAM}`);
    expect(values.join('\n')).toContain(`${HOSTILE_METRIC}\t12.5`);
    await expect(page.getByText(HOSTILE_PARAM, { exact: true }).isVisible()).resolves.toBe(true);
    await expect(page.locator('ol.timeline li').count()).resolves.toBe(3);
    await expectHarmless(watched);
    await screenshot(page, 'version');

    const legacy = await open('a/legacy/v/0.1.0.html');
    await expect(legacy.page.locator('dl.facts').innerText()).resolves.toContain('registered without mv');
  });

  it('diff: two versions side by side, chosen with the compare form', async () => {
    const watched = await open('a/chatbot/index.html');
    const { page } = watched;
    await page.selectOption('select[name="from"]', '1.0.0');
    await page.selectOption('select[name="to"]', '1.2.0');
    await Promise.all([page.waitForURL(/\/a\/chatbot\/diff\/1\.0\.0\.\.1\.2\.0\.html$/), page.click('form.compare button')]);
    await expect(page.locator('h1').innerText()).resolves.toBe('v1.0.0 → v1.2.0');
    await expect(page.locator('.diff-side h3').allInnerTexts()).resolves.toEqual(['chatbot@v1.0.0', 'chatbot@v1.2.0']);
    const accuracy = page.locator('table.changes tr[data-name="accuracy"]');
    expect((await accuracy.innerText()).split('\t')).toEqual(['accuracy', '0.9', '0.95', '+0.05']);
    await expect(page.locator('table.changes tr[data-name="lr"]').innerText()).resolves.toBe('lr\t0.001\t0.003');
    await expect(page.getByText(HOSTILE_METRIC, { exact: true }).isVisible()).resolves.toBe(true);
    await expectHarmless(watched);
    await screenshot(page, 'diff');
  });

  it('history and a missing page', async () => {
    const history = await open('a/chatbot/history.html');
    await expect(history.page.locator('ol.timeline li').count()).resolves.toBe(10);
    const watched = await browser.page();
    const response = await watched.page.goto(`${server.url}a/chatbot/v/9.9.9.html`);
    expect(response?.status()).toBe(404);
    await expect(watched.page.locator('.problem').innerText()).resolves.toBe('chatbot@v9.9.9 does not exist.');
    await screenshot(watched.page, 'not-found');
  });

  it('the export opens from disk: relative links lead from the overview to an artifact, a version and a diff', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mv-ui-export-'));
    try {
      await exportSite({ cwd: fixture.repo.dir, dir: join(dir, 'site') });
      const watched = await browser.page();
      const { page } = watched;
      await page.goto(pathToFileURL(join(dir, 'site', 'index.html')).href);
      expect(await styled(page)).toBe(true);
      await Promise.all([page.waitForURL(/\/a\/chatbot\/index\.html$/), page.click('[data-artifact="chatbot"] h3 a')]);
      expect(await page.locator('table.versions td[data-metric="accuracy"]').allInnerTexts()).toEqual(['0.95', '0.85', '0.9']);
      await expect(page.locator('form.compare').count()).resolves.toBe(0);
      await expect(page.getByText(HOSTILE_REASON, { exact: true }).isVisible()).resolves.toBe(true);
      await screenshot(page, 'export-artifact');
      await Promise.all([page.waitForURL(/\/a\/chatbot\/diff\/1\.1\.0\.\.1\.2\.0\.html$/), page.click('tr[data-version="1.2.0"] a:text("diff v1.1.0")')]);
      await expect(page.locator('table.changes tr[data-name="accuracy"]').innerText()).resolves.toBe('accuracy\t0.85\t0.95\t+0.1');
      await Promise.all([page.waitForURL(/\/a\/chatbot\/v\/1\.2\.0\.html$/), page.click('.diff-side h3 a:text("chatbot@v1.2.0")')]);
      await expect(page.locator('h1').innerText()).resolves.toContain('chatbot@v1.2.0');
      await Promise.all([page.waitForURL(/\/index\.html$/), page.click('header.top a.brand')]);
      await expect(page.locator('h1').innerText()).resolves.toBe('Artifacts');
      await expectHarmless(watched);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
