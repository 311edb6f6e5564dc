// The public portal in headless Chromium: every page with JavaScript on and off, the
// elder-friendly mode (适老化), keyboard use and a phone-sized screen. axe-core checks WCAG 2.1
// A/AA on each page, and no request may leave the test server (the portal must work air-gapped).
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

let server;
let browser;
const units = {};
let column;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  const res = await fetch(`${server.base}/api/v1/units?per_page=200`);
  assert.equal(res.status, 200, 'GET /api/v1/units');
  const { items } = await res.json();
  for (const name of ['济南市人民政府', '济南市医疗保障局']) {
    const unit = items.find((u) => u.name === name);
    assert.ok(unit, `demo data has no unit named ${name}`);
    units[name] = unit.id;
  }
  const columns = await (await fetch(`${server.base}/api/v1/columns?unit=${units['济南市医疗保障局']}`)).json();
  column = columns.find((c) => c.kind === 'special');
  assert.ok(column, 'the demo has special columns');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// Every portal page; `path` may be a function for ids known only once the server runs.
const PAGES = [
  { path: '/', label: '/' },
  { path: '/gongkai' },
  { path: '/hudong' },
  { path: '/gongkai/guide' },
  { path: '/gongkai/rules' },
  { path: '/gongkai/catalogue' },
  { path: '/gongkai/annual-reports' },
  { path: '/requests' },
  { path: '/interpretations' },
  { path: '/policies' },
  { path: '/consultations' },
  { path: '/open-days' },
  { path: '/live' },
  { path: '/meetings' },
  { path: '/invest', building: true },
  { path: '/units' },
  { path: () => `/units/${units['济南市人民政府']}`, label: '/units/<id> 济南市人民政府', h1: '济南市人民政府' },
  { path: () => `/units/${units['济南市医疗保障局']}`, label: '/units/<id> 济南市医疗保障局', h1: '济南市医疗保障局' },
  { path: () => `/units/${units['济南市医疗保障局']}/catalogue`, label: '/units/<id>/catalogue', h1: '法定主动公开内容' },
  { path: () => `/gongkai/guide?unit=${units['济南市医疗保障局']}`, label: '/gongkai/guide?unit=<id>', h1: '政府信息公开指南' },
  { path: () => column.url, label: '/columns/<id>' },
  { path: '/sitemap' },
  { path: `/search?q=${encodeURIComponent('医保')}`, label: '/search?q=医保' },
  { path: '/about' },
  { path: '/contact' },
  { path: '/accessibility' },
  { path: '/no-such-page', label: '/no-such-page (404 page)', status: 404 },
];

const shotName = (prefix, path) =>
  `${prefix}${path === '/' ? '-home' : decodeURIComponent(path).replace(/[/?=&]+/g, '-')}`;

for (const javaScriptEnabled of [true, false]) {
  const mode = javaScriptEnabled ? 'JavaScript on' : 'JavaScript off';
  describe(`portal pages, ${mode}`, () => {
    let ctx;
    let page;
    before(async () => {
      ctx = await newContext(browser, { javaScriptEnabled });
      page = await ctx.context.newPage();
    });
    after(() => ctx?.context.close());

    for (const p of PAGES) {
      const status = p.status ?? 200;
      it(`${p.label ?? p.path} loads (${status}), has one h1 and no serious axe violation`, async () => {
        const path = typeof p.path === 'function' ? p.path() : p.path;
        const firstRequest = ctx.requests.length;
        const firstProblem = ctx.problems.length;
        const res = await page.goto(server.base + path);
        assert.equal(res.status(), status, `status of ${path}`);
        assert.equal(res.headers()['content-type'], 'text/html; charset=utf-8');

        assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
        assert.ok((await page.title()).includes('济南市人民政府'), `title of ${path}: ${await page.title()}`);
        assert.equal(await page.locator('h1').count(), 1, `${path} should have exactly one h1`);
        const h1 = (await page.locator('h1').innerText()).trim();
        assert.ok(h1.length > 0, `${path} has an empty h1`);
        if (p.h1) assert.ok(h1.includes(p.h1), `h1 of ${path} is “${h1}”`);
        if (p.building) assert.ok((await page.locator('main').innerText()).includes('本栏目正在建设中'));
        // The stylesheet arrived and applies (the browser's default body margin is 8px).
        assert.equal(await page.evaluate(() => getComputedStyle(document.body).marginTop), '0px');
        assert.equal(await page.locator('main#main').count(), 1, 'the skip link needs main#main');

        await screenshot(page, shotName(javaScriptEnabled ? 'portal-js' : 'portal-nojs', path));
        const violations = await axeViolations(page);
        assert.deepEqual(violations, [], `axe on ${path} (${mode}):\n${violations.join('\n')}`);

        assert.deepEqual(foreignRequests(ctx.requests.slice(firstRequest), server.base), []);
        const problems = ctx.problems
          .slice(firstProblem)
          .filter((m) => !(status === 404 && /status of 404/.test(m)));
        assert.deepEqual(problems, [], `console errors on ${path}`);
      });
    }

    it('sent every request to the test server only (works air-gapped)', async () => {
      await page.close(); // lets late requests (favicon and the like) be counted
      assert.ok(ctx.requests.length >= PAGES.length, `only ${ctx.requests.length} requests recorded`);
      assert.deepEqual(foreignRequests(ctx.requests, server.base), []);
      assert.deepEqual(ctx.problems.filter((m) => !/status of 404/.test(m)), []);
    });
  });
}

