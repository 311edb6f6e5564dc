// The portal on a phone (320 and 390 px wide), plain and in elder mode, with JavaScript off:
// nothing scrolls sideways on any public page, the header stays compact, search results come
// before the filters, label/value tables reflow, each unit has one 政府信息公开 home whose pages
// share its left navigation, and axe finds nothing of any impact.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { axeViolations, foreignRequests, launchBrowser, newContext, screenshot, startServer } from './server.mjs';

let server;
let browser;
const ids = {};

async function json(path) {
  const res = await fetch(server.base + path);
  assert.equal(res.status, 200, `GET ${path}`);
  return res.json();
}

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  const { items: units } = await json('/api/v1/units?per_page=200');
  for (const [key, name] of [
    ['district', '济南市历下区人民政府'],
    ['bureau', '济南市医疗保障局'],
  ]) {
    const unit = units.find((u) => u.name === name);
    assert.ok(unit, `demo data has no unit named ${name}`);
    ids[key] = unit.id;
  }
  const { items: docs } = await json('/api/v1/documents?per_page=50');
  assert.ok(docs.length > 0, 'the demo has published documents');
  ids.document = docs[0].id;
  const columns = await json(`/api/v1/columns?unit=${ids.bureau}`);
  ids.column = columns.find((c) => c.kind === 'special')?.id;
  assert.ok(ids.column, 'the demo has a special column');
  const { items: policies } = await json('/api/v1/policies?per_page=1');
  assert.ok(policies.length > 0, 'the demo has published policies');
  ids.policy = policies[0].id;
  const { items: quick } = await json('/api/v1/policies?mode=quick_apply&per_page=100');
  ids.quick = quick.find((p) => p.open_now)?.id;
  assert.ok(ids.quick, 'the demo has a quick-apply policy open for claims');
  const { items: award } = await json(`/api/v1/policies?q=${encodeURIComponent('高新技术企业认定奖励')}`);
  ids.exempt = award[0].id;
  const { items: open } = await json('/api/v1/consultations?phase=open');
  ids.open = open[0].id;
  ids.draft = open.find((c) => c.title.includes('物业管理条例'))?.id;
  assert.ok(ids.draft, 'the demo has an open consultation on a draft');
  const { items: closed } = await json('/api/v1/consultations?phase=closed');
  ids.closed = closed[0].id;
  const { items: days } = await json('/api/v1/open-days');
  ids.openDay = days.find((e) => e.phase === 'registration_open' && e.fields.length > 0)?.id;
  ids.pastDay = days.find((e) => e.phase === 'finished')?.id;
  ids.openMonth = days.find((e) => e.series_id)?.series_id;
  assert.ok(ids.openDay && ids.pastDay && ids.openMonth, 'the demo has an open month with open and past events');
  const live = await json('/api/v1/live');
  ids.liveNow = live.find((b) => b.status === 'live')?.id;
  ids.archive = live.find((b) => b.status === 'ended')?.id;
  ids.meeting = live.find((b) => b.status === 'ended')?.subject_id;
  assert.ok(ids.liveNow && ids.archive && ids.meeting, 'the demo has a broadcast on air and an archived meeting');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const publicPages = () => [
  '/',
  '/gongkai',
  '/units',
  `/units/${ids.district}`,
  `/units/${ids.district}/gongkai`,
  `/units/${ids.bureau}/catalogue`,
  '/gongkai/catalogue',
  `/gongkai/catalogue?unit=${ids.bureau}`,
  '/interpretations',
  '/gongkai/guide',
  `/gongkai/guide?unit=${ids.district}`,
  `/gongkai/rules?unit=${ids.district}`,
  `/gongkai/annual-reports?unit=${ids.bureau}`,
  `/documents/${ids.document}`,
  `/columns/${ids.column}`,
  '/requests',
  `/requests?unit=${ids.district}`,
  '/requests/new',
  `/requests/new?unit=${ids.district}`,
  '/search',
  `/search?q=${encodeURIComponent('医保')}`,
  '/subscribe',
  `/subscribe?unit=${ids.district}`,
  '/policies',
  `/policies?mode=exempt_apply&district=370112`,
  `/policies/${ids.policy}`,
  '/policies/calculator',
  `/policies/${ids.exempt}`,
  `/policies/${ids.exempt}/publicity`,
  `/policies/${ids.quick}`,
  `/policies/${ids.quick}/apply`,
  '/policies/claims',
  '/consultations',
  '/consultations?phase=closed',
  `/consultations/${ids.open}`,
  `/consultations/${ids.open}/submit`,
  `/consultations/${ids.draft}/draft`,
  `/consultations/${ids.closed}`,
  `/consultations/${ids.closed}/report`,
  '/consultations/opinions',
  '/concerns',
  '/open-days',
  '/open-days?phase=finished',
  `/open-days/series/${ids.openMonth}`,
  `/open-days/${ids.openDay}`,
  `/open-days/${ids.openDay}/register`,
  `/open-days/${ids.pastDay}`,
  '/open-days/registration',
  '/live',
  `/live/${ids.liveNow}`,
  `/live/${ids.archive}`,
  `/live/${ids.liveNow}/questions`,
  '/meetings',
  `/meetings/${ids.meeting}`,
  '/hudong',
  '/sitemap',
  '/about',
  '/contact',
  '/accessibility',
];

