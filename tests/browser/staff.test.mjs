// The reviewers' side with JavaScript off, on a phone (390 px): a document submitted by the
// editor waits in the 待我审核 list of each reviewer in turn, with the count in the menu; a
// reviewer who took an earlier stage is told why they cannot approve; 终审 says it publishes
// and refuses until the confirmation box is ticked. The interpretation picker works as a plain
// search form. Every page of this work is checked for sideways scrolling at 390 and 320 px,
// plain and in elder mode, with screenshots for people to look at.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { axeViolations, launchBrowser, newContext, screenshot, startServer } from './server.mjs';

let server;
let browser;
const stamp = String(Date.now()).slice(-6);
const TITLE = `关于做好第${stamp}期医保基金监管集中宣传月工作的通知`;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function clickAndWait(page, locator, urlPredicate) {
  await Promise.all([page.waitForURL(urlPredicate), locator.click()]);
}

async function logIn(page, username) {
  await page.goto(`${server.base}/admin/login`);
  await page.locator('#f-username').fill(username);
  await page.locator('#f-password').fill(`Gongkai-${username}-2026`);
  await clickAndWait(page, page.getByRole('button', { name: '登录' }), (u) => u.pathname === '/admin');
}

async function logOut(page) {
  await clickAndWait(page, page.getByRole('button', { name: '退出登录' }), (u) => u.pathname === '/admin/login');
}

async function assertAccessible(page, what) {
  const violations = await axeViolations(page);
  assert.deepEqual(violations, [], `axe on ${what}:\n${violations.join('\n')}`);
}

async function assertNoSidewaysScroll(page, what) {
  const { scroll, inner } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    inner: window.innerWidth,
  }));
  assert.ok(scroll <= inner, `${what} scrolls sideways: ${scroll} > ${inner}`);
}

/** A GET page at 390 and 320 px, plain and elder: no sideways scrolling, a screenshot each. */
async function everyWidth(ctx, page, path, name) {
  for (const elder of [false, true]) {
    await ctx.context.addCookies([{ name: 'gk_elder', value: elder ? '1' : '0', url: server.base }]);
    for (const width of [390, 320]) {
      await page.setViewportSize({ width, height: 800 });
      await page.goto(`${server.base}${path}`);
      await assertNoSidewaysScroll(page, `${name} at ${width} px${elder ? ' (elder)' : ''}`);
      await screenshot(page, `staff-${name}-${width}${elder ? '-elder' : ''}`);
    }
  }
  await ctx.context.addCookies([{ name: 'gk_elder', value: '0', url: server.base }]);
  await page.setViewportSize({ width: 390, height: 800 });
}