describe('elder-friendly mode (适老化)', () => {
  const toggle = 'a[data-elder-toggle]';
  const isElder = (page) => page.evaluate(() => document.documentElement.classList.contains('elder'));
  const rootFontSize = (page) => page.evaluate(() => getComputedStyle(document.documentElement).fontSize);
  const elderCookie = async (context) => (await context.cookies()).find((c) => c.name === 'gk_elder')?.value;

  it('JavaScript on: the toggle switches at once, survives a reload and switches back', async () => {
    const { context, requests, problems } = await newContext(browser);
    try {
      const page = await context.newPage();
      const path = '/gongkai/guide';
      await page.goto(server.base + path);
      assert.equal(await isElder(page), false);
      assert.equal(await rootFontSize(page), '16px');
      assert.equal((await page.locator(toggle).innerText()).trim(), '长辈版（大字、高对比度）');

      // A marker in the window shows that the switch happens without loading a new page.
      await page.evaluate(() => (window.__samePage = true));
      await page.locator(toggle).click();
      await page.waitForFunction(() => document.documentElement.classList.contains('elder'));
      assert.equal(await page.evaluate(() => window.__samePage), true, 'the page was reloaded');
      assert.equal(new URL(page.url()).pathname, path);
      assert.equal(await rootFontSize(page), '20px', 'elder styles apply');
      assert.equal((await page.locator(toggle).innerText()).trim(), '返回标准版');
      assert.equal(await elderCookie(context), '1');
      await screenshot(page, 'elder-js-switched-on');

      const res = await page.reload();
      assert.match(await res.text(), /<html lang="zh-CN" class="elder">/, 'the server renders elder mode');
      assert.equal(await isElder(page), true);
      assert.equal(await rootFontSize(page), '20px');
      assert.equal((await page.locator(toggle).innerText()).trim(), '返回标准版');

      await page.evaluate(() => (window.__samePage = true));
      await page.locator(toggle).click();
      await page.waitForFunction(() => !document.documentElement.classList.contains('elder'));
      assert.equal(await page.evaluate(() => window.__samePage), true, 'the page was reloaded');
      assert.equal(await rootFontSize(page), '16px');
      assert.equal((await page.locator(toggle).innerText()).trim(), '长辈版（大字、高对比度）');
      assert.equal(await elderCookie(context), '0');
      const back = await page.reload();
      assert.doesNotMatch(await back.text(), /class="elder"/);
      assert.equal(await isElder(page), false);

      assert.equal(requests.filter((u) => u.includes('/preferences/elder')).length, 0, 'JS should not navigate');
      assert.deepEqual(foreignRequests(requests, server.base), []);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it('JavaScript off: the toggle link goes through the server and returns to the same page', async () => {
    const { context, requests } = await newContext(browser, { javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      const path = `/units/${units['济南市医疗保障局']}`;
      await page.goto(server.base + path);
      assert.equal(await isElder(page), false);

      for (const on of [true, false]) {
        const navigated = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame() });
        await page.locator(toggle).click();
        await navigated;
        await page.waitForLoadState('load');
        const via = requests.filter((u) => u.includes('/preferences/elder')).at(-1);
        assert.ok(via, 'the link goes to /preferences/elder');
        const q = new URL(via).searchParams;
        assert.equal(q.get('on'), on ? '1' : '0');
        assert.equal(q.get('return'), path);
        assert.equal(new URL(page.url()).pathname, path, 'back on the same page');
        assert.equal(await isElder(page), on);
        assert.equal(await rootFontSize(page), on ? '20px' : '16px');
        assert.equal(await elderCookie(context), on ? '1' : '0');
        assert.equal(
          (await page.locator(toggle).innerText()).trim(),
          on ? '返回标准版' : '长辈版（大字、高对比度）',
        );
        await screenshot(page, `elder-nojs-${on ? 'on' : 'off'}`);
      }
      assert.deepEqual(foreignRequests(requests, server.base), []);
    } finally {
      await context.close();
    }
  });

  for (const javaScriptEnabled of [true, false]) {
    const mode = javaScriptEnabled ? 'JavaScript on' : 'JavaScript off';
    it(`no serious axe violation in elder mode (${mode})`, async () => {
      const { context } = await newContext(browser, { javaScriptEnabled });
      try {
        await context.addCookies([{ name: 'gk_elder', value: '1', url: server.base }]);
        const page = await context.newPage();
        const paths = ['/', '/units', `/units/${units['济南市医疗保障局']}`, `/search?q=${encodeURIComponent('医保')}`];
        for (const path of paths) {
          const res = await page.goto(server.base + path);
          assert.equal(res.status(), 200);
          assert.equal(await isElder(page), true, `${path} is in elder mode`);
          if (path === '/') await screenshot(page, `elder-${javaScriptEnabled ? 'js' : 'nojs'}-home`);
          const violations = await axeViolations(page);
          assert.deepEqual(violations, [], `axe on ${path} in elder mode:\n${violations.join('\n')}`);
        }
      } finally {
        await context.close();
      }
    });
  }
});

describe('keyboard', () => {
  for (const javaScriptEnabled of [true, false]) {
    const mode = javaScriptEnabled ? 'JavaScript on' : 'JavaScript off';
    it(`the first Tab reaches the skip link and Enter moves to the main content (${mode})`, async () => {
      const { context } = await newContext(browser, { javaScriptEnabled });
      try {
        const page = await context.newPage();
        await page.goto(`${server.base}/`);
        await page.keyboard.press('Tab');
        const first = await page.evaluate(() => {
          const el = document.activeElement;
          const box = el.getBoundingClientRect();
          return {
            skip: el.matches('a.skip-link'),
            href: el.getAttribute('href'),
            text: el.textContent.trim(),
            onScreen: box.top >= 0 && box.left >= 0 && box.bottom <= innerHeight && box.width > 0,
          };
        });
        assert.deepEqual(first, { skip: true, href: '#main', text: '跳到主要内容', onScreen: true });
        await screenshot(page, `keyboard-skip-link-${javaScriptEnabled ? 'js' : 'nojs'}`);

        await page.keyboard.press('Enter');
        await page.waitForURL((u) => u.hash === '#main');
        assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
        // The focused main content keeps its colours (it is not a control) and stays readable.
        assert.equal(
          await page.evaluate(() => getComputedStyle(document.activeElement).backgroundColor),
          'rgba(0, 0, 0, 0)',
        );
        await screenshot(page, `keyboard-skip-link-target-${javaScriptEnabled ? 'js' : 'nojs'}`);
        const violations = await axeViolations(page);
        assert.deepEqual(violations, [], `axe with the focus on main:\n${violations.join('\n')}`);
        // The next Tab continues inside the main content, past the toolbar and navigation.
        await page.keyboard.press('Tab');
        assert.equal(await page.evaluate(() => !!document.activeElement.closest('main')), true);
      } finally {
        await context.close();
      }
    });
  }

  it('the first 15 Tab stops all show a visible focus indicator', async () => {
    const { context } = await newContext(browser);
    try {
      const page = await context.newPage();
      await page.goto(`${server.base}/`);
      const seen = new Set();
      for (let i = 1; i <= 15; i++) {
        await page.keyboard.press('Tab');
        const f = await page.evaluate(() => {
          const el = document.activeElement;
          const s = getComputedStyle(el);
          const path = [];
          for (let n = el; n && n !== document.body; n = n.parentElement) {
            path.unshift(n.tagName.toLowerCase() + (n.id ? `#${n.id}` : '') + (n.className && typeof n.className === 'string' ? `.${n.className.trim().split(/\s+/).join('.')}` : ''));
          }
          const box = el.getBoundingClientRect();
          return {
            desc: `${path.join(' > ')} “${(el.textContent || el.getAttribute('aria-label') || el.name || '').trim().slice(0, 30)}”`,
            key: path.join('>') + (el.getAttribute('href') || el.name || ''),
            isBody: el === document.body,
            outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0,
            shadow: s.boxShadow !== 'none',
            outlineDesc: `outline ${s.outlineStyle} ${s.outlineWidth}, box-shadow ${s.boxShadow}`,
            visible: box.width > 0 && box.height > 0,
          };
        });
        assert.equal(f.isBody, false, `Tab stop ${i} lost the focus`);
        assert.ok(!seen.has(f.key), `Tab stop ${i} repeats ${f.desc}`);
        seen.add(f.key);
        assert.ok(f.visible, `Tab stop ${i} is not rendered: ${f.desc}`);
        assert.ok(f.outline || f.shadow, `Tab stop ${i} has no visible focus indicator: ${f.desc} (${f.outlineDesc})`);
        if (i === 6) await screenshot(page, 'keyboard-focus-6th-stop');
      }
    } finally {
      await context.close();
    }
  });
});

describe('phone-sized screen (390×844)', () => {
  const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
  const paths = () => [
    '/',
    '/gongkai',
    '/units',
    `/units/${units['济南市医疗保障局']}`,
    `/search?q=${encodeURIComponent('医保')}`,
    '/sitemap',
  ];

  it('the home page and other wide pages have no horizontal scrolling', async () => {
    const { context } = await newContext(browser, phone);
    try {
      const page = await context.newPage();
      for (const path of paths()) {
        await page.goto(server.base + path);
        const m = await page.evaluate(() => ({
          scrollWidth: document.documentElement.scrollWidth,
          bodyScrollWidth: document.body.scrollWidth,
          innerWidth: window.innerWidth,
          culprits: [...document.querySelectorAll('body *')]
            .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(0, 5)
            .map((el) => `${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).split(' ').join('.') : ''}`),
        }));
        assert.equal(m.innerWidth, 390, 'the viewport meta tag keeps the layout at device width');
        assert.ok(
          m.scrollWidth <= m.innerWidth + 1 && m.bodyScrollWidth <= m.innerWidth + 1,
          `${path} scrolls sideways: scrollWidth ${m.scrollWidth} > ${m.innerWidth}; widest: ${m.culprits.join(', ')}`,
        );
        await screenshot(page, shotName('phone', path));
      }
      // The main navigation stays reachable on a phone, behind the 「菜单」 disclosure.
      await page.goto(`${server.base}/`);
      assert.equal(await page.locator('nav.mainnav').isVisible(), false, 'the wide navigation bar is folded away');
      const menuLink = page.locator('.phone-menu nav a', { hasText: '政务公开' }).first();
      assert.equal(await menuLink.isVisible(), false);
      await page.locator('.phone-menu > summary').click();
      assert.equal(await menuLink.isVisible(), true);
    } finally {
      await context.close();
    }
  });
});

describe('test harness', () => {
  for (const javaScriptEnabled of [true, false]) {
    const mode = javaScriptEnabled ? 'JavaScript on' : 'JavaScript off';
    it(`axe reports a planted violation (${mode})`, async () => {
      const { context } = await newContext(browser, { javaScriptEnabled });
      try {
        const page = await context.newPage();
        await page.goto(`${server.base}/about`);
        await page.evaluate(() => {
          const input = document.createElement('input');
          input.type = 'text';
          input.id = 'planted-unlabelled';
          document.querySelector('main').append(input);
        });
        const violations = await axeViolations(page);
        assert.equal(violations.length, 1, violations.join('\n'));
        assert.match(violations[0], /^label \(critical\)/);
        assert.match(violations[0], /#planted-unlabelled/);
      } finally {
        await context.close();
      }
    });
  }
});