async function phone({ width, elder }) {
  const ctx = await newContext(browser, {
    javaScriptEnabled: false,
    viewport: { width, height: 844 },
    isMobile: true,
    hasTouch: true,
  });
  if (elder) await ctx.context.addCookies([{ name: 'gk_elder', value: '1', url: server.base }]);
  return ctx;
}

async function overflow(page) {
  return page.evaluate(() => ({
    scrollWidth: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
    innerWidth: window.innerWidth,
    culprits: [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}.${String(el.className).split(' ').join('.')}`),
  }));
}

for (const width of [320, 390]) {
  for (const elder of [false, true]) {
    const mode = `${width} px${elder ? ', elder mode' : ''}, JavaScript off`;
    describe(`every public page at ${mode}`, () => {
      it('loads and never scrolls sideways', async () => {
        const { context, requests } = await phone({ width, elder });
        try {
          const page = await context.newPage();
          for (const path of publicPages()) {
            const res = await page.goto(server.base + path);
            assert.equal(res.status(), 200, `status of ${path}`);
            assert.equal(
              await page.evaluate(() => document.documentElement.classList.contains('elder')),
              elder,
              `elder mode on ${path}`,
            );
            const m = await overflow(page);
            assert.equal(m.innerWidth, width);
            assert.ok(
              m.scrollWidth <= m.innerWidth,
              `${path} scrolls sideways at ${mode}: ${m.scrollWidth} > ${m.innerWidth}; widest: ${m.culprits.join(', ')}`,
            );
          }
          assert.deepEqual(foreignRequests(requests, server.base), []);
        } finally {
          await context.close();
        }
      });
    });
  }
}

describe('phone at 390 px in elder mode, JavaScript off', () => {
  let ctx;
  let page;
  before(async () => {
    ctx = await phone({ width: 390, elder: true });
    page = await ctx.context.newPage();
  });
  after(() => ctx?.context.close());

  it('axe finds no violation of any impact on any public page', async () => {
    for (const path of publicPages()) {
      await page.goto(server.base + path);
      const violations = await axeViolations(page);
      assert.deepEqual(violations, [], `axe on ${path}:\n${violations.join('\n')}`);
    }
  });

  it('the header is compact: one row under the toolbar, one search, the menu works without JavaScript', async () => {
    await page.goto(`${server.base}/documents/${ids.document}`);
    const header = await page.locator('header.site-header').boundingBox();
    assert.ok(header.height <= 844 * 0.2, `the header takes ${header.height} px of 844`);
    assert.equal(await page.locator('nav.mainnav').isVisible(), false);
    const visibleSearches = await page.locator('input[type="search"]:visible').count();
    assert.equal(visibleSearches, 0, 'no search box in the folded header of a document page');
    await page.locator('.phone-menu > summary').click();
    assert.equal(await page.locator('#menu-q').isVisible(), true, 'the menu holds the search');
    await page.locator('#menu-q').fill('医保');
    await Promise.all([page.waitForURL(/\/search\?q=/), page.locator('.phone-menu-panel button[type="submit"]').click()]);
    assert.ok((await page.locator('ol.hits li').count()) > 0);
    await page.locator('.phone-menu > summary').click();
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/gongkai'),
      page.locator('.phone-menu nav a', { hasText: '政务公开' }).first().click(),
    ]);
    await screenshot(page, 'phone-elder-gongkai');
  });

  it('search shows the first result on the first screen, before the filters', async () => {
    await page.goto(`${server.base}/search?q=${encodeURIComponent('医疗保障')}`);
    const first = await page.locator('ol.hits li').first().boundingBox();
    const facets = await page.locator('.search-facets').boundingBox();
    assert.ok(first.y < 844, `the first result starts at ${first.y} px, below the first screen`);
    assert.ok(facets.y > first.y, 'the filters come after the results');
    assert.equal((await page.locator('.search-facets > summary').innerText()).trim().startsWith('筛选'), true);
    await screenshot(page, 'phone-elder-search');
  });

  it('the document metadata reads as label and value pairs, labels on one line', async () => {
    await page.goto(`${server.base}/documents/${ids.document}`);
    // Lines of each label's text (the cell itself stretches to its value's height).
    const cells = await page.locator('table.doc-meta th').evaluateAll((ths) =>
      ths.map((th) => {
        const range = document.createRange();
        range.selectNodeContents(th);
        const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        return { text: th.innerText, lines: tops.size };
      }),
    );
    assert.ok(cells.length >= 8);
    for (const c of cells) assert.equal(c.lines, 1, `label 「${c.text}」 wraps over ${c.lines} lines`);
    const dates = await page.locator('table.doc-meta td').evaluateAll((tds) =>
      tds
        .filter((td) => /^\d{4}-\d{2}-\d{2}$/.test(td.innerText.trim()))
        .map((td) => {
          const range = document.createRange();
          range.selectNodeContents(td);
          return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
        }),
    );
    assert.ok(dates.length > 0);
    for (const lines of dates) assert.equal(lines, 1, 'a date splits across lines');
  });

  it('list tables become one card per row with each value named', async () => {
    await page.goto(`${server.base}/interpretations`);
    const row = page.locator('table.stack-table tbody tr').first();
    const display = await row.evaluate((tr) => getComputedStyle(tr).display);
    assert.equal(display, 'block');
    const label = await row
      .locator('td[data-label="发布日期"]')
      .evaluate((td) => getComputedStyle(td, '::before').content);
    assert.match(label, /发布日期/);
  });

  it('the home page lists units grouped and folded, and is at most five screens long', async () => {
    await ctx.context.clearCookies();
    await page.goto(`${server.base}/`);
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    assert.ok(height <= 844 * 5, `the home page is ${(height / 844).toFixed(1)} screens long`);
    const groups = page.locator('details.unit-group');
    assert.ok((await groups.count()) >= 2);
    const departments = groups.filter({ hasText: '市政府部门' });
    assert.equal(await departments.evaluate((d) => d.open), false, 'the long list starts folded');
    await departments.locator('summary').click();
    assert.equal(await departments.locator('a', { hasText: '济南市医疗保障局' }).isVisible(), true);
    await ctx.context.addCookies([{ name: 'gk_elder', value: '1', url: server.base }]);
  });
});

describe("a unit's 政府信息公开 home", () => {
  let ctx;
  let page;
  before(async () => {
    ctx = await phone({ width: 390, elder: false });
    page = await ctx.context.newPage();
  });
  after(() => ctx?.context.close());

  const sectionPages = () => [
    [`/units/${ids.district}/gongkai`, '公开首页'],
    [`/gongkai/guide?unit=${ids.district}`, '政府信息公开指南'],
    [`/gongkai/rules?unit=${ids.district}`, '政府信息公开制度'],
    [`/units/${ids.district}/catalogue`, '法定主动公开内容'],
    [`/gongkai/annual-reports?unit=${ids.district}`, '政府信息公开年报'],
    [`/requests?unit=${ids.district}`, '依申请公开'],
    [`/gongkai/catalogue?unit=${ids.district}`, '全部公开信息'],
  ];

  it('every page of the section has the same left navigation, the current entry marked, and the unit in the breadcrumbs', async () => {
    for (const [path, current] of sectionPages()) {
      await page.goto(server.base + path);
      const nav = page.locator('nav.side-nav');
      assert.equal(await nav.count(), 1, `${path} has the section's navigation`);
      const entries = await nav.locator('li a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      assert.deepEqual(
        entries,
        sectionPages().map(([p]) => p),
        `${path}: the same entries in the same order`,
      );
      const marked = await nav.locator('a[aria-current="page"]').evaluate((a) => a.getAttribute('href'));
      assert.equal(marked, path, `${path}: 「${current}」 is marked as current`);
      const crumbs = await page.locator('nav.breadcrumbs').innerText();
      assert.ok(crumbs.includes('济南市历下区人民政府'), `${path}: the unit is in the breadcrumbs: ${crumbs}`);
      assert.ok(crumbs.includes('政府信息公开'), `${path}: the section is in the breadcrumbs`);
    }
  });

  it('the unit page leads to the section first, and applying keeps the unit chosen', async () => {
    await page.goto(`${server.base}/units/${ids.district}`);
    const entry = page.locator('nav.gongkai-entry');
    const top = await entry.boundingBox();
    assert.ok(top.y < 844 * 1.5, 'the section is near the top of the unit page');
    await Promise.all([page.waitForURL(/\/requests\?unit=/), entry.locator('a', { hasText: '依申请公开' }).click()]);
    await Promise.all([page.waitForURL(/\/requests\/new\?unit=/), page.locator('main a.button', { hasText: '在线申请' }).click()]);
    const chosen = await page.locator('select[name="unit_id"]').evaluate((s) => s.value);
    assert.equal(chosen, String(ids.district));
  });
});

