// The applicant's dead ends (issue 13) in headless Chromium: the form after an error keeps
// every value, the challenge and the uploaded ID proof (JavaScript off); the acknowledgement
// shows the tracking number and query code unbroken with copy buttons (JavaScript on) and a
// printable receipt; a demo case awaiting 补正 takes the applicant's correction, which the
// handler then sees; a replied demo case offers its letter. Nothing scrolls sideways at 390 and
// 320 px, plain or in elder mode; axe-core checks WCAG 2.1 A/AA.
//
// Screenshots go to SHOTS_DIR (default /tmp/shots) for people to look at.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { axeViolations, launchBrowser, newContext, startServer, solve } from './server.mjs';

const SHOTS = process.env.SHOTS_DIR || '/tmp/shots';
const UNIT = '济南市医疗保障局';
// From crates/store/demo/requests.toml: a case awaiting 补正 and a replied one.
const CLARIFYING = { no: '20261100000111', code: 'E9RM5VJA' };
const REPLIED = { no: '20250300000101', code: 'K7M2QH4T' };
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
const WIDTHS = [390, 320];

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

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `applicant-${name}.png`), fullPage: true });
}

async function assertAccessible(page, what) {
  const violations = await axeViolations(page);
  assert.deepEqual(violations, [], `axe on ${what}:\n${violations.join('\n')}`);
}

/** At each width: no sideways scrolling, and a screenshot. */
async function atWidths(page, name) {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 800 });
    const m = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
    }));
    assert.ok(m.scrollWidth <= m.innerWidth, `${name} at ${width} px scrolls sideways: ${m.scrollWidth} > ${m.innerWidth}`);
    await shot(page, `${name}-${width}`);
  }
}

async function submitAndWait(page, locator) {
  await Promise.all([page.waitForEvent('load'), locator.click()]);
}

async function fillApplication(page, phone) {
  const unitId = await page
    .locator('#f-unit_id option')
    .evaluateAll((opts, name) => opts.find((o) => o.textContent.trim() === name)?.value, UNIT);
  await page.locator('#f-unit_id').selectOption(unitId);
  await page.getByRole('radio', { name: '公民（自然人）' }).check();
  await page.locator('#f-name').fill('王秀兰');
  await page.locator('#f-id_type').selectOption({ label: '居民身份证' });
  await page.locator('#f-id_number').fill('11010519491231002X');
  await page.locator('#f-phone').fill(phone);
  await page.locator('#f-description').fill('2025年济南市城乡居民医疗保险门诊慢特病病种目录');
  await page.getByRole('radio', { name: '电子', exact: true }).check();
  await page.getByRole('radio', { name: '网上获取', exact: true }).check();
  const question = (await page.locator('label[for="f-challenge_answer"]').innerText()).trim();
  await page.locator('#f-challenge_answer').fill(solve(question));
  return question;
}

/** The tracking number and query code each on one line, inside the screen. */
async function assertNumbersUnbroken(page, where) {
  for (const id of ['tracking-no', 'query-code']) {
    const m = await page.locator(`#${id}`).evaluate((el) => {
      const style = getComputedStyle(el);
      const box = el.getBoundingClientRect();
      return {
        whiteSpace: style.whiteSpace,
        lines: Math.round(box.height / parseFloat(style.lineHeight)),
        right: box.right,
        width: window.innerWidth,
      };
    });
    assert.equal(m.whiteSpace, 'nowrap', `${id} on ${where}`);
    assert.equal(m.lines, 1, `${id} on one line on ${where}`);
    assert.ok(m.right <= m.width, `${id} inside the screen on ${where}: ${m.right} > ${m.width}`);
  }
}

