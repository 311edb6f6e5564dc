// The policy calculator with JavaScript off, on a phone (320 px, elder mode) and at 390 px: an
// enterprise fills in what it knows, sends the form, and reads the three groups with their
// reasons; nothing scrolls sideways and axe finds nothing.
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

for (const [width, elder] of [
  [320, true],
  [390, false],
]) {
  describe(`the calculator at ${width} px${elder ? ' in elder mode' : ''}, JavaScript off`, () => {
    it('finds the policies of a software company in 历城区 and says why', async () => {
      const { context, requests } = await newContext(browser, {
        javaScriptEnabled: false,
        viewport: { width, height: 844 },
        isMobile: true,
        hasTouch: true,
      });
      try {
        if (elder) await context.addCookies([{ name: 'gk_elder', value: '1', url: server.base }]);
        const page = await context.newPage();
        await page.goto(`${server.base}/policies/calculator`);
        await page.selectOption('#f-district', '370112');
        await page.fill('#f-industry', 'I6510');
        await page.fill('#f-employees', '80');
        await page.fill('#f-revenue_wan', '3000');
        await page.fill('#f-rd_expense_wan', '400');
        await page.fill('#f-rd_ratio_pct', '13');
        await page.check('input[name="qualifications"][value="tech_sme"]');
        await Promise.all([page.waitForURL(/\/policies\/calculator$/), page.click('button[type="submit"]:has-text("开始测算")')]);
        const heading = await page.locator('#result-title').innerText();
        assert.match(heading, /测算结果/);
        const eligible = await page.locator('h3', { hasText: '符合条件的政策' }).innerText();
        const count = Number(eligible.match(/（(\d+) 项）/)[1]);
        assert.ok(count >= 3, `only ${count} eligible policies`);
        assert.ok(await page.getByText('研发投入不低于50万元（企业情况：400万元）').count() > 0, 'a reason with the figure');
        assert.ok(await page.getByText('测算为小型企业').count() > 0, 'the derived size is explained');
        assert.ok((await page.locator('.calc-result li', { hasText: '还需填写' }).count()) > 0, 'possible ones say what to add');
        const m = await page.evaluate(() => ({
          scrollWidth: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
          innerWidth: window.innerWidth,
        }));
        assert.ok(m.scrollWidth <= m.innerWidth, `the result scrolls sideways: ${m.scrollWidth} > ${m.innerWidth}`);
        const violations = await axeViolations(page);
        assert.deepEqual(violations, [], `axe on the result:\n${violations.join('\n')}`);
        await screenshot(page, `policy-calculator-${width}${elder ? '-elder' : ''}`);
        assert.deepEqual(foreignRequests(requests, server.base), []);
      } finally {
        await context.close();
      }
    });

    it('a wrong figure is named next to its field', async () => {
      const { context } = await newContext(browser, { javaScriptEnabled: false, viewport: { width, height: 844 } });
      try {
        const page = await context.newPage();
        await page.goto(`${server.base}/policies/calculator`);
        await page.fill('#f-employees', '-3');
        await page.click('button[type="submit"]:has-text("开始测算")');
        assert.ok(await page.locator('#f-employees-error').isVisible());
        assert.equal(await page.locator('#f-employees').getAttribute('aria-invalid'), 'true');
      } finally {
        await context.close();
      }
    });
  });
}

describe('an editor drafts a policy with the condition builder, JavaScript off', () => {
  it('previews the rule in words, saves and submits it; the pages fit a phone', async () => {
    const ctx = await newContext(browser, { javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
    try {
      const page = await ctx.context.newPage();
      await page.goto(`${server.base}/admin/login`);
      await page.locator('#f-username').fill('ybj_editor');
      await page.locator('#f-password').fill('Gongkai-ybj_editor-2026');
      await Promise.all([page.waitForURL((u) => u.pathname === '/admin'), page.getByRole('button', { name: '登录' }).click()]);
      await page.goto(`${server.base}/admin/policies/new`);
      await page.fill('#f-title', '历下区历城区研发投入奖励');
      await page.selectOption('#f-c0_field', 'district');
      await page.selectOption('#f-c0_op', 'in');
      await page.fill('#f-c0_value', '370102、370112');
      await page.fill('#f-c1_group', '2');
      await page.selectOption('#f-c1_field', 'qualifications');
      await page.selectOption('#f-c1_op', 'contains');
      await page.fill('#f-c1_value', 'high_tech');
      await page.fill('#f-c2_group', '2');
      await page.selectOption('#f-c2_field', 'rd_ratio');
      await page.selectOption('#f-c2_op', '>=');
      await page.fill('#f-c2_value', '5%');
      await page.getByRole('button', { name: '预览适用条件' }).click();
      const preview = await page.locator('p.note[role="status"]').innerText();
      assert.equal(preview, '预览：注册地在历下区或历城区，且为高新技术企业或研发投入占比不低于5%');
      const violations = await axeViolations(page);
      assert.deepEqual(violations, [], `axe on the policy form:\n${violations.join('\n')}`);
      for (const width of [390, 320]) {
        await page.setViewportSize({ width, height: 844 });
        const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
        assert.ok(scroll <= inner, `the policy form scrolls sideways at ${width} px: ${scroll} > ${inner}`);
        await screenshot(page, `policy-form-${width}`);
      }
      await Promise.all([
        page.waitForURL((u) => /^\/admin\/policies\/\d+$/.test(u.pathname)),
        page.getByRole('button', { name: '保存草稿' }).click(),
      ]);
      assert.match(await page.locator('main').innerText(), /注册地在历下区或历城区，且为高新技术企业或研发投入占比不低于5%/);
      await Promise.all([page.waitForURL(/notice=policy_submit/), page.getByRole('button', { name: '提交审核' }).click()]);
      assert.match(await page.locator('main').innerText(), /待初审/);
      const after = await axeViolations(page);
      assert.deepEqual(after, [], `axe on the policy page:\n${after.join('\n')}`);
    } finally {
      await ctx.context.close();
    }
  });
});
