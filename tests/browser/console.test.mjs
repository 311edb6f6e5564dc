// The staff console (管理后台) in headless Chromium: logging in, the dashboard, creating a user,
// logging out and a wrong password, with axe-core checking WCAG 2.1 A/AA on each screen. The
// login → dashboard → logout path is repeated with JavaScript disabled.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  axeViolations,
  foreignRequests,
  launchBrowser,
  newContext,
  screenshot,
  startServer,
} from './server.mjs';

const ADMIN = { username: 'admin', password: 'Gongkai-admin-2026' };
const UNIT = '济南市医疗保障局';

let server;
let browser;
let unitShortName; // the console shows units by their short names (市医保局)

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  const res = await fetch(`${server.base}/api/v1/units?per_page=200`);
  assert.equal(res.status, 200, 'GET /api/v1/units');
  const unit = (await res.json()).items.find((u) => u.name === UNIT);
  assert.ok(unit, `demo data has no unit named ${UNIT}`);
  unitShortName = unit.short_name;
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const pathOf = (page) => new URL(page.url()).pathname;

async function assertAccessible(page, what) {
  const violations = await axeViolations(page);
  assert.deepEqual(violations, [], `axe on ${what} (${page.url()}):\n${violations.join('\n')}`);
}

/** Clicks something that submits or follows a link, and waits until `urlPredicate` holds. */
async function clickAndWait(page, locator, urlPredicate) {
  await Promise.all([page.waitForURL(urlPredicate), locator.click()]);
}

async function fillLogin(page, { username, password }) {
  await page.goto(`${server.base}/admin/login`);
  assert.equal((await page.locator('h1').innerText()).trim(), '工作人员登录');
  await page.locator('#f-username').fill(username);
  await page.locator('#f-password').fill(password);
}

async function logIn(page, who) {
  await fillLogin(page, who);
  await clickAndWait(page, page.getByRole('button', { name: '登录' }), (u) => u.pathname === '/admin');
  assert.equal((await page.locator('h1').innerText()).trim(), '工作台');
}

async function logOutAndCheck(page) {
  await clickAndWait(page, page.getByRole('button', { name: '退出登录' }), (u) => u.pathname === '/admin/login');
  assert.equal((await page.locator('h1').innerText()).trim(), '工作人员登录');
  assert.equal(await page.getByRole('button', { name: '退出登录' }).count(), 0);
  // The session is gone: the console sends us back to the login page.
  const res = await page.goto(`${server.base}/admin`);
  assert.equal(res.status(), 200);
  assert.equal(pathOf(page), '/admin/login');
  assert.equal(new URL(page.url()).searchParams.get('next'), '/admin');
  assert.equal((await page.locator('h1').innerText()).trim(), '工作人员登录');
}

async function wrongPassword(page, shot) {
  await fillLogin(page, { username: ADMIN.username, password: 'Not-The-Password-1' });
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/admin/login'),
    page.getByRole('button', { name: '登录' }).click(),
  ]);
  assert.equal(res.status(), 422, 'a refused login answers 422');
  const summary = page.locator('.error-summary');
  await summary.waitFor();
  assert.equal(pathOf(page), '/admin/login');
  const text = await summary.innerText();
  assert.match(text, /请修改以下问题后再提交/);
  assert.match(text, /用户名或密码/);
  // The summary links to the field it names, and the field says it is invalid.
  const link = summary.locator('a[href="#f-username"]');
  assert.equal(await link.count(), 1);
  assert.match(await link.innerText(), /用户名或密码/);
  assert.equal(await page.locator('#f-username').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.locator('#f-username').inputValue(), ADMIN.username, 'the username is kept');
  assert.equal(await page.locator('#f-password').inputValue(), '', 'the password is not sent back');
  await screenshot(page, shot);
  await assertAccessible(page, 'the login page with an error');
}

