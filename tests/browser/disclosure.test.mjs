// Proactive disclosure end to end in headless Chromium: an editor drafts a notice under a
// catalogue item and a column and attaches a Word file; three different reviewers approve it;
// then a citizen, with JavaScript on and with it off, finds it by a word that is only in the
// attachment, opens the page and downloads the file. axe-core checks the screens on the way.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import { axeViolations, launchBrowser, newContext, screenshot, startServer } from './server.mjs';

let server;
let browser;
const stamp = String(Date.now()).slice(-6);
const TITLE = `关于公布第${stamp}批医保定点零售药店的通知`;
// A word that appears only in the attachment, so finding it proves the attachment was indexed.
const ONLY_IN_FILE = '泉城大药房';

/** A minimal .docx: a stored (uncompressed) zip holding word/document.xml. */
function docx(text) {
  const name = Buffer.from('word/document.xml');
  const data = Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>${text}</w:t></w:r></w:p></w:body></w:document>`,
  );
  const crc = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(name.length, 28);
  const localSize = local.length + name.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12);
  end.writeUInt32LE(localSize, 16);
  return Buffer.concat([local, name, data, central, name, end]);
}

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

let documentPath;

describe('staff publish a document with an attachment through three-stage review', () => {
  let ctx;
  let page;
  before(async () => {
    ctx = await newContext(browser);
    page = await ctx.context.newPage();
  });
  after(() => ctx?.context.close());

  it('the editor drafts it under a catalogue item and a column', async () => {
    await logIn(page, 'ybj_editor');
    await page.goto(`${server.base}/admin/documents/new`);
    await page.locator('#f-title').fill(TITLE);
    await page.locator('#f-genre').selectOption({ label: '通知公告' });
    await page.locator('#f-topic').selectOption({ label: '卫生、体育' });
    await page.locator('#f-catalogue_item_id').selectOption({ label: '定点医药机构 / 定点医药机构名单' });
    await page.locator('#f-column_id').selectOption({ label: '定点医药机构' });
    await page.locator('#f-body').fill('<p>现将新增医保定点零售药店名单予以公布，名单见附件。</p>');
    await clickAndWait(page, page.getByRole('button', { name: '保存草稿' }), (u) => /^\/admin\/documents\/\d+$/.test(u.pathname));
    documentPath = new URL(page.url()).pathname.replace('/admin', '');
    await assertAccessible(page, 'the draft');
  });

  it('attaches a Word file whose text the checks read', async () => {
    await page.locator('#f-file').setInputFiles({
      name: '新增定点零售药店名单.docx',
      mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      buffer: docx(`历下区：${ONLY_IN_FILE}（泺源大街店）`),
    });
    await clickAndWait(page, page.getByRole('button', { name: '上传', exact: true }), (u) => u.searchParams.get('notice') === 'attachment_added');
    assert.match(await page.locator('main').innerText(), /新增定点零售药店名单\.docx/);
    await clickAndWait(page, page.getByRole('button', { name: '提交初审' }), (u) => u.searchParams.has('notice'));
    await screenshot(page, 'disclosure-submitted');
    await logOut(page);
  });

  it('three different reviewers approve it', async () => {
    for (const reviewer of ['ybj_reviewer1', 'ybj_reviewer2', 'ybj_reviewer3']) {
      await logIn(page, reviewer);
      await page.goto(`${server.base}/admin${documentPath}`);
      await assertAccessible(page, `the review page for ${reviewer}`);
      if (reviewer === 'ybj_reviewer3') {
        // 终审 publishes at once, so it asks to confirm first.
        await page.getByLabel('我确认发布后将立即在门户网站公开').check();
      }
      const button = reviewer === 'ybj_reviewer3' ? '终审并发布' : '审核通过';
      await clickAndWait(page, page.getByRole('button', { name: button }), (u) => u.searchParams.get('notice') === 'document_approve');
      await logOut(page);
    }
    const res = await fetch(`${server.base}/api/v1${documentPath}`);
    assert.equal(res.status, 200, 'published');
    const doc = await res.json();
    assert.match(doc.index_no, /^11370100493836470R\/\d{4}-\d{5}$/);
  });
});

for (const javaScriptEnabled of [true, false]) {
  describe(`a citizen finds it and opens the attachment, JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, () => {
    let ctx;
    let page;
    before(async () => {
      ctx = await newContext(browser, { javaScriptEnabled });
      page = await ctx.context.newPage();
    });
    after(() => ctx?.context.close());

    it('searches by a word only in the attachment, opens the page and the file', async () => {
      // The index follows the database within moments; poll rather than sleep.
      let found = 0;
      for (let i = 0; i < 40 && found === 0; i++) {
        const res = await fetch(`${server.base}/api/v1/search?q=${encodeURIComponent(ONLY_IN_FILE)}`);
        found = (await res.json()).total;
        if (found === 0) await new Promise((r) => setTimeout(r, 250));
      }
      assert.ok(found > 0, 'the attachment text was indexed');

      await page.goto(server.base + '/');
      await page.locator('#masthead-q').fill(ONLY_IN_FILE);
      await clickAndWait(page, page.locator('form.masthead-search').getByRole('button', { name: '搜索' }), (u) => u.pathname === '/search');
      const hit = page.locator('ol.hits a', { hasText: TITLE });
      assert.equal(await hit.count(), 1, 'the notice is among the results');
      await assertAccessible(page, 'the results');
      await clickAndWait(page, hit, (u) => u.pathname === documentPath);
      assert.equal((await page.locator('h1').innerText()).trim(), TITLE);
      const meta = await page.locator('main').innerText();
      assert.match(meta, /索引号/);
      assert.match(meta, /定点医药机构 \/ 定点医药机构名单/, 'the catalogue item is shown');
      await screenshot(page, `disclosure-citizen-${javaScriptEnabled ? 'js' : 'nojs'}`);
      await assertAccessible(page, 'the document page');

      // Attachments are listed by title, with their type and size.
      const link = page.getByRole('link', { name: '新增定点零售药店名单', exact: true });
      const listed = await page.locator('.file-list li', { has: link }).innerText();
      assert.match(listed, /新增定点零售药店名单 .+ · [\d.]+ ?(B|KB|MB)/, `attachment listed as: ${listed}`);
      const href = await link.getAttribute('href');
      const file = await page.request.get(server.base + href);
      assert.equal(file.status(), 200);
      assert.equal(file.headers()['content-type'], 'application/vnd.openxmlformats-officedocument.wordprocessingml.document');
      assert.ok((await file.body()).includes(Buffer.from(ONLY_IN_FILE)), 'the same file comes back');

      // The column it was published into now shows it, dated today.
      const columns = await (await fetch(`${server.base}/api/v1/columns`)).json();
      const column = columns.find((c) => c.name === '定点医药机构');
      await page.goto(server.base + column.url);
      assert.equal(await page.locator('.doc-list a', { hasText: TITLE }).count(), 1);
    });
  });
}
