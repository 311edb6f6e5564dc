// 意见征集 in the browser with JavaScript off: a citizen gives an opinion on a passage of the
// draft 物业管理条例 on a phone in elder mode, the unit moderates and decides it in the
// console, and the citizen then sees the decision with the receipt number and query code. Every
// page fits the phone and axe finds nothing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { axeViolations, foreignRequests, launchBrowser, newContext, screenshot, solve, startServer } from './server.mjs';

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

describe('an opinion from a phone in elder mode, JavaScript off', () => {
  it('is given, decided in the console and its decision seen by the citizen', async () => {
    const { items } = await (await fetch(`${server.base}/api/v1/consultations?phase=open`)).json();
    const open = items.find((c) => c.document_id);
    assert.ok(open, 'the demo has an open consultation on a draft');
    const ctx = await newContext(browser, { javaScriptEnabled: false, viewport: { width: 320, height: 844 }, isMobile: true });
    try {
      await ctx.context.addCookies([{ name: 'gk_elder', value: '1', url: server.base }]);
      const page = await ctx.context.newPage();
      await page.goto(`${server.base}/consultations/${open.id}`);
      await fits(page, 'the consultation');
      await Promise.all([page.waitForURL(/\/submit$/), page.getByRole('link', { name: '我要提意见' }).click()]);
      // Nothing written: the error is named next to the field, what was chosen is kept.
      await page.selectOption('#f-topic', '安全管理');
      let question = await page.locator('label[for="f-challenge_answer"]').innerText();
      await page.fill('#f-challenge_answer', solve(question));
      await page.getByRole('button', { name: '提交意见' }).click();
      assert.match(await page.locator('.error-summary').innerText(), /意见建议|意见内容/);
      assert.equal(await page.inputValue('#f-topic'), '安全管理');
      await fits(page, 'the opinion form with errors');
      await page.fill('#f-text', '建议明确电动自行车集中充电设施的建设标准，老旧小区由政府补贴建设。<script>alert(1)</script>');
      await page.fill('#f-passage', '禁止在楼道、楼梯间、安全出口等公共区域停放或者充电');
      question = await page.locator('label[for="f-challenge_answer"]').innerText();
      await page.fill('#f-challenge_answer', solve(question));
      await page.getByRole('button', { name: '提交意见' }).click();
      const receipt = await page.locator('#receipt-no').innerText();
      const code = await page.locator('#query-code').innerText();
      assert.match(receipt, /^Y\d{14}$/);
      await screenshot(page, 'opinion-ack-320-elder');
      await fits(page, 'the receipt');
      await Promise.all([page.waitForURL(/\/consultations\/opinions$/), page.getByRole('button', { name: '查看意见处理情况' }).click()]);
      assert.match(await page.locator('#decision').innerText(), /正在研究办理/);
      await fits(page, 'the tracking page');

      // The unit moderates and decides it in the console.
      await page.goto(`${server.base}/admin/login`);
      await page.locator('#f-username').fill('zjj_editor');
      await page.locator('#f-password').fill('Gongkai-zjj_editor-2026');
      await Promise.all([page.waitForURL((u) => u.pathname === '/admin'), page.getByRole('button', { name: '登录' }).click()]);
      await page.goto(`${server.base}/admin/consultations/${open.id}/opinions?status=pending`);
      await fits(page, 'the moderation page');
      const item = page.locator('.opinion-list > li', { hasText: receipt });
      assert.match(await item.innerText(), /电动自行车/);
      await item.getByRole('button', { name: '公开', exact: true }).click();
      assert.match(await page.locator('main').innerText(), /审核结果已保存/);
      await page.goto(`${server.base}/admin/consultations/${open.id}/groups?open=1`);
      await fits(page, 'the groups page');
      const group = page.locator('.opinion-list > li', { hasText: '集中充电设施的建设标准' });
      await group.locator('summary').click();
      await group.locator('select[name="decision"]').selectOption('partly_adopted');
      await group.locator('input[name="reason"]').fill('已在第三十六条增加新建小区配建充电设施的要求');
      await group.getByRole('button', { name: '保存' }).click();
      assert.match(await page.locator('main').innerText(), /办理结果已保存/);
      await page.goto(`${server.base}/admin/consultations/${open.id}`);
      await fits(page, 'the consultation in the console');
      await page.goto(`${server.base}/admin/opinion-forwards`);
      await fits(page, 'the forwards');

      // The citizen sees the decision; the public sees the opinion, its passage, no script.
      await page.goto(`${server.base}/consultations/opinions`);
      await page.fill('#f-receipt_no', receipt);
      await page.fill('#f-code', code);
      await page.getByRole('button', { name: '查询' }).click();
      assert.match(await page.locator('#decision').innerText(), /部分采纳：已在第三十六条增加/);
      await page.goto(`${server.base}/consultations/${open.id}?topic=${encodeURIComponent('安全管理')}`);
      const shown = await page.locator('.opinion-list').innerText();
      assert.match(shown, /集中充电设施/);
      assert.match(shown, /<script>alert\(1\)<\/script>/, 'hostile text shown as text');
      assert.equal(await page.locator('.opinion-list script').count(), 0);
      await screenshot(page, 'consultation-320-elder');
      // Beside the draft: the opinion under the paragraph it quoted, and a link to quote another.
      await page.goto(`${server.base}/consultations/${open.id}`);
      await page.getByRole('link', { name: '逐段查看征求意见稿和针对条文的意见' }).click();
      const para = page.locator('.draft-para', { hasText: '禁止在楼道、楼梯间、安全出口等公共区域停放或者充电' });
      assert.match(await para.locator('.draft-notes').innerText(), /集中充电设施/);
      assert.equal(await page.locator('.draft-notes script').count(), 0);
      await fits(page, 'the draft with its opinions');
      await para.getByRole('link', { name: /对本段提意见/ }).click();
      assert.match(await page.inputValue('#f-passage'), /禁止在楼道、楼梯间、安全出口等公共区域停放或者充电/);
      assert.deepEqual(foreignRequests(ctx.requests, server.base), []);
    } finally {
      await ctx.context.close();
    }
  });
});