describe('console, JavaScript on', () => {
  let ctx;
  let page;
  const stamp = Date.now();
  const newUser = {
    username: `browser_${stamp}`,
    displayName: '浏览器测试员',
    password: 'Browser-Test-2026!',
  };

  before(async () => {
    ctx = await newContext(browser);
    page = await ctx.context.newPage();
  });
  after(() => ctx?.context.close());

  it('the login page has no serious axe violation', async () => {
    const res = await page.goto(`${server.base}/admin/login`);
    assert.equal(res.status(), 200);
    assert.equal((await page.locator('h1').innerText()).trim(), '工作人员登录');
    await screenshot(page, 'console-js-login');
    await assertAccessible(page, 'the login page');
  });

  it('a wrong password shows the error summary, focused and naming the field', async () => {
    await wrongPassword(page, 'console-js-login-error');
    // app.js moves the focus to the summary so that screen readers announce it.
    assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('error-summary')), true);
  });

  it('admin logs in and sees the dashboard (工作台)', async () => {
    await logIn(page, ADMIN);
    assert.match(await page.locator('.console-bar').innerText(), /系统管理员/);
    await screenshot(page, 'console-js-dashboard');
    await assertAccessible(page, 'the dashboard');
  });

  it('用户管理 lists the accounts', async () => {
    await clickAndWait(
      page,
      page.locator('nav.console-nav').getByRole('link', { name: '用户管理' }),
      (u) => u.pathname === '/admin/users',
    );
    assert.equal((await page.locator('h1').innerText()).trim(), '用户管理');
    assert.ok((await page.locator('tbody tr').count()) >= 10, 'the demo accounts are listed');
    assert.match(await page.locator('tbody').innerText(), /ybj_admin/);
    await screenshot(page, 'console-js-users');
    await assertAccessible(page, 'the user list');
  });

  it('creates a user of 济南市医疗保障局 with the editor role and shows the notice', async () => {
    await clickAndWait(page, page.getByRole('link', { name: '新建账号' }), (u) => u.pathname === '/admin/users/new');
    await screenshot(page, 'console-js-user-new');
    await assertAccessible(page, 'the new user form');

    await page.locator('#f-username').fill(newUser.username);
    await page.locator('#f-display_name').fill(newUser.displayName);
    // Options are indented with ideographic spaces by depth in the unit tree.
    const unitId = await page
      .locator('#f-unit_id option')
      .evaluateAll((opts, name) => opts.find((o) => o.textContent.trim() === name)?.value, UNIT);
    assert.ok(unitId, `no ${UNIT} in the unit list`);
    await page.locator('#f-unit_id').selectOption(unitId);
    await page.locator('input[name=roles][value=editor]').check();
    await page.locator('#f-phone').fill('0531-12345678');
    await page.locator('#f-email').fill(`${newUser.username}@example.gov.cn`);
    await page.locator('#f-password').fill(newUser.password);
    await clickAndWait(
      page,
      page.getByRole('button', { name: '保存' }),
      (u) => /^\/admin\/users\/\d+$/.test(u.pathname) && u.searchParams.get('notice') === 'user_created',
    );

    const notice = page.locator('.notice');
    assert.equal(await notice.isVisible(), true);
    assert.match(await notice.innerText(), /账号已创建/);
    assert.match(await page.locator('main').innerText(), new RegExp(newUser.username));
    assert.equal(await page.locator('#f-display_name').inputValue(), newUser.displayName);
    assert.equal(await page.locator('#f-unit_id').inputValue(), unitId);
    assert.equal(await page.locator('input[name=roles][value=editor]').isChecked(), true);
    assert.equal(await page.locator('input[name=roles][value=system_admin]').isChecked(), false);
    await screenshot(page, 'console-js-user-created');
    await assertAccessible(page, 'the user form after creation');

    // The list finds the new account.
    await page.goto(`${server.base}/admin/users?q=${newUser.username}`);
    const rows = page.locator('tbody tr');
    assert.equal(await rows.count(), 1);
    assert.match(await rows.innerText(), new RegExp(`${newUser.displayName}\\s+${newUser.username}\\s+${unitShortName}\\s+信息编辑`));
  });

  it('the disclosure pages (目录, 栏目, 起草) have no serious axe violation', async () => {
    const res = await fetch(`${server.base}/api/v1/units?q=${encodeURIComponent(UNIT)}`);
    const unitId = (await res.json()).items[0].id;
    for (const [path, h1] of [
      ['/admin/catalogue', '主动公开目录'],
      [`/admin/catalogue/units/${unitId}`, UNIT],
      ['/admin/columns', '栏目管理'],
      ['/admin/documents/new', '起草政府信息'],
    ]) {
      const r = await page.goto(server.base + path);
      assert.equal(r.status(), 200, path);
      assert.equal((await page.locator('h1').innerText()).trim(), h1);
      await screenshot(page, `console-js${path.replace(/\//g, '-')}`);
      await assertAccessible(page, path);
    }
  });

  it('logs out, after which /admin asks for the login again', async () => {
    await page.goto(`${server.base}/admin`);
    await logOutAndCheck(page);
    await screenshot(page, 'console-js-logged-out');
  });

  it('the new user can log in with the initial password', async () => {
    await logIn(page, { username: newUser.username, password: newUser.password });
    assert.match(await page.locator('.console-bar').innerText(), new RegExp(`${newUser.displayName}（${unitShortName}）`));
    await logOutAndCheck(page);
  });

  it('made no request to another host and logged no console error', async () => {
    await page.close();
    assert.deepEqual(foreignRequests(ctx.requests, server.base), []);
    // The refused login answers with an error status, which Chromium logs; nothing else may.
    const expected = new RegExp(`^console error on ${server.base}/admin/login: .*status of 4\\d\\d`);
    assert.deepEqual(ctx.problems.filter((m) => !expected.test(m)), []);
  });
});

describe('console, JavaScript off', () => {
  let ctx;
  let page;

  before(async () => {
    ctx = await newContext(browser, { javaScriptEnabled: false });
    page = await ctx.context.newPage();
  });
  after(() => ctx?.context.close());

  it('the login page has no serious axe violation', async () => {
    const res = await page.goto(`${server.base}/admin/login`);
    assert.equal(res.status(), 200);
    await screenshot(page, 'console-nojs-login');
    await assertAccessible(page, 'the login page');
  });

  it('a wrong password shows the error summary naming the field', async () => {
    await wrongPassword(page, 'console-nojs-login-error');
  });

  it('admin logs in and sees the dashboard (工作台)', async () => {
    await logIn(page, ADMIN);
    await screenshot(page, 'console-nojs-dashboard');
    await assertAccessible(page, 'the dashboard');
  });

  it('logs out, after which /admin asks for the login again', async () => {
    await logOutAndCheck(page);
  });

  it('made no request to another host', async () => {
    await page.close();
    assert.deepEqual(foreignRequests(ctx.requests, server.base), []);
  });
});