describe('reviewers with JavaScript off on a phone', () => {
  let ctx;
  let page;
  let docPath;
  before(async () => {
    ctx = await newContext(browser, { javaScriptEnabled: false, viewport: { width: 390, height: 800 } });
    page = await ctx.context.newPage();
  });
  after(() => ctx?.context.close());

  it('the editor drafts and submits a notice', async () => {
    await logIn(page, 'ybj_editor');
    await page.goto(`${server.base}/admin/documents/new`);
    await page.locator('#f-title').fill(TITLE);
    await page.locator('#f-genre').selectOption({ label: '通知公告' });
    await page.locator('#f-topic').selectOption({ label: '卫生、体育' });
    await page.locator('#f-body').fill('<p>为加强医保基金监管，现就开展集中宣传月活动有关事项通知如下。</p>');
    await clickAndWait(page, page.getByRole('button', { name: '保存草稿' }), (u) => /^\/admin\/documents\/\d+$/.test(u.pathname));
    docPath = new URL(page.url()).pathname;
    await clickAndWait(page, page.getByRole('button', { name: '提交初审' }), (u) => u.searchParams.get('notice') === 'document_submit');
    await logOut(page);
  });

  it('the first reviewer finds it in 待我审核 with a count in the menu, and approves', async () => {
    await logIn(page, 'ybj_reviewer1');
    const queue = page.locator('#reviews + p + ul.review-queue');
    assert.match(await queue.innerText(), new RegExp(TITLE));
    assert.match(await queue.innerText(), /待初审/);
    const navCount = await page.locator('nav.console-nav a[href="/admin/reviews"] .nav-count').innerText();
    assert.ok(Number.parseInt(navCount, 10) >= 1, `menu count ${navCount}`);
    await assertAccessible(page, 'the dashboard with the queue');
    await everyWidth(ctx, page, '/admin', 'dashboard-queue');
    await everyWidth(ctx, page, '/admin/reviews', 'reviews');
    await page.goto(`${server.base}/admin/reviews`);
    await clickAndWait(page, page.getByRole('link', { name: TITLE }), (u) => u.pathname === docPath);
    await clickAndWait(page, page.getByRole('button', { name: '审核通过' }), (u) => u.searchParams.get('notice') === 'document_approve');
    // Now at 复审, which the same person may not take: no button, the reason instead.
    assert.equal(await page.getByRole('button', { name: '审核通过' }).count(), 0);
    assert.match(await page.locator('main').innerText(), /您已参与本文的初审，按规定不能再复审/);
    await page.goto(`${server.base}/admin/reviews`);
    assert.doesNotMatch(await page.locator('main').innerText(), new RegExp(TITLE));
    await everyWidth(ctx, page, docPath, 'document-refused');
    await logOut(page);
  });

  it('the second reviewer approves at 复审', async () => {
    await logIn(page, 'ybj_reviewer2');
    await page.goto(`${server.base}${docPath}`);
    await clickAndWait(page, page.getByRole('button', { name: '审核通过' }), (u) => u.searchParams.get('notice') === 'document_approve');
    await logOut(page);
  });

  it('终审 says it publishes and needs the confirmation box', async () => {
    await logIn(page, 'ybj_reviewer3');
    assert.match(await page.locator('main').innerText(), /终审通过即在门户网站公开/);
    await page.goto(`${server.base}${docPath}`);
    assert.match(await page.locator('main').innerText(), /终审通过后，本文将立即在门户网站公开/);
    await assertAccessible(page, 'the 终审 page');
    await everyWidth(ctx, page, docPath, 'document-final');
    await page.goto(`${server.base}${docPath}`);
    // Without the box ticked nothing is published (JavaScript off: the server refuses).
    await page.getByRole('button', { name: '终审并发布' }).click();
    await page.waitForLoadState();
    assert.match(await page.locator('.error-summary').innerText(), /请勾选“我确认发布后将立即在门户网站公开”/);
    await assertNoSidewaysScroll(page, 'the refused 终审');
    await screenshot(page, 'staff-document-final-unconfirmed-390');
    const id = docPath.split('/').pop();
    assert.equal((await fetch(`${server.base}/api/v1/documents/${id}`)).status, 404, 'not published yet');
    await page.getByLabel('我确认发布后将立即在门户网站公开').check();
    await clickAndWait(page, page.getByRole('button', { name: '终审并发布' }), (u) => u.searchParams.get('notice') === 'document_approve');
    assert.equal((await fetch(`${server.base}/api/v1/documents/${id}`)).status, 200, 'published');
    // The version's time is Beijing time in words, never a raw UTC instant.
    const main = await page.locator('main').innerText();
    assert.match(main, /第 1 版 · \d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}/);
    assert.doesNotMatch(main, /\d{4}-\d{2}-\d{2}T\d{2}:/);
    await logOut(page);
  });

  it('the interpretation picker works as a search form', async () => {
    await logIn(page, 'ybj_editor');
    for (const elder of [false, true]) {
      await ctx.context.addCookies([{ name: 'gk_elder', value: elder ? '1' : '0', url: server.base }]);
      for (const width of [390, 320]) {
        await page.setViewportSize({ width, height: 800 });
        await page.goto(`${server.base}/admin/documents/new`);
        await page.locator('#f-title').fill('一图读懂医保基金监管集中宣传月');
        await page.locator('#f-interp_q').fill('集中宣传月');
        await page.getByRole('button', { name: '查找' }).click();
        await page.waitForLoadState();
        assert.equal(await page.locator('#f-title').inputValue(), '一图读懂医保基金监管集中宣传月', 'typed text kept');
        assert.match(await page.locator('.picker-results').innerText(), new RegExp(TITLE));
        await assertNoSidewaysScroll(page, `the picker at ${width} px${elder ? ' (elder)' : ''}`);
        await screenshot(page, `staff-picker-${width}${elder ? '-elder' : ''}`);
      }
    }
    await ctx.context.addCookies([{ name: 'gk_elder', value: '0', url: server.base }]);
    await assertAccessible(page, 'the picker results');
    await page.getByRole('button', { name: new RegExp(`关联.*${TITLE}`) }).click();
    await page.waitForLoadState();
    assert.match(await page.locator('[data-picker-selected]').innerText(), new RegExp(TITLE));
  });
});

describe('the picker with JavaScript on', () => {
  let ctx;
  let page;
  before(async () => {
    ctx = await newContext(browser, { viewport: { width: 390, height: 800 } });
    page = await ctx.context.newPage();
  });
  after(() => ctx?.context.close());

  it('searches as the editor types and links the chosen document', async () => {
    await logIn(page, 'ybj_editor');
    await page.goto(`${server.base}/admin/documents/new`);
    const box = page.getByRole('combobox', { name: '查找所解读的文件' });
    await box.fill('集中宣传月');
    const option = page.getByRole('option', { name: new RegExp(TITLE) });
    await option.waitFor();
    assert.match(await page.locator('[data-picker-status]').innerText(), /找到 \d+ 份文件/);
    await assertNoSidewaysScroll(page, 'the open combobox');
    assert.equal(await page.getByRole('button', { name: '查找' }).isVisible(), false, 'the 查找 button gives way to search-as-you-type');
    await screenshot(page, 'staff-picker-js-390');
    await box.press('ArrowDown');
    await box.press('Enter');
    assert.match(await page.locator('[data-picker-selected]').innerText(), new RegExp(TITLE));
    const id = await page.locator('[data-picker-value]').inputValue();
    assert.match(id, /^\d+$/);
    assert.deepEqual(ctx.problems, []);
  });
});