describe('the application form after an error, without JavaScript', () => {
  let context;
  let page;
  before(async () => {
    ({ context } = await newContext(browser, { javaScriptEnabled: false, viewport: { width: 390, height: 800 } }));
    page = await context.newPage();
  });
  after(() => context?.close());

  it('keeps the values, the challenge and the proof, and names the field', async () => {
    await page.goto(`${server.base}/requests/new`);
    const question = await fillApplication(page, '1381234567');
    await page.locator('#f-identity_proof').setInputFiles({ name: '身份证.pdf', mimeType: 'application/pdf', buffer: PDF });
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: '提交申请' }).click(),
    ]);
    await page.waitForLoadState('load');
    assert.equal(res.status(), 422);
    const summary = page.locator('.error-summary');
    assert.match(await summary.innerText(), /联系电话：手机号码应为 11 位（现有 10 位）/);
    assert.equal(await summary.locator('a[href="#f-phone"]').count(), 1, 'the summary links to the field');
    assert.match(await page.locator('#f-phone-error').innerText(), /手机号码应为 11 位/);
    assert.equal(await page.locator('#f-phone').inputValue(), '1381234567');
    assert.equal(await page.locator('#f-name').inputValue(), '王秀兰');
    assert.equal(await page.locator('#f-description').inputValue(), '2025年济南市城乡居民医疗保险门诊慢特病病种目录');
    assert.equal((await page.locator('label[for="f-challenge_answer"]').innerText()).trim(), question, 'same question');
    assert.equal(await page.locator('#f-challenge_answer').inputValue(), solve(question), 'answer kept');
    assert.match(await page.locator('.proof-kept').innerText(), /已上传：身份证\.pdf（1 KB）/);
    await atWidths(page, 'form-error');
    await page.setViewportSize({ width: 390, height: 800 });
    await assertAccessible(page, 'the form after an error');

    // Corrected without choosing the file again: applied.
    await page.locator('#f-phone').fill('13812345678');
    await submitAndWait(page, page.getByRole('button', { name: '提交申请' }));
    assert.equal((await page.locator('h1').innerText()).trim(), '申请已提交');
    await assertNumbersUnbroken(page, 'the acknowledgement (plain, 390 px)');
    assert.equal(await page.locator('.copy-button').count(), 0, 'no copy buttons without JavaScript');
    await atWidths(page, 'ack-plain');
    await assertNumbersUnbroken(page, 'the acknowledgement (plain, 320 px)');
    await assertAccessible(page, 'the acknowledgement');

    // The receipt, reached by POST (the code never in a URL).
    await submitAndWait(page, page.getByRole('button', { name: '打印回执' }));
    assert.equal(new URL(page.url()).search, '', 'no query string');
    assert.equal((await page.locator('h1').innerText()).trim(), '政府信息公开申请回执');
    const text = await page.locator('main').innerText();
    for (const part of ['申请编号', '查询码', UNIT, '答复期限', '收到申请日期']) assert.ok(text.includes(part), part);
    assert.ok(await page.locator('[data-print-hint]').isVisible(), 'the no-JavaScript instruction');
    assert.equal(await page.locator('[data-print]').isVisible(), false, 'the print button needs JavaScript');
    await atWidths(page, 'receipt-plain');
    await assertAccessible(page, 'the receipt');
  });
});

describe('the acknowledgement in elder mode, with JavaScript', () => {
  let context;
  let page;
  before(async () => {
    ({ context } = await newContext(browser, { viewport: { width: 320, height: 800 } }));
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.base });
    await context.addCookies([{ name: 'gk_elder', value: '1', url: server.base }]);
    page = await context.newPage();
  });
  after(() => context?.close());

  it('shows the numbers unbroken, copies them and prints the receipt', async () => {
    await page.goto(`${server.base}/requests/new`);
    assert.ok(await page.evaluate(() => document.documentElement.classList.contains('elder')));
    await fillApplication(page, '0531-86123456转801');
    await submitAndWait(page, page.getByRole('button', { name: '提交申请' }));
    assert.equal((await page.locator('h1').innerText()).trim(), '申请已提交');
    await assertNumbersUnbroken(page, 'the acknowledgement (elder, 320 px)');
    const trackingNo = (await page.locator('#tracking-no').innerText()).trim();
    await page.getByRole('button', { name: '复制申请编号' }).click();
    await page.locator('#copy-status').filter({ hasText: '已复制申请编号' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), trackingNo);
    assert.equal(await page.locator('#copy-status').getAttribute('aria-live'), 'polite');
    await atWidths(page, 'ack-elder');
    await assertNumbersUnbroken(page, 'the acknowledgement (elder, 320 px)');
    await assertAccessible(page, 'the acknowledgement in elder mode');

    await submitAndWait(page, page.getByRole('button', { name: '打印回执' }));
    assert.ok(await page.locator('[data-print]').isVisible(), 'the print button with JavaScript');
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('.masthead').isVisible(), false, 'the receipt prints without the site header');
    await page.emulateMedia({ media: 'screen' });
    await atWidths(page, 'receipt-elder');
  });
});

