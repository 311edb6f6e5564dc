// Helpers for the browser tests: start the gongkai binary on a fresh data directory, launch
// Debian's headless Chromium (never a downloaded browser), record network traffic, run axe-core
// and save screenshots for people to look at.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const require = createRequire(import.meta.url);

export const ARTIFACTS = join(here, 'artifacts');

/** Starts `gongkai serve --demo` on a free port; resolves to `{ base, stop }` once it listens. */
export async function startServer({ timeoutMs = 30_000 } = {}) {
  const bin = resolve(root, process.env.GONGKAI_BIN || 'target/debug/gongkai');
  const dataDir = await mkdtemp(join(tmpdir(), 'gongkai-browser-'));
  const child = spawn(bin, ['--data-dir', dataDir, 'serve', '--demo', '--addr', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    // Keep only the tail: the server logs every request.
    stderr = (stderr + chunk).slice(-20_000);
  });
  child.stdout.setEncoding('utf8');

  const exited = new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
  // Never leave a server behind, even when the test process dies of an uncaught error.
  const killOnExit = () => {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  exited.then(() => process.removeListener('exit', killOnExit));
  let base;
  try {
    base = await new Promise((ready, fail) => {
      const timer = setTimeout(
        () => fail(new Error(`gongkai did not print its address within ${timeoutMs} ms\n${stdout}\n${stderr}`)),
        timeoutMs,
      );
      child.once('error', (e) => {
        clearTimeout(timer);
        fail(new Error(`cannot start ${bin}: ${e.message} (build it with \`cargo build -p gongkai\`)`));
      });
      exited.then(({ code, signal }) => {
        clearTimeout(timer);
        fail(new Error(`gongkai exited early (code ${code}, signal ${signal})\n${stdout}\n${stderr}`));
      });
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        const m = stdout.match(/门户网站：(http:\/\/[^\s/]+)\//);
        if (m) {
          clearTimeout(timer);
          ready(m[1]);
        }
      });
    });
  } catch (e) {
    child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
    throw e;
  }
  // The listener is bound before the address is printed; wait until it answers all the same.
  await waitForHttp(`${base}/`, timeoutMs);

  let stopped;
  const stop = () =>
    (stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dataDir, { recursive: true, force: true });
    })());
  return { base, stop, logs: () => ({ stdout, stderr }) };
}

async function waitForHttp(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { redirect: 'manual' });
      await res.arrayBuffer();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`${url} does not answer: ${e.message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Launches Debian's Chromium headless; set CHROMIUM to use another binary. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

// Contexts made with `javaScriptEnabled: false`: axe needs the timer shim below in their pages.
const noScript = new WeakSet();

/**
 * A new browser context that records every request, console error and page error. The page's
 * Content-Security-Policy stays in force, so a CSP violation shows up as a console error.
 */
export async function newContext(browser, options = {}) {
  const context = await browser.newContext({ locale: 'zh-CN', ...options });
  if (options.javaScriptEnabled === false) noScript.add(context);
  const requests = [];
  const problems = [];
  context.on('request', (r) => requests.push(r.url()));
  context.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error on ${m.page()?.url()}: ${m.text()}`);
  });
  context.on('weberror', (e) => problems.push(`page error: ${e.error().message}`));
  return { context, requests, problems };
}

/** Requests that left the test server (the product must work without the internet). */
export function foreignRequests(requests, base) {
  const origin = new URL(base).origin;
  return requests.filter((u) => {
    if (u.startsWith('data:') || u.startsWith('blob:') || u === 'about:blank') return false;
    try {
      return new URL(u).origin !== origin;
    } catch {
      return true;
    }
  });
}

let axeSource;
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

/**
 * Runs axe-core on the page (WCAG 2.0/2.1 A and AA) and returns its serious and critical
 * violations as readable lines; an empty array means none.
 *
 * Playwright evaluates outside the page's own scripts and CSP, so this works with JavaScript
 * disabled too, except that Chromium then never fires timers, animation frames or
 * queueMicrotask callbacks, which axe waits on. In such a page (no script of the product runs
 * there) timers and frames are first replaced by promise callbacks, which do run; the long
 * timeouts that axe keeps only as guards are dropped.
 */
export async function axeViolations(page) {
  axeSource ??= await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  const hasAxe = await page.evaluate(() => typeof window.axe === 'object');
  if (!hasAxe) {
    if (noScript.has(page.context())) {
      await page.evaluate(() => {
        window.setTimeout = (fn, ms, ...args) => {
          if (!(ms > 1) && typeof fn === 'function') Promise.resolve().then(() => fn(...args));
          return 0;
        };
        window.clearTimeout = () => {};
        window.requestAnimationFrame = (fn) => {
          Promise.resolve().then(() => fn(performance.now()));
          return 0;
        };
        window.cancelAnimationFrame = () => {};
      });
    }
    await page.evaluate(axeSource);
  }
  const run = page.evaluate(
    (tags) =>
      window.axe
        .run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })
        .then((r) =>
          r.violations.map((v) => ({
            id: v.id,
            impact: v.impact,
            help: v.help,
            nodes: v.nodes.map((n) => ({
              target: n.target.join(' '),
              html: n.html.slice(0, 160),
              summary: (n.failureSummary || '').replace(/\s+/g, ' '),
            })),
          })),
        ),
    AXE_TAGS,
  );
  let timer;
  const violations = await Promise.race([
    run,
    new Promise((_, fail) => {
      timer = setTimeout(() => fail(new Error(`axe did not finish within 30 s on ${page.url()}`)), 30_000);
    }),
  ]).finally(() => clearTimeout(timer));
  // Every impact counts, minor and moderate included (the portal is meant to have none).
  return violations
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help}\n` +
        v.nodes.map((n) => `    at ${n.target}: ${n.html}\n      ${n.summary}`).join('\n'),
    );
}

/** Saves a full-page screenshot for people to look at; the tests never depend on it. */
export async function screenshot(page, name) {
  const file = join(ARTIFACTS, `${name.replace(/[^\w\u4e00-\u9fff.-]+/g, '_').replace(/^_+|_+$/g, '') || 'page'}.png`);
  try {
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: file, fullPage: true });
  } catch (e) {
    process.stderr.write(`(screenshot ${file} not saved: ${e.message})\n`);
  }
  return file;
}

const CN = { 零: 0, 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };
function cnNumber(w) {
  if (!w.includes('十')) return CN[w];
  const [tens, ones] = w.split('十');
  return (tens ? CN[tens] : 1) * 10 + (ones ? CN[ones] : 0);
}

/** Answers the public forms' challenge: “十三加五等于多少？” → "18". */
export function solve(question) {
  const m = question.match(/^\s*([零一二三四五六七八九十]+)(加|减)([零一二三四五六七八九十]+)等于多少/);
  if (!m) throw new Error(`question “${question}”`);
  return String(m[2] === '加' ? cnNumber(m[1]) + cnNumber(m[3]) : cnNumber(m[1]) - cnNumber(m[3]));
}
