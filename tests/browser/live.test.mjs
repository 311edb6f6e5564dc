// 图文直播 and 政府会议 in the browser: a viewer's page on a phone receives what staff post in
// the console (Server-Sent Events, no reload, focus left alone); the archived broadcast and the
// meeting with its decisions read well on a phone in elder mode without JavaScript. Every page
// fits the phone and axe finds nothing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { axeViolations, foreignRequests, launchBrowser, newContext, screenshot, startServer } from './server.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function fits(page, what) {
  const m = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  assert.ok(m.scroll <= m.inner, `${what} scrolls sideways: ${m.scroll} > ${m.inner}`);
  const v = await axeViolations(page);
  assert.deepEqual(v, [], `axe on ${what}:\n${v.join('\n')}`);
}

async function blogs() {
  return (await fetch(`${server.base}/api/v1/live`)).json();
}

describe('a live page on a phone', () => {
  it('shows what staff post in the console as it happens', async () => {
    const onAir = (await blogs()).find((b) => b.status === 'live');
    assert.ok(onAir, 'the demo has a broadcast on air');
    const viewer = await newContext(browser, { viewport: { width: 390, height: 844 }, isMobile: true });
    const staff = await newContext(browser, { viewport: { width: 1280, height: 900 } });
    try {
      const page = await viewer.context.newPage();
      await page.goto(`${server.base}/live/${onAir.id}`);
      await page.waitForSelector('body[data-live="listening"]');
      await fits(page, 'the live page');
      const before = await page.locator('#live-feed > li').count();
      const console_ = await staff.context.newPage();
      await console_.goto(`${server.base}/admin/login`);
      await console_.locator('#f-username').fill('huaiyin_editor');
      await console_.locator('#f-password').fill('Gongkai-huaiyin_editor-2026');
      await Promise.all([console_.waitForURL((u) => u.pathname === '/admin'), console_.getByRole('button', { name: '登录' }).click()]);
      await console_.goto(`${server.base}/admin/live/${onAir.id}`);
      await fits(console_, 'the console of the broadcast');
      await console_.fill('#f-text', '浏览器测试：第二项议题开始。');
      await console_.getByRole('button', { name: '发布', exact: true }).click();
      await page.locator('#live-feed > li', { hasText: '浏览器测试：第二项议题开始。' }).waitFor({ timeout: 10_000 });
      // The demo's own broadcast may add its next post meanwhile: at least ours arrived.
      assert.ok((await page.locator('#live-feed > li').count()) >= before + 1);
      assert.match(await page.locator('#live-news').innerText(), /新的直播内容/);
      await screenshot(page, 'live-390');
      await fits(page, 'the live page after a post');
      assert.deepEqual(foreignRequests(viewer.requests, server.base), []);
      assert.deepEqual(viewer.problems, []);
    } finally {
      await viewer.context.close();
      await staff.context.close();
    }
  });
});

describe('the archive and the meeting, elder mode, JavaScript off', () => {
  it('read without scrolling sideways', async () => {
    const ended = (await blogs()).find((b) => b.status === 'ended' && b.subject_kind === 'meeting');
    assert.ok(ended, 'the demo has an archived meeting broadcast');
    const ctx = await newContext(browser, { javaScriptEnabled: false, viewport: { width: 320, height: 844 }, isMobile: true });
    try {
      await ctx.context.addCookies([{ name: 'gk_elder', value: '1', url: server.base }]);
      const page = await ctx.context.newPage();
      await page.goto(`${server.base}/live/${ended.id}`);
      assert.ok((await page.locator('#live-feed > li').count()) >= 40, 'the archive has its posts');
      assert.ok((await page.locator('#live-feed img').count()) >= 1, 'and photos');
      assert.ok((await page.locator('.live-answer').count()) >= 1, 'and answered questions');
      await fits(page, 'the archived broadcast');
      await page.goto(`${server.base}/meetings/${ended.subject_id}`);
      assert.ok((await page.locator('ol.decisions > li').count()) >= 1, 'the meeting shows its decisions');
      await fits(page, 'the meeting');
      await page.goto(`${server.base}/live/${ended.id}/questions`);
      await fits(page, 'the question form');
    } finally {
      await ctx.context.close();
    }
  });
});