describe('a correction (补正) from the tracking page', () => {
  for (const elder of [false, true]) {
    it(`shows what to correct, ${elder ? 'elder mode' : 'plain'}`, async () => {
      const { context } = await newContext(browser, { javaScriptEnabled: false, viewport: { width: 390, height: 800 } });
      if (elder) await context.addCookies([{ name: 'gk_elder', value: '1', url: server.base }]);
      const page = await context.newPage();
      await page.goto(`${server.base}/requests/track`);
      await page.locator('#f-tracking_no').fill(CLARIFYING.no);
      await page.locator('#f-code').fill(CLARIFYING.code);
      await submitAndWait(page, page.locator('main form button[type="submit"]').first());
      assert.match(await page.locator('.correction').innerText(), /需要您补正申请/);
      await atWidths(page, `correction-${elder ? 'elder' : 'plain'}`);
      await context.close();
    });
  }

  it('takes the correction without JavaScript, and the handler sees it', async () => {
    const { context } = await newContext(browser, { javaScriptEnabled: false, viewport: { width: 390, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${server.base}/requests/track`);
    await page.locator('#f-tracking_no').fill(CLARIFYING.no);
    await page.locator('#f-code').fill(CLARIFYING.code);
    await submitAndWait(page, page.locator('main form button[type="submit"]').first());
    await assertAccessible(page, 'the tracking page awaiting correction');
    // Nothing typed: the field is named.
    await submitAndWait(page, page.getByRole('button', { name: '提交补正' }));
    assert.match(await page.locator('.error-summary').innerText(), /补正内容：不能为空/);
    await page.locator('#f-text').fill('所需信息为2025年本区老旧小区改造项目的立项批复文件（历下发改〔2025〕12号）。');
    await page.locator('#f-files').setInputFiles({ name: '补正说明.pdf', mimeType: 'application/pdf', buffer: PDF });
    await submitAndWait(page, page.getByRole('button', { name: '提交补正' }));
    assert.match(await page.locator('.notice').innerText(), /补正材料已提交/);
    assert.equal(await page.locator('.correction').count(), 0);
    assert.match(await page.locator('.timeline').innerText(), /申请人补正/);
    await atWidths(page, 'correction-done');
    await context.close();

    // The handler of the unit sees the text and the file.
    const staff = await newContext(browser, { viewport: { width: 1280, height: 900 } });
    const spage = await staff.context.newPage();
    await spage.goto(`${server.base}/admin/login`);
    const unit = await spage.evaluate(async ([no, code]) => {
      const r = await fetch(`/api/v1/requests/${no}?code=${code}`);
      return (await r.json()).unit;
    }, [CLARIFYING.no, CLARIFYING.code]);
    const handler = unit.includes('历下') ? 'lixia_handler' : 'ybj_handler';
    await spage.locator('#f-username').fill(handler);
    await spage.locator('#f-password').fill(`Gongkai-${handler}-2026`);
    await submitAndWait(spage, spage.getByRole('button', { name: '登录' }));
    await spage.goto(`${server.base}/admin/requests?q=${CLARIFYING.no}`);
    await submitAndWait(spage, spage.locator(`a:has-text("${CLARIFYING.no}")`).first());
    const main = await spage.locator('main').innerText();
    assert.match(main, /申请人补正/);
    assert.match(main, /历下发改〔2025〕12号/);
    assert.ok(await spage.getByRole('link', { name: '补正说明.pdf' }).first().isVisible());
    await shot(spage, 'console-correction');
    await staff.context.close();
  });
});

describe('a replied demo case', () => {
  it('offers its reply letter on the tracking page', async () => {
    const { context } = await newContext(browser, { javaScriptEnabled: false, viewport: { width: 320, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${server.base}/requests/track`);
    await page.locator('#f-tracking_no').fill(REPLIED.no);
    await page.locator('#f-code').fill(REPLIED.code);
    await submitAndWait(page, page.locator('main form button[type="submit"]').first());
    const files = await page.locator('ul.files').innerText();
    assert.match(files, /告知书/);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('ul.files button.link').first().click(),
    ]);
    assert.match(download.suggestedFilename(), new RegExp(`^${REPLIED.no}-`));
    await atWidths(page, 'replied-letter');
    await context.close();
  });
});