describe('portal conventions', () => {
  let ctx;
  let page;
  before(async () => {
    ctx = await newContext(browser, { javaScriptEnabled: false });
    page = await ctx.context.newPage();
  });
  after(() => ctx?.context.close());

  it('sections still being built are not featured in the menus or on the home page', async () => {
    await page.goto(`${server.base}/`);
    const links = await page
      .locator('header a, nav.mainnav a, main a')
      .evaluateAll((as) => as.map((a) => new URL(a.href).pathname));
    for (const unbuilt of ['/invest']) {
      assert.ok(!links.includes(unbuilt), `${unbuilt} is featured although it is not built`);
    }
    for (const built of ['/gongkai/catalogue', '/requests', '/policies', '/hudong', '/consultations', '/open-days', '/live']) {
      assert.ok(links.includes(built), `${built} is not featured`);
    }
  });

  it('the footer shows the configured identity, well-formed, with the 找错 link', async () => {
    await page.goto(`${server.base}/`);
    const footer = await page.locator('footer').innerText();
    assert.match(footer, /网站标识码：\d{10}/);
    assert.match(footer, /鲁ICP备\d{8}号/);
    assert.match(footer, /鲁公网安备\d{14}号/);
    assert.match(footer, /电子邮箱：[^\s@]+@[^\s@]+\.[a-z]+/);
    assert.doesNotMatch(footer, /XXXX|example\.gov\.cn/);
    assert.equal(await page.locator('footer a', { hasText: '政府网站找错' }).count(), 1);
    assert.equal(await page.locator('footer img[src="/site-badge"]').count(), 0, 'no badge unless one is configured');
  });

  it('订阅 opens an HTML page that explains the feed', async () => {
    await page.goto(`${server.base}/units/${ids.bureau}/gongkai`);
    await Promise.all([page.waitForURL(/\/subscribe/), page.locator('main a', { hasText: /^订阅$/ }).first().click()]);
    assert.equal((await page.locator('h1').innerText()).includes('订阅'), true);
    assert.match(await page.locator('main .secret').innerText(), /\/feeds\/documents\.atom\?unit=\d+$/);
  });

  it('the year filter lists only years that have documents', async () => {
    await page.goto(`${server.base}/gongkai/catalogue?unit=${ids.bureau}`);
    const years = await page
      .locator('#f-year option')
      .evaluateAll((os) => os.map((o) => o.value).filter((v) => v !== ''));
    assert.ok(years.length > 0 && years.length < 10, `years offered: ${years}`);
    for (const y of years) {
      const res = await fetch(`${server.base}/api/v1/documents?unit=${ids.bureau}&year=${y}&per_page=1`);
      const body = await res.json();
      assert.ok(body.total > 0, `year ${y} is offered but has no documents`);
    }
  });

  it('the document list can be filtered by unit', async () => {
    await page.goto(`${server.base}/gongkai/catalogue`);
    await page.locator('#f-unit').selectOption(String(ids.bureau));
    await Promise.all([page.waitForURL(/unit=/), page.locator('main form button[type="submit"]').click()]);
    const publishers = await page.locator('table.stack-table td[data-label="发布机构"]').allInnerTexts();
    assert.ok(publishers.length > 0);
    for (const p of publishers) assert.match(p, /医保|医疗保障/, `a document of ${p} in the bureau's list`);
  });
});
