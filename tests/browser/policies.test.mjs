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
