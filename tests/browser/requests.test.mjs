// Applications for disclosure (依申请公开) end to end in headless Chromium with JavaScript
// disabled throughout: a citizen applies online (first with a wrong ID number, then correctly),
// answers the challenge question and tracks the application with the tracking number and query
// code; a request handler of the unit confirms receipt and drafts a reply (予以公开), the unit
// administrator approves it (审签), and the citizen's tracking page shows the reply. axe-core
// checks WCAG 2.1 A/AA on every screen on the way.
//
// Screenshots go to SHOTS_DIR (default /tmp/shots) for people to look at; no test depends on
// them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { axeViolations, foreignRequests, launchBrowser, newContext, startServer } from './server.mjs';

const UNIT = '济南市医疗保障局';
// ybj_handler (杨帆) is the only request_handler of 市医保局 in crates/store/demo/units.toml;
// ybj_admin (刘洋, unit_admin) may approve replies (Action::ApproveReplies) but not see the
// applicant's personal data.
const HANDLER = { username: 'ybj_handler', displayName: '杨帆' };
const APPROVER = { username: 'ybj_admin', displayName: '刘洋' };
const SHOTS = process.env.SHOTS_DIR || '/tmp/shots';

const stamp = String(Date.now()).slice(-6);
const APPLICANT = {
  name: '张晓明',
  // GB 11643 check character: X.
  idNumber: '11010519491231002X',
  // Same number with a wrong check character.
  badIdNumber: '110105194912310021',
  phone: '13905310000',
  email: `zhang.${stamp}@example.com`,
  description: `请提供 2025 年度济南市城乡居民基本医疗保险门诊慢特病病种目录及待遇标准的文件（浏览器测试 ${stamp}）。`,
};
const PROVIDED = '《济南市城乡居民基本医疗保险门诊慢特病病种目录（2025 年版）》电子版，已通过电子邮件发送。';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  await mkdir(SHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const pathOf = (page) => new URL(page.url()).pathname;

async function shot(page, name) {
  const file = join(SHOTS, `${name}.png`);
  try {
    await page.screenshot({ path: file, fullPage: true });
  } catch (e) {
    process.stderr.write(`(screenshot ${file} not saved: ${e.message})\n`);
  }
}

async function assertAccessible(page, what) {
  const violations = await axeViolations(page);
  assert.deepEqual(violations, [], `axe on ${what} (${page.url()}):\n${violations.join('\n')}`);
}

/** Clicks a link or a submit button and waits until the page it leads to has loaded. */
async function navigate(page, locator) {
  await Promise.all([page.waitForEvent('load'), locator.click()]);
}

/** Clicks a submit button and returns the response to the POST it sends (after the page loads). */
async function submit(page, locator, path) {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === path),
    locator.click(),
  ]);
  await page.waitForLoadState('load');
  return res;
}

