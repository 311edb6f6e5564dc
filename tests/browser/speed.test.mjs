// Speed a reader feels (issue 13): a real browser gets the portal compressed, its stylesheet
// compressed and fingerprinted for a year, and the whole-page cache never shows one display
// mode's page in the other. Pages look as before, on a phone, plain and in elder mode.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newContext, screenshot, startServer } from './server.mjs';

let server;
let browser;
let documentPath;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  const { items } = await (await fetch(`${server.base}/api/v1/documents?per_page=1`)).json();
  assert.ok(items.length > 0, 'the demo has published documents');
  documentPath = `/documents/${items[0].id}`;
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

describe('compression and caching in a browser', () => {
  it('gets pages and the stylesheet compressed, the stylesheet immutable', async () => {
    const { context, problems } = await newContext(browser);
    const page = await context.newPage();
    const css = page.waitForResponse((r) => r.url().includes('/static/site.css'));
    const res = await page.goto(`${server.base}/`);
    assert.equal(res.status(), 200);
    const headers = await res.allHeaders();
    assert.equal(headers['content-encoding'], 'br', 'Chromium accepts brotli, the page comes in it');
    assert.match(headers.etag, /^"[0-9a-f]{32}-br"$/);
    const cssHeaders = await (await css).allHeaders();
    assert.equal(cssHeaders['content-encoding'], 'br');
    assert.equal(cssHeaders['cache-control'], 'public, max-age=31536000, immutable');
    // The brotli stylesheet decoded: the browser parsed its rules.
    const styled = await page.evaluate(() => document.styleSheets.length > 0 && document.styleSheets[0].cssRules.length > 50);
    assert.ok(styled, 'site.css was decoded and parsed');
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('keeps plain and elder pages apart through the display switch (JavaScript off)', async () => {
    const { context } = await newContext(browser, { javaScriptEnabled: false });
    const page = await context.newPage();
    const isElder = () => page.evaluate(() => document.documentElement.classList.contains('elder'));
    for (let round = 0; round < 2; round++) {
      await page.goto(`${server.base}${documentPath}`);
      assert.equal(await isElder(), false, `round ${round}: plain`);
      await page.click('a[data-elder-toggle]');
      await page.waitForURL(`**${documentPath}`);
      assert.equal(await isElder(), true, `round ${round}: elder after the switch`);
      await page.reload();
      assert.equal(await isElder(), true, `round ${round}: elder after a reload (revalidated)`);
      await page.click('a[data-elder-toggle]');
      await page.waitForURL(`**${documentPath}`);
      assert.equal(await isElder(), false, `round ${round}: plain again`);
    }
    await context.close();
  });
});
