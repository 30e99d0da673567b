// End-to-end test of the Forge extension in Eclipse Theia: the same .vsix as in VS Code, loaded by the Theia browser
// application that test/theia/setup.sh builds, in headless Chromium driven by playwright-core. It checks what a user
// sees: the squiggle and the Problems row (with both shapes) of a shape error, the hover with a shape, the hover with a
// kernel's Tile IR, the Show Tile IR code lens (the IR document opens) and the Run code lens (its result, on the first
// click, with no "command not found").
//
// Usage: node test/theia/e2e.mjs [--vsix PATH] [--keep]
// Needs test/theia/setup.sh to have run. Screenshots go to test/screenshots/theia-*.png. The last line is
// `N passed, M failed`; the exit status is 1 when a check failed (or nothing passed), 2 when the test could not run.
// Environment: FORGE_THEIA_PREFIX (where setup.sh built Theia), FORGE_LAUNCHER (default: the repository's ./forge,
// started with FORGE_NO_BUILD=1 so that it never runs a Maven build).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const ext = path.resolve(here, '..', '..');
const repo = path.resolve(ext, '..');
const argv = process.argv.slice(2);
const option = (o) => (argv.includes(o) ? argv[argv.indexOf(o) + 1] : undefined);
const KEEP = argv.includes('--keep');
const prefix = process.env.FORGE_THEIA_PREFIX || path.join(os.homedir(), '.cache', 'forge-theia');
const app = path.join(prefix, 'app');
const node22 = fs.existsSync(prefix) ? fs.readdirSync(prefix).filter((d) => d.startsWith('node-')).map((d) => path.join(prefix, d, 'bin', 'node')).find((n) => fs.existsSync(n)) : undefined;
const launcher = process.env.FORGE_LAUNCHER || path.join(repo, 'forge');
const shots = path.join(ext, 'test', 'screenshots');
const version = JSON.parse(fs.readFileSync(path.join(ext, 'package.json'), 'utf8')).version;
const vsix = path.resolve(option('--vsix') ?? path.join(ext, `forge-${version}.vsix`));
const started = Date.now();
const log = (m) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${m}`);

const results = [];
async function check(name, fn) {
  try {
    const detail = await fn();
    results.push({ name, ok: true });
    console.log(`PASS ${name}${typeof detail === 'string' && detail ? ` — ${detail}` : ''}`);
    return true;
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name} — ${e instanceof Error ? e.message : String(e)}`);
    return false;
  }
}
const fail = (m) => {
  throw new Error(m);
};

