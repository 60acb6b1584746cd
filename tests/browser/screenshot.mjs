#!/usr/bin/env node
// tests/browser/screenshot.mjs - opens one HTML file in the system Chromium
// (/usr/bin/chromium, driven by playwright-core; no browser is ever
// downloaded), takes a full-page screenshot and prints a JSON summary of
// what the browser saw, for C tests to check.
//
//   node tests/browser/screenshot.mjs PAGE OUT.png [WIDTHxHEIGHT] [--pdf OUT.pdf]
//
// PAGE is a file path or a file:// URL; the viewport defaults to 1200x900.
// --pdf also prints the page to a PDF the way a reader's "print" would
// (the page's @page size, backgrounds on).
// Requests for anything but file: and data: URLs are blocked and listed, so
// a page that needs the network shows up as externalRequests, not as a
// silent download. Prints one line of JSON on stdout:
//
//   {"title", "pages" (number of section.page), "tables", "th" (texts of
//    every th in document order), "consoleErrors" (console.error messages,
//    uncaught exceptions, failed requests), "externalRequests",
//    "brokenImages" (img elements that did not decode), "viewport",
//    "scrollWidth", "overflow" (scrollWidth > viewport width + 1),
//    "screenshot", "screenshotBytes", "pdf"}
//
// Exit status: 0 with the JSON, 1 when the browser cannot run (the message
// on stderr names what is missing), 2 for a usage error.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const CHROMIUM = '/usr/bin/chromium';

function die(status, message) {
    process.stderr.write(`screenshot.mjs: ${message}\n`);
    process.exit(status);
}

const args = process.argv.slice(2);
let pdf = null;
const at = args.indexOf('--pdf');
if (at >= 0) {
    pdf = args[at + 1];
    args.splice(at, 2);
}
const [target, out, size = '1200x900'] = args;
if (!target || !out || args.length > 3 || (at >= 0 && !pdf))
    die(2, 'usage: node tests/browser/screenshot.mjs PAGE OUT.png [WIDTHxHEIGHT] [--pdf OUT.pdf]');
const m = /^([0-9]{2,5})x([0-9]{2,5})$/.exec(size);
if (!m)
    die(2, `viewport '${size}' is not WIDTHxHEIGHT (e.g. 390x844)`);
const viewport = { width: Number(m[1]), height: Number(m[2]) };
const url = target.startsWith('file://') ? target : pathToFileURL(resolve(target)).href;
if (!target.startsWith('file://') && !existsSync(target))
    die(2, `page '${target}' does not exist`);

let chromium;
try {
    ({ chromium } = await import('playwright-core'));
} catch (e) {
    die(1, 'playwright-core is not installed in tests/browser/node_modules ' +
        '(run: npm ci --prefix tests/browser)');
}
if (!existsSync(CHROMIUM))
    die(1, `chromium is not installed: ${CHROMIUM} does not exist (run: make deps)`);

let browser;
try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
} catch (e) {
    die(1, `cannot start ${CHROMIUM}: ${String(e.message).split('\n')[0]}`);
}

try {
    const page = await browser.newPage({ viewport });
    const consoleErrors = [];
    const externalRequests = [];
    page.on('console', (msg) => {
        if (msg.type() === 'error')
            consoleErrors.push(msg.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(`uncaught: ${e.message}`));
    page.on('requestfailed', (r) => {
        if (!externalRequests.includes(r.url()))
            consoleErrors.push(`request failed: ${r.url()}`);
    });
    await page.route('**/*', (route) => {
        const u = route.request().url();
        if (u.startsWith('file:') || u.startsWith('data:'))
            return route.continue();
        externalRequests.push(u);
        return route.abort();
    });
    await page.goto(url, { waitUntil: 'load', timeout: 30000 });
    const seen = await page.evaluate(() => ({
        title: document.title,
        pages: document.querySelectorAll('section.page').length,
        tables: document.querySelectorAll('table').length,
        th: Array.from(document.querySelectorAll('th'), (th) => th.textContent.trim()),
        brokenImages: Array.from(document.images)
            .filter((img) => !img.complete || img.naturalWidth === 0)
            .map((img) => img.alt || img.src.slice(0, 40)),
        scrollWidth: document.documentElement.scrollWidth,
    }));
    await page.screenshot({ path: out, fullPage: true });
    // Printing uses the page's own @page size, as a reader's print would.
    if (pdf)
        await page.pdf({ path: pdf, preferCSSPageSize: true, printBackground: true });
    const summary = {
        ...seen,
        consoleErrors,
        externalRequests,
        viewport,
        overflow: seen.scrollWidth > viewport.width + 1,
        screenshot: out,
        screenshotBytes: statSync(out).size,
        pdf,
    };
    process.stdout.write(JSON.stringify(summary) + '\n');
} catch (e) {
    await browser.close();
    die(1, `${url}: ${String(e.message).split('\n')[0]}`);
}
await browser.close();