const CN_DIGITS = { 零: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

/** 一 … 九十九 in Chinese words to a number. */
function cnNumber(words) {
  const w = words.trim();
  const digit = (c) => {
    assert.ok(c in CN_DIGITS, `“${c}” is not a Chinese digit (in “${words}”)`);
    return CN_DIGITS[c];
  };
  if (!w.includes('十')) {
    assert.equal(w.length, 1, `cannot read “${words}”`);
    return digit(w);
  }
  const [tens, ones] = w.split('十');
  return (tens ? digit(tens) : 1) * 10 + (ones ? digit(ones) : 0);
}

/** “十三加五等于多少？” → 18. */
function solveChallenge(question) {
  const m = question.match(/^\s*([零一二两三四五六七八九十]+)\s*(加|减)\s*([零一二两三四五六七八九十]+)\s*等于多少/);
  assert.ok(m, `unexpected challenge question: “${question}”`);
  const a = cnNumber(m[1]);
  const b = cnNumber(m[3]);
  return String(m[2] === '加' ? a + b : a - b);
}

it('reads the challenge questions', () => {
  assert.equal(solveChallenge('十三加五等于多少？'), '18');
  assert.equal(solveChallenge('二十减九等于多少？'), '11');
  assert.equal(solveChallenge('十加十等于多少？'), '20');
  assert.equal(solveChallenge('七减一等于多少？'), '6');
  assert.equal(solveChallenge('二十加九等于多少？'), '29');
});

async function answerChallenge(page) {
  const question = (await page.locator('label[for="f-challenge_answer"]').innerText()).trim();
  await page.locator('#f-challenge_answer').fill(solveChallenge(question));
  return question;
}

async function fillApplication(page, idNumber) {
  // The 受理机关 select groups units under their governments: pick by the option's text.
  const unitId = await page
    .locator('#f-unit_id option')
    .evaluateAll((opts, name) => opts.find((o) => o.textContent.trim() === name)?.value, UNIT);
  assert.ok(unitId, `no ${UNIT} in the 受理机关 list`);
  await page.locator('#f-unit_id').selectOption(unitId);
  await page.getByRole('radio', { name: '公民（自然人）' }).check();
  await page.locator('#f-name').fill(APPLICANT.name);
  await page.locator('#f-id_type').selectOption({ label: '居民身份证' });
  await page.locator('#f-id_number').fill(idNumber);
  await page.locator('#f-phone').fill(APPLICANT.phone);
  await page.locator('#f-email').fill(APPLICANT.email);
  await page.locator('#f-description').fill(APPLICANT.description);
  await page.getByRole('radio', { name: '电子', exact: true }).check();
  await page.getByRole('radio', { name: '电子邮件', exact: true }).check();
  return unitId;
}

async function logIn(page, username) {
  await page.goto(`${server.base}/admin/login`);
  await page.locator('#f-username').fill(username);
  await page.locator('#f-password').fill(`Gongkai-${username}-2026`);
  await navigate(page, page.getByRole('button', { name: '登录' }));
  assert.equal(pathOf(page), '/admin', `${username} logs in`);
}

async function logOut(page) {
  await navigate(page, page.getByRole('button', { name: '退出登录' }));
  assert.equal(pathOf(page), '/admin/login');
}

/** The value of a row of a `dl.summary-list`, by its term. */
async function summaryValue(page, term, scope = page.locator('main')) {
  const row = scope.locator('dl.summary-list > div').filter({ has: page.locator('dt', { hasText: new RegExp(`^${term}$`) }) });
  assert.equal(await row.count(), 1, `one “${term}” row`);
  return (await row.locator('dd').innerText()).trim();
}

describe('依申请公开 without JavaScript', () => {
  let citizen;
  let cpage;
  let trackingNo;
  let queryCode;
  let unitId;
  let caseId;

  before(async () => {
    citizen = await newContext(browser, { javaScriptEnabled: false });
    cpage = await citizen.context.newPage();
  });
  after(() => citizen?.context.close());

  it('/requests explains the procedure and links to the online form', async () => {
    const res = await cpage.goto(`${server.base}/requests`);
    assert.equal(res.status(), 200);
    assert.equal((await cpage.locator('h1').innerText()).trim(), '依申请公开');
    await shot(cpage, 'requests-index');
    await assertAccessible(cpage, '/requests');
    await navigate(cpage, cpage.getByRole('link', { name: '在线申请', exact: true }));
    assert.equal(pathOf(cpage), '/requests/new');
    assert.equal((await cpage.locator('h1').innerText()).trim(), '在线申请政府信息公开');
    await shot(cpage, 'requests-new');
    await assertAccessible(cpage, '/requests/new');
  });

  it('a wrong ID number is refused, naming 证件号码 and keeping what was typed', async () => {
    unitId = await fillApplication(cpage, APPLICANT.badIdNumber);
    const question = await answerChallenge(cpage);
    const res = await submit(cpage, cpage.getByRole('button', { name: '提交申请' }), '/requests/new');
    assert.equal(res.status(), 422, 'a refused application answers 422');
    assert.equal(pathOf(cpage), '/requests/new');

    const summary = cpage.locator('.error-summary');
    assert.equal(await summary.count(), 1, 'the error summary is shown');
    const text = await summary.innerText();
    assert.match(text, /请修改以下问题后再提交/);
    assert.match(text, /证件号码/);
    // Only the ID number is wrong: the challenge was answered right.
    assert.doesNotMatch(text, /验证问题/, `the challenge “${question}” was answered correctly`);
    const link = summary.locator('a[href="#f-id_number"]');
    assert.equal(await link.count(), 1, 'the summary links to the ID number field');
    assert.match(await link.innerText(), /证件号码/);
    assert.equal(await cpage.locator('#f-id_number').getAttribute('aria-invalid'), 'true');
    assert.match(await cpage.locator('#f-id_number-error').innerText(), /证件号码/);

    // What was typed is kept …
    assert.equal(await cpage.locator('#f-unit_id').inputValue(), unitId);
    assert.equal(await cpage.getByRole('radio', { name: '公民（自然人）' }).isChecked(), true);
    assert.equal(await cpage.locator('#f-name').inputValue(), APPLICANT.name);
    assert.equal(await cpage.locator('#f-id_type option:checked').innerText(), '居民身份证');
    assert.equal(await cpage.locator('#f-id_number').inputValue(), APPLICANT.badIdNumber);
    assert.equal(await cpage.locator('#f-phone').inputValue(), APPLICANT.phone);
    assert.equal(await cpage.locator('#f-email').inputValue(), APPLICANT.email);
    assert.equal(await cpage.locator('#f-description').inputValue(), APPLICANT.description);
    assert.equal(await cpage.getByRole('radio', { name: '电子', exact: true }).isChecked(), true);
    assert.equal(await cpage.getByRole('radio', { name: '电子邮件', exact: true }).isChecked(), true);
    // … and so is the challenge: it is checked only once the rest is right, so it was not used
    // up, and the same question comes back with the answer given.
    assert.equal((await cpage.locator('label[for="f-challenge_answer"]').innerText()).trim(), question);
    assert.equal(await cpage.locator('#f-challenge_answer').inputValue(), solveChallenge(question));

    await shot(cpage, 'requests-new-errors');
    await assertAccessible(cpage, '/requests/new with errors');
  });

  it('the corrected application is accepted with a tracking number and a query code', async () => {
    await cpage.locator('#f-id_number').fill(APPLICANT.idNumber.toLowerCase());
    await answerChallenge(cpage);
    const res = await submit(cpage, cpage.getByRole('button', { name: '提交申请' }), '/requests/new');
    assert.equal(res.status(), 200, 'the application is accepted');
    assert.equal(await cpage.locator('.error-summary').count(), 0);
    assert.equal((await cpage.locator('h1').innerText()).trim(), '申请已提交');
    trackingNo = (await cpage.locator('#tracking-no').innerText()).trim();
    queryCode = (await cpage.locator('#query-code').innerText()).trim();
    assert.match(trackingNo, /^\d{6}\d{8}$/, 'the tracking number is YYYYMM and 8 digits');
    assert.match(queryCode, /^[2-9A-HJKMNP-Z]{8}$/, 'the query code has 8 characters without look-alikes');
    assert.match(await cpage.locator('main').innerText(), new RegExp(UNIT));
    await shot(cpage, 'requests-ack');
    await assertAccessible(cpage, 'the acknowledgement page');
  });

  it('tracking with 申请编号 and 查询码 (POST) shows 待确认收到', async () => {
    await cpage.goto(`${server.base}/requests`);
    await cpage.locator('#f-tracking_no').fill(trackingNo);
    await cpage.locator('#f-code').fill(queryCode.toLowerCase());
    const res = await submit(cpage, cpage.getByRole('button', { name: '查询' }), '/requests/track');
    assert.equal(res.status(), 200);
    assert.equal((await cpage.locator('h1').innerText()).trim(), '申请办理进度');
    assert.equal(await summaryValue(cpage, '申请编号'), trackingNo);
    assert.equal(await summaryValue(cpage, '受理机关'), UNIT);
    assert.equal(await summaryValue(cpage, '办理状态'), '待确认收到');
    assert.match(await cpage.locator('main').innerText(), new RegExp(stamp), 'the description is shown');
    // The applicant's personal data is not repeated on the tracking page.
    assert.doesNotMatch(await cpage.locator('main').innerText(), new RegExp(APPLICANT.idNumber));
    assert.match(res.headers()['cache-control'] || '', /no-store/);
    await shot(cpage, 'requests-track-awaiting');
    await assertAccessible(cpage, 'the tracking page');
  });

  it('a wrong query code shows an error message', async () => {
    await cpage.goto(`${server.base}/requests`);
    await cpage.locator('#f-tracking_no').fill(trackingNo);
    const wrong = queryCode === 'ABCDEFGH' ? 'HGFEDCBA' : 'ABCDEFGH';
    await cpage.locator('#f-code').fill(wrong);
    const res = await submit(cpage, cpage.getByRole('button', { name: '查询' }), '/requests/track');
    assert.equal(res.status(), 422);
    assert.equal((await cpage.locator('h1').innerText()).trim(), '依申请公开');
    const summary = cpage.locator('.error-summary');
    assert.equal(await summary.count(), 1, 'the error summary is shown');
    assert.match(await summary.innerText(), /请修改以下问题后再提交/);
    assert.ok((await cpage.locator('.error-message').count()) >= 1, 'the field shows its error');
    const fieldText = await cpage.locator('.field-error').allInnerTexts();
    assert.match(fieldText.join('\n'), /查询码|申请编号/);
    assert.equal(await cpage.locator('#f-tracking_no').inputValue(), trackingNo, 'the tracking number is kept');
    assert.doesNotMatch(await cpage.locator('main').innerText(), /待确认收到/, 'nothing of the case is shown');
    await shot(cpage, 'requests-track-wrong-code');
    await assertAccessible(cpage, '/requests with a wrong query code');
  });

  describe('the unit handles the application', () => {
    let handler;
    let hpage;

    before(async () => {
      handler = await newContext(browser, { javaScriptEnabled: false });
      hpage = await handler.context.newPage();
    });
    after(() => handler?.context.close());

    it(`${HANDLER.username} finds the case in /admin/requests`, async () => {
      await logIn(hpage, HANDLER.username);
      const res = await hpage.goto(`${server.base}/admin/requests`);
      assert.equal(res.status(), 200);
      assert.equal((await hpage.locator('h1').innerText()).trim(), '依申请公开');
      const row = hpage.locator('tbody tr', { hasText: trackingNo });
      assert.equal(await row.count(), 1, 'the new application is in the queue');
      assert.match(await row.innerText(), /待确认收到/);
      await shot(hpage, 'console-requests');
      await assertAccessible(hpage, '/admin/requests');

      await navigate(hpage, row.getByRole('link', { name: trackingNo }));
      const m = pathOf(hpage).match(/^\/admin\/requests\/(\d+)$/);
      assert.ok(m, `the case page, not ${hpage.url()}`);
      caseId = m[1];
      assert.equal((await hpage.locator('h1').innerText()).trim(), `申请 ${trackingNo}`);
      assert.equal(await summaryValue(hpage, '办理状态'), '待确认收到');
      // The applicant's data is hidden until asked for.
      assert.doesNotMatch(await hpage.locator('main').innerText(), new RegExp(APPLICANT.name));
      await shot(hpage, 'console-request-new-case');
      await assertAccessible(hpage, 'the case page (待确认收到)');
    });

    it('查看申请人信息 shows the applicant', async () => {
      await navigate(hpage, hpage.getByRole('link', { name: '查看申请人信息' }));
      assert.equal(new URL(hpage.url()).searchParams.get('applicant'), '1');
      const main = await hpage.locator('main').innerText();
      assert.match(main, new RegExp(APPLICANT.name));
      assert.match(main, new RegExp(APPLICANT.idNumber));
      assert.match(main, new RegExp(APPLICANT.phone));
      assert.match(main, new RegExp(APPLICANT.email.replace(/\./g, '\\.')));
      assert.match(main, /本次查看已记入审计日志/);
      await assertAccessible(hpage, 'the case page with the applicant');
    });

    it('确认收到 starts the reply clock', async () => {
      const res = await submit(
        hpage,
        hpage.getByRole('button', { name: '确认收到' }),
        `/admin/requests/${caseId}/steps/confirm`,
      );
      assert.ok(res.status() === 303 || res.status() === 302, `the step redirects (got ${res.status()})`);
      assert.equal(pathOf(hpage), `/admin/requests/${caseId}`);
      assert.equal(new URL(hpage.url()).searchParams.get('notice'), 'step_done');
      assert.equal(await summaryValue(hpage, '办理状态'), '办理中');
      assert.match(await summaryValue(hpage, '收到申请日期'), /^\d{4}-\d{2}-\d{2}$/);
      assert.match(await summaryValue(hpage, '期限'), /答复期限/);
      await shot(hpage, 'console-request-in-progress');
      await assertAccessible(hpage, 'the case page (办理中)');
    });

    it('the ids on the case page are unique, so every label names its own field', async () => {
      // Each step is its own form; fields of the same name (日期 “on”, 理由 “reason”) must not
      // share an id, or their labels and hints point at the first one only.
      const dup = await hpage.evaluate(() => {
        const ids = [...document.querySelectorAll('[id]')].map((e) => e.id);
        return [...new Set(ids.filter((x, i) => ids.indexOf(x) !== i))];
      });
      assert.deepEqual(dup, [], `duplicate ids on ${hpage.url()}`);
    });

    it('every link on /admin/requests answers', async () => {
      const page = await handler.context.newPage();
      try {
        await page.goto(`${server.base}/admin/requests`);
        const hrefs = await page
          .locator('main a[href^="/"]')
          .evaluateAll((as) => [...new Set(as.map((a) => a.getAttribute('href')))]);
        const broken = [];
        for (const href of hrefs) {
          const res = await page.request.get(server.base + href, { maxRedirects: 0 });
          if (res.status() !== 200) broken.push(`${href} → ${res.status()}`);
        }
        assert.deepEqual(broken, [], 'links on /admin/requests that do not answer 200');
      } finally {
        await page.close();
      }
    });

    it('drafts the reply 予以公开 and submits it for approval (提交审签)', async () => {
      const details = hpage.locator('details.step', { has: hpage.locator('summary', { hasText: /^答复$/ }) });
      assert.equal(await details.count(), 1, 'one 答复 section');
      await details.locator('summary').click();
      assert.equal(await details.getAttribute('open'), '', 'the 答复 section opens without JavaScript');
      await hpage.locator('#f-reply-outcome').selectOption({ label: '予以公开' });
      await hpage.locator('#f-reply-provided').fill(PROVIDED);
      await shot(hpage, 'console-request-reply-form');
      await assertAccessible(hpage, 'the case page with the reply form open');
      const res = await submit(
        hpage,
        details.getByRole('button', { name: '提交审签' }),
        `/admin/requests/${caseId}/reply`,
      );
      assert.ok(res.status() === 303 || res.status() === 302, `the step redirects (got ${res.status()})`);
      assert.equal(await hpage.locator('.error-summary').count(), 0);
      assert.equal(await summaryValue(hpage, '办理状态'), '答复待审签');
      assert.match(await hpage.locator('main').innerText(), /答复已提交，等待他人审签/);
      // The drafter cannot approve their own reply.
      assert.equal(await hpage.getByRole('button', { name: '审签通过并答复' }).count(), 0);
      await assertAccessible(hpage, 'the case page (答复待审签, drafter)');
      await logOut(hpage);
    });

    it(`${APPROVER.username} (unit admin) approves: 审签通过并答复`, async () => {
      const approver = await newContext(browser, { javaScriptEnabled: false });
      try {
        const apage = await approver.context.newPage();
        await logIn(apage, APPROVER.username);
        await apage.goto(`${server.base}/admin/requests?state=awaiting_approval`);
        const row = apage.locator('tbody tr', { hasText: trackingNo });
        assert.equal(await row.count(), 1, 'the case waits for approval in the queue');
        await navigate(apage, row.getByRole('link', { name: trackingNo }));
        assert.equal(pathOf(apage), `/admin/requests/${caseId}`);
        assert.equal(await summaryValue(apage, '办理结果'), '予以公开');
        assert.equal(await summaryValue(apage, '提供的信息'), PROVIDED);
        // An administrator sees the case but not the applicant.
        assert.doesNotMatch(await apage.locator('main').innerText(), new RegExp(APPLICANT.name));
        await shot(apage, 'console-request-approval');
        await assertAccessible(apage, 'the case page (答复待审签, approver)');
        const res = await submit(
          apage,
          apage.getByRole('button', { name: '审签通过并答复' }),
          `/admin/requests/${caseId}/steps/approve`,
        );
        assert.ok(res.status() === 303 || res.status() === 302, `the step redirects (got ${res.status()})`);
        assert.equal(await apage.locator('.error-summary').count(), 0);
        assert.equal(await summaryValue(apage, '办理状态'), '已答复');
        assert.match(await summaryValue(apage, '答复日期'), /^\d{4}-\d{2}-\d{2}$/);
        await shot(apage, 'console-request-replied');
        await assertAccessible(apage, 'the case page (已答复)');
        await logOut(apage);
        assert.deepEqual(foreignRequests(approver.requests, server.base), []);
      } finally {
        await approver.context.close();
      }
    });

    it('made no request to another host', () => {
      assert.deepEqual(foreignRequests(handler.requests, server.base), []);
    });
  });

  it('the tracking page then shows 已答复 and 予以公开', async () => {
    const res = await cpage.goto(`${server.base}/requests/${trackingNo}?code=${queryCode}`);
    assert.equal(res.status(), 200);
    assert.equal(await summaryValue(cpage, '办理状态'), '已答复');
    assert.equal(await summaryValue(cpage, '办理结果'), '予以公开');
    assert.match(await summaryValue(cpage, '答复日期'), /^\d{4}-\d{2}-\d{2}$/);
    const timeline = await cpage.locator('ol.timeline').innerText();
    assert.match(timeline, /确认收到|收到/);
    assert.match(timeline, /答复/);
    await shot(cpage, 'requests-track-replied');
    await assertAccessible(cpage, 'the tracking page (已答复)');
  });

  it('the reply letter (告知书) can be downloaded from the tracking page', async () => {
    // Downloads are small forms that post the query code, so it stays out of URLs and logs.
    const forms = cpage.locator('ul.files form');
    assert.ok((await forms.count()) >= 1, 'the reply letter is listed');
    const files = await forms.evaluateAll((fs) =>
      fs.map((f) => ({ action: f.getAttribute('action'), name: f.querySelector('button').textContent.trim() })),
    );
    assert.ok(files.some((f) => /告知书\.(pdf|docx)$/.test(f.name)), `a 告知书 among ${files.map((f) => f.name).join(', ')}`);
    assert.ok(files.every((f) => !f.action.includes('code=')), 'no query code in a URL');
    for (const { action, name } of files) {
      const res = await cpage.request.post(new URL(action, server.base).href, { form: { code: queryCode } });
      assert.equal(res.status(), 200, `POST ${name} (${action})`);
      const body = await res.body();
      if (name.endsWith('.pdf')) {
        assert.equal(body.subarray(0, 5).toString('latin1'), '%PDF-', `${name} is a PDF`);
        assert.match(res.headers()['content-type'] || '', /application\/pdf/);
      } else if (name.endsWith('.docx')) {
        assert.equal(body.subarray(0, 2).toString('latin1'), 'PK', `${name} is a zip (OOXML)`);
      } else {
        assert.ok(body.length > 0, `${name} is not empty`);
      }
    }
    // Without the query code the files are refused.
    const first = new URL(files[0].action, server.base);
    const res = await cpage.request.post(first.href, { form: { code: '' }, maxRedirects: 0 });
    assert.notEqual(res.status(), 200, 'a file is not served without the query code');
  });

  it('made no request to another host', () => {
    assert.deepEqual(foreignRequests(citizen.requests, server.base), []);
  });
});