async function waitFor(what, fn, timeoutMs, intervalMs = 250) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) fail(`timed out after ${timeoutMs / 1000}s waiting for ${what}${last ? ` (${last.message})` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

for (const [what, p, fix] of [
  [vsix, vsix, 'npm run package'],
  ['Theia', path.join(app, 'lib', 'backend', 'main.js'), 'test/theia/setup.sh'],
]) {
  if (!fs.existsSync(p)) {
    console.error(`theia-e2e: ${what} is missing (${p}): run ${fix} first`);
    process.exit(2);
  }
}
if (!node22) {
  console.error(`theia-e2e: no Node 22 under ${prefix}: run test/theia/setup.sh first`);
  process.exit(2);
}

// ---- the scratch folder: workspace, plugin, Theia's configuration -----------------------------------------------
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'forge-theia-e2e-'));
const workspace = path.join(scratch, 'samples');
const plugins = path.join(scratch, 'plugins');
const config = path.join(scratch, 'config');
fs.cpSync(path.join(repo, 'samples'), workspace, { recursive: true });
fs.writeFileSync(
  path.join(workspace, 'shape_error.forge'),
  `# shape_error.forge: a matmul whose inner dims differ (D vs K), for the editor test.

@jit
def project(x: Tensor["B", "S", "D", f32], w: Tensor["K", "N", f32]) -> Tensor["B", "S", "N", f32]:
    h = relu(x)
    return h @ w
`
);
// Theia skips a .vsix put into the plugins folder: unpacked with unzip, which keeps the run bit of server/bin/forge.
fs.mkdirSync(path.join(plugins, 'forge-lang.forge'), { recursive: true });
execFileSync('unzip', ['-q', vsix, '-d', path.join(plugins, 'forge-lang.forge')]);
fs.mkdirSync(config, { recursive: true });
fs.writeFileSync(
  path.join(config, 'settings.json'),
  JSON.stringify(
    {
      'forge.server.path': launcher,
      'security.workspace.trust.enabled': false,
      'files.enableTrash': false,
      'editor.hover.delay': 200,
      'editor.minimap.enabled': false,
      'workbench.startupEditor': 'none',
    },
    null,
    2
  )
);
fs.mkdirSync(shots, { recursive: true });
for (const f of fs.readdirSync(shots)) if (f.startsWith('theia-')) fs.rmSync(path.join(shots, f));

let backend;
let browser;
async function cleanup() {
  await browser?.close().catch(() => undefined);
  if (backend && backend.exitCode === null) {
    try {
      process.kill(-backend.pid, 'SIGTERM'); // the process group of the backend we started (plugin host, server)
    } catch {
      // already gone
    }
  }
  if (!KEEP) fs.rmSync(scratch, { recursive: true, force: true });
  else console.log(`scratch kept: ${scratch}`);
}
const watchdog = setTimeout(async () => {
  console.error('theia-e2e: the test ran over 6 minutes; stopping');
  await cleanup();
  process.exit(2);
}, 6 * 60 * 1000);

// ---- helpers on the page -------------------------------------------------------------------------------------------
async function shot(page, name) {
  const file = path.join(shots, `theia-${name}`);
  await page.screenshot({ path: file });
  log(`screenshot ${path.relative(ext, file)}`);
}

const editorSel = '.theia-editor:not(.lm-mod-hidden):not(.p-mod-hidden) .monaco-editor';

async function openFile(page, name) {
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10000 });
  await input.fill(name);
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: name }).first().waitFor({ state: 'visible', timeout: 10000 });
  await page.keyboard.press('Enter');
  await waitFor(`the editor of ${name}`, async () => {
    // The side bar's tab bars have current tabs too: look for the file's among them.
    return (await page.locator('.lm-TabBar-tab.lm-mod-current, .p-TabBar-tab.p-mod-current', { hasText: name }).count()) > 0;
  }, 15000).catch(async (e) => {
    await shot(page, `failed-open-${name}.png`);
    const tabs = await page.locator('[class*="TabBar-tab"]').evaluateAll((els) => els.map((e) => `${e.className}: ${e.textContent}`));
    fail(`${e.message}; tabs: ${JSON.stringify(tabs).slice(0, 600)}`);
  });
  await page.locator(`${editorSel} .view-lines`).first().waitFor({ timeout: 10000 });
}

/** The box of the first whole word `word` on the visible editor line that contains `lineText`. */
async function wordBox(page, lineText, word) {
  return page.evaluate(
    ([sel, lineText, word]) => {
      for (const editor of document.querySelectorAll(sel)) {
        if (!editor.getBoundingClientRect().width) continue;
        for (const line of editor.querySelectorAll('.view-lines .view-line')) {
          const text = line.textContent.replace(/\u00a0/g, ' ');
          if (!text.includes(lineText)) continue;
          const m = new RegExp(`(^|[^A-Za-z0-9_])(${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')})(?![A-Za-z0-9_])`).exec(text);
          if (!m) continue;
          let target = m.index + m[1].length;
          const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            if (target < node.textContent.length) {
              const range = document.createRange();
              range.setStart(node, target);
              range.setEnd(node, Math.min(node.textContent.length, target + word.length));
              const r = range.getBoundingClientRect();
              return { x: r.x, y: r.y, width: r.width, height: r.height };
            }
            target -= node.textContent.length;
          }
        }
      }
      return null;
    },
    [editorSel, lineText, word]
  );
}

/**
 * The box of `word` on the line `lineText`, scrolled into view first when needed: from the top of the file down a
 * page at a time (with the keyboard in the editor).
 */
