// 政府开放 in the browser: a citizen registers for an event on a phone in elder mode with
// JavaScript off, keeps the code and its QR image, looks the registration up and cancels it;
// staff check people in at the door on a phone that loses the network (Chromium's offline
// emulation): the codes wait on the phone and are counted once when it is back. Every page fits
// the phone and axe finds nothing.
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

/** An event of the demo's open month open for registration with seats free. */
async function openEvent() {
  const { items } = await (await fetch(`${server.base}/api/v1/open-days?phase=registration_open`)).json();
  const e = items.find((x) => x.free_seats > 0 && x.fields.length === 0);
  assert.ok(e, 'the demo has an event open for registration');
  return e;
}

/** A registration through the API (as a partner's app would make it); its code. */
async function registerByApi(eventId, n) {
  const c = await (await fetch(`${server.base}/api/v1/requests/challenge`)).json();
  const first17 = `3701031988${String(1 + (n % 12)).padStart(2, '0')}15${String(300 + n).padStart(3, '0')}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * weights[i], 0);
  const id = first17 + '10X98765432'[sum % 11];
  const res = await fetch(`${server.base}/api/v1/open-days/${eventId}/registrations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.20.0.${n}` },
    body: JSON.stringify({ name: `市民${n}`, id_number: id, phone: `1390531${String(n).padStart(4, '0')}`,
      challenge_id: c.id, challenge_answer: solve(c.question) }),
  });
  const body = await res.json();
  assert.equal(res.status, 201, JSON.stringify(body));
  return body.code;
}

describe('registration on a phone in elder mode, JavaScript off', () => {
  it('gives a code with its QR image, and the code looks up and cancels', async () => {
    const e = await openEvent();
    const ctx = await newContext(browser, { javaScriptEnabled: false, viewport: { width: 320, height: 844 }, isMobile: true });
    try {
      await ctx.context.addCookies([{ name: 'gk_elder', value: '1', url: server.base }]);
      const page = await ctx.context.newPage();
      await page.goto(`${server.base}/open-days`);
      await fits(page, 'the list of open days');
      await page.goto(`${server.base}/open-days/${e.id}`);
      await fits(page, 'the event');
      await Promise.all([page.waitForURL(/\/register$/), page.getByRole('link', { name: '我要报名' }).click()]);
      await fits(page, 'the registration form');
      // A wrong ID number is named next to the field, the rest kept.
      await page.fill('#f-name', '王秀英');
      await page.fill('#f-id_number', '370103195803120000');
      await page.fill('#f-phone', '13705311234');
      let question = await page.locator('label[for="f-challenge_answer"]').innerText();
      await page.fill('#f-challenge_answer', solve(question));
      await page.getByRole('button', { name: '提交报名' }).click();
      assert.match(await page.locator('.error-summary').innerText(), /身份证号码/);
      assert.equal(await page.inputValue('#f-name'), '王秀英');
      await fits(page, 'the form with errors');
      await page.fill('#f-id_number', '370103195803120016');
      question = await page.locator('label[for="f-challenge_answer"]').innerText();
      await page.fill('#f-challenge_answer', solve(question));
      await page.getByRole('button', { name: '提交报名' }).click();
      const code = await page.locator('#registration-code').innerText();
      assert.match(code, /^[2-9A-HJKMNP-Z]{8}$/);
      assert.equal(await page.locator('figure.qr svg').count(), 1, 'the QR image is drawn in the page');
      await screenshot(page, 'open-day-ack-320-elder');
      await fits(page, 'the code and QR image');
      await Promise.all([page.waitForURL(/\/open-days\/registration$/), page.getByRole('button', { name: '查看我的报名' }).click()]);
      assert.equal(await page.locator('#registration-status').getAttribute('data-status'), 'confirmed');
      assert.doesNotMatch(await page.locator('main').innerText(), /370103195803120016|13705311234/);
      await fits(page, 'the registration looked up');
      await page.getByRole('button', { name: '取消报名' }).click();
      assert.equal(await page.locator('#registration-status').getAttribute('data-status'), 'cancelled');
      await fits(page, 'the cancelled registration');
      assert.deepEqual(foreignRequests(ctx.requests, server.base), []);
    } finally {
      await ctx.context.close();
    }
  });
});

describe('check-in at the door on a phone that goes offline', () => {
  it('keeps the codes on the phone and counts each once when back online', async () => {
    const e = await openEvent();
    const first = await registerByApi(e.id, 1);
    const second = await registerByApi(e.id, 2);
    const ctx = await newContext(browser, { viewport: { width: 390, height: 844 }, isMobile: true });
    try {
      const page = await ctx.context.newPage();
      await page.goto(`${server.base}/admin/login`);
      await page.locator('#f-username').fill('shizhong_editor');
      await page.locator('#f-password').fill('Gongkai-shizhong_editor-2026');
      await Promise.all([page.waitForURL((u) => u.pathname === '/admin'), page.getByRole('button', { name: '登录' }).click()]);
      await page.goto(`${server.base}/admin/open-days/${e.id}/check-in`);
      await fits(page, 'the check-in page');
      await page.waitForSelector('#check-in-form[data-offline-ready="true"]', { state: 'attached' });
      const before = Number(await page.locator('#attended').innerText());
      // Online: counted at once.
      await page.fill('#f-codes', first);
      await page.getByRole('button', { name: '签到' }).click();
      await page.waitForFunction((n) => Number(document.getElementById('attended').textContent) === n + 1, before);
      // Offline: kept on the phone; the page still loads from the service worker.
      await ctx.context.setOffline(true);
      await page.fill('#f-codes', second.toLowerCase());
      await page.getByRole('button', { name: '签到' }).click();
      await page.fill('#f-codes', first);
      await page.getByRole('button', { name: '签到' }).click();
      assert.match(await page.locator('#check-in-status').innerText(), /已保存在本机/);
      assert.equal(await page.locator('#queued').innerText(), '2');
      await page.reload();
      assert.equal(await page.locator('#queued').innerText(), '2', 'the queue survives a reload offline');
      // Back online: synced, the second counted, the first not again.
      await ctx.context.setOffline(false);
      await page.waitForFunction(() => document.getElementById('queued').textContent === '0', null, { timeout: 15_000 });
      await page.waitForFunction((n) => Number(document.getElementById('attended').textContent) === n + 2, before);
      assert.match(await page.locator('#check-in-results').innerText(), /已签到过，不重复计数/);
      const after = await (await fetch(`${server.base}/api/v1/open-days/${e.id}`)).json();
      assert.equal(after.counts.checked_in, before + 2);
      assert.deepEqual(ctx.problems, []);
    } finally {
      await ctx.context.close();
    }
  });
});