async function reveal(page, lineText, word) {
  const now = await waitFor(`'${word}' on '${lineText}'`, () => wordBox(page, lineText, word), 2000).catch(() => null);
  if (now) return now;
  await page.keyboard.press('Escape');
  // Focus the visible editor through the element that takes its keyboard input (a click could hit a breadcrumb).
  await page.evaluate((sel) => {
    for (const editor of document.querySelectorAll(sel)) {
      if (!editor.getBoundingClientRect().width) continue;
      editor.querySelector('.native-edit-context, textarea.inputarea, textarea')?.focus();
      return;
    }
  }, editorSel);
  await page.keyboard.press('Control+Home');
  for (let i = 0; i < 12; i++) {
    const box = await waitFor(`'${word}' on '${lineText}'`, () => wordBox(page, lineText, word), 700).catch(() => null);
    if (box) return box;
    await page.keyboard.press('PageDown');
  }
  await shot(page, `failed-reveal-${word}.png`);
  fail(`'${word}' on a line containing '${lineText}' is not in the editor`);
}

/** The hover on `word`: by the mouse, and on alternate tries by the keyboard (Ctrl+K Ctrl+I), until it contains `want`. */
async function hoverText(page, lineText, word, want) {
  let text = '';
  for (let attempt = 0; attempt < 6 && !text.includes(want); attempt++) {
    const box = await reveal(page, lineText, word);
    await page.keyboard.press('Escape');
    if (attempt % 2 === 0) {
      await page.mouse.move(box.x + box.width / 2 + 40, box.y + 80);
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 8 });
    } else {
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      await page.keyboard.press('Control+K');
      await page.keyboard.press('Control+I');
    }
    text = await waitFor('a hover', async () => {
      const t = await page.locator('.monaco-hover:not(.hidden)').first().innerText({ timeout: 500 });
      return t.includes(want) ? t : undefined;
    }, 6000).catch(() => text);
  }
  if (!text.includes(want)) fail(`no '${want}' in the hover: '${text.replace(/\s+/g, ' ').slice(0, 200)}'`);
  return text.replace(/\s+/g, ' ');
}

/** Clicks the lens link `title` nearest above the line containing `defLine`, as soon as it is a link. */
async function clickLens(page, defLine, word, title) {
  await reveal(page, defLine, word);
  const box = await waitFor(`a ${title} lens above '${defLine}'`, async () => {
    const def = await wordBox(page, defLine, word);
    if (!def) return undefined;
    return page.evaluate(
      ([sel, title, defY]) => {
        let best;
        for (const a of document.querySelectorAll(`${sel} .codelens-decoration a`)) {
          const r = a.getBoundingClientRect();
          if (a.textContent.trim() !== title || r.height === 0 || r.y >= defY) continue;
          if (!best || r.y > best.y) best = { x: r.x + r.width / 2, y: r.y + r.height / 2 };
        }
        return best;
      },
      [editorSel, title, def.y]
    );
  }, 60000);
  await page.mouse.click(box.x, box.y);
}

async function notifications(page) {
  return (await page.locator('.theia-notification-list-item, .theia-notification-message').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
}

const COMMAND_NOT_FOUND = /command '[^']*' not found|Actual command not found|not found, wanted to execute/i;

// ---- the test ------------------------------------------------------------------------------------------------------
async function main() {
  const port = await new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
  const out = fs.openSync(path.join(scratch, 'theia.log'), 'w');
  backend = spawn(node22, [path.join(app, 'lib', 'backend', 'main.js'), '--hostname', '127.0.0.1', '--port', String(port), `--plugins=local-dir:${plugins}`, workspace], {
    cwd: app,
    env: { ...process.env, THEIA_CONFIG_DIR: config, FORGE_NO_BUILD: '1', TMPDIR: scratch },
    detached: true,
    stdio: ['ignore', out, out],
  });
  await waitFor('the Theia backend', async () => (await fetch(`http://127.0.0.1:${port}/`)).ok, 60000, 300);
  log(`Theia up on port ${port}`);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  await page.goto(`http://127.0.0.1:${port}/#${workspace}`);
  await page.locator('#theia-app-shell, .theia-ApplicationShell').first().waitFor({ timeout: 60000 });
  await page.locator('.theia-preload').waitFor({ state: 'detached', timeout: 60000 }).catch(() => undefined);
  log('workbench loaded');

  await openFile(page, 'shape_error.forge');
  await check('squiggle under the mismatched matmul (the server started in Theia\'s plugin host)', async () => {
    await page.locator(`${editorSel} .squiggly-error`).first().waitFor({ timeout: 120000 });
    return `${await page.locator(`${editorSel} .squiggly-error`).count()} error squiggle(s)`;
  });
  await shot(page, '01-squiggle.png');

  await check('Problems row names both shapes [B,S,D] and [K,N]', async () => {
    // Ctrl+Shift+M did not open Problems in headless Chromium; the status bar's error counter does.
    await page.locator('#theia-statusBar .element .codicon-error, #theia-statusBar .element .fa-times-circle').first().click();
    const row = await waitFor('a Problems row with both shapes', async () => {
      const rows = await page.locator('.theia-marker-container .markerNode, .theia-marker-container .theia-TreeNode').allInnerTexts();
      return rows.map((r) => r.replace(/\s+/g, ' ')).find((r) => r.includes('[B,S,D]') && r.includes('[K,N]'));
    }, 30000);
    return `'${row.trim().slice(0, 160)}'`;
  });
  await shot(page, '02-problems.png');

  await check('hover on h shows its shape [B,S,D]', async () => `'${(await hoverText(page, 'relu(x)', 'h', '[B,S,D]')).slice(0, 120)}'`);
  await shot(page, '03-hover-shape.png');

  await openFile(page, 'matmul.forge');
  await check('hover on the kernel gemm shows its Tile IR', async () => {
    const t = await hoverText(page, 'def gemm', 'gemm', 'Tile IR');
    return `'${t.slice(t.indexOf('Tile IR'), t.indexOf('Tile IR') + 90)}...'`;
  });
  await shot(page, '04-hover-tile-ir.png');
  await page.keyboard.press('Escape');
  await page.mouse.move(5, 5);

  await check('the Show Tile IR lens of linear opens linear.tile.forge-ir with tile.func', async () => {
    await clickLens(page, 'def linear(', 'linear', 'Show Tile IR');
    const text = await waitFor('tile.func in linear.tile.forge-ir', async () => {
      const titles = await page.locator('[class*="TabBar-tab"]').allInnerTexts();
      if (!titles.some((t) => t.includes('linear.tile.forge-ir'))) return undefined;
      const all = (await page.locator('.monaco-editor .view-lines').allInnerTexts()).join('\n').replace(/\u00a0/g, ' ');
      return all.includes('tile.func @linear') ? all : undefined;
    }, 60000);
    return `'${text.split('\n').find((l) => l.includes('tile.func @linear')).trim().slice(0, 100)}'`;
  });
  await shot(page, '05-show-tile-ir.png');

  await check('the Run lens of linear shows the verified result on the first click', async () => {
    await openFile(page, 'matmul.forge');
    const before = (await notifications(page)).filter((t) => COMMAND_NOT_FOUND.test(t));
    await clickLens(page, 'def linear(', 'linear', 'Run');
    let seen = [];
    const summary = await waitFor('the summary of the run', async () => {
      seen = await notifications(page);
      const lost = seen.find((t) => COMMAND_NOT_FOUND.test(t) && !before.includes(t));
      if (lost) fail(`the click showed '${lost.slice(0, 200)}'`);
      return seen.find((t) => /Forge: linear: /.test(t));
    }, 120000).catch((e) => fail(`${e.message}; notifications: ${JSON.stringify(seen).slice(0, 400)}`));
    return `'${summary.slice(summary.indexOf('Forge: linear'), summary.indexOf('Forge: linear') + 100)}'`;
  });
  await shot(page, '06-run.png');
}

try {
  await main();
} catch (e) {
  results.push({ name: 'the test itself', ok: false });
  console.log(`FAIL the test itself — ${e instanceof Error ? e.stack : String(e)}`);
}
if (results.some((r) => !r.ok)) {
  const theiaLog = path.join(scratch, 'theia.log');
  if (fs.existsSync(theiaLog)) console.log(`--- the end of Theia's log\n${fs.readFileSync(theiaLog, 'utf8').split('\n').slice(-25).join('\n')}`);
}
clearTimeout(watchdog);
await cleanup();
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
