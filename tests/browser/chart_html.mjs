#!/usr/bin/env node
// tests/browser/chart_html.mjs - checks the charts of one HTML file from
// the html renderer in the system Chromium (/usr/bin/chromium, driven by
// playwright-core; no browser is ever downloaded), with JavaScript off and
// on, and takes screenshots of both.
//
//   node tests/browser/chart_html.mjs PAGE OUTDIR
//
// PAGE is a file path or a file:// URL. The checks use the first chart
// (figure.q-chart) that has a legend entry and at least two marks:
//
//   JavaScript off: every chart's SVG and data-table summary are visible,
//     the table shows when the summary is clicked (a native <details>),
//     marks carry a <title> (the browser's own tooltip), no tooltip div.
//   JavaScript on: hovering a mark shows a tooltip whose text is the mark's
//     aria-label, leaving it hides it; Tab focuses a mark and shows its
//     tooltip, ArrowRight moves to the next mark of the same chart (and not
//     past its last one), Escape hides the tooltip; clicking a legend entry
//     hides that series' marks and lines (display none) and dims the
//     entry, clicking again shows them; Enter and Space on the focused
//     entry toggle it too. No console errors, no request leaves file:.
//
// Screenshots of that chart: OUTDIR/chart-nojs.png (its data table open),
// chart-js-tip.png (a tooltip on hover), chart-js-focus.png (the first mark
// focused by Tab), chart-js-toggled.png (the first series hidden).
//
// Prints one TAP line per check ("ok - ..." / "not ok - ..." with "#"
// lines saying what differed). Exit status: 0 when every check passed, 1
// when one failed or the browser cannot run, 2 for a usage error.
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const CHROMIUM = '/usr/bin/chromium';
let failures = 0;

function die(status, message) {
    process.stdout.write(`not ok - chart_html.mjs runs\n#   ${message}\n`);
    process.exit(status);
}

function check(what, good, ...details) {
    if (good) {
        process.stdout.write(`ok - ${what}\n`);
        return;
    }
    failures++;
    process.stdout.write(`not ok - ${what}\n`);
    for (const d of details)
        process.stdout.write(`#   ${typeof d === 'string' ? d : JSON.stringify(d)}\n`);
}

const [target, outdir, ...rest] = process.argv.slice(2);
if (!target || !outdir || rest.length > 0)
    die(2, 'usage: node tests/browser/chart_html.mjs PAGE OUTDIR');
const url = target.startsWith('file://') ? target : pathToFileURL(resolve(target)).href;
if (!target.startsWith('file://') && !existsSync(target))
    die(2, `page '${target}' does not exist`);
mkdirSync(outdir, { recursive: true });

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

// A page of its own context; console errors and non-file requests listed.
async function open(javaScriptEnabled) {
    const context = await browser.newContext({ javaScriptEnabled, viewport: { width: 1000, height: 900 } });
    const page = await context.newPage();
    const problems = [];
    page.on('console', (msg) => {
        if (msg.type() === 'error')
            problems.push(`console: ${msg.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
    await page.route('**/*', (route) => {
        const u = route.request().url();
        if (u.startsWith('file:') || u.startsWith('data:'))
            return route.continue();
        problems.push(`request: ${u}`);
        return route.abort();
    });
    await page.goto(url, { waitUntil: 'load', timeout: 30000 });
    return { context, page, problems };
}

// Index (among all figure.q-chart) of the chart the checks use, or -1.
function pickChart(page) {
    return page.evaluate(() => Array.from(document.querySelectorAll('figure.q-chart')).findIndex(
        (f) => f.querySelector('.q-legend') && f.querySelectorAll('.q-mark').length >= 2));
}

// What the page shows of chart `i`: visibility of its parts, the tooltip.
function state(page, i) {
    return page.evaluate((i) => {
        const fig = document.querySelectorAll('figure.q-chart')[i];
        const shown = (el) => {
            if (!el)
                return false;
            for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
                const cs = getComputedStyle(e);
                if (cs.display === 'none' || cs.visibility === 'hidden')
                    return false;
            }
            const r = el.getBoundingClientRect();
            return r.width > 0 && r.height > 0;
        };
        const tip = document.querySelector('.q-tip');
        const active = document.activeElement;
        const marks = Array.from(fig.querySelectorAll('.q-mark'));
        return {
            tip: tip && shown(tip) ? tip.textContent : null,
            active: marks.indexOf(active),
            activeLabel: active ? active.getAttribute('aria-label') : null,
            activeClass: active ? active.getAttribute('class') : null,
            marks: marks.map((m) => ({ s: m.getAttribute('data-s'), label: m.getAttribute('aria-label'), shown: shown(m) })),
            series: Array.from(fig.querySelectorAll('.q-series'), (m) => ({ s: m.getAttribute('data-s'), shown: shown(m) })),
            legends: Array.from(fig.querySelectorAll('.q-legend'), (l) => ({
                s: l.getAttribute('data-s'),
                pressed: l.getAttribute('aria-pressed'),
                opacity: Number(getComputedStyle(l).opacity),
            })),
        };
    }, i);
}

// Screenshot of chart `i` and a margin around it (the tooltip may stand
// out of its box): a real report has hundreds of pages.
async function shot(page, i, name) {
    const box = await page.evaluate((i) => {
        const r = document.querySelectorAll('figure.q-chart')[i].getBoundingClientRect();
        return { x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: r.height };
    }, i);
    const x = Math.max(0, box.x - 40), y = Math.max(0, box.y - 40);
    await page.screenshot({
        path: join(outdir, name),
        fullPage: true,
        clip: { x, y, width: box.width + 80, height: box.height + 80 },
    });
}

// Shown state of every mark and line of series `s`, and of the others.
function seriesShown(st, s) {
    const own = st.marks.filter((m) => m.s === s).concat(st.series.filter((m) => m.s === s));
    const other = st.marks.filter((m) => m.s !== s).concat(st.series.filter((m) => m.s !== s));
    return { own: own.map((m) => m.shown), other: other.map((m) => m.shown) };
}

try {
    // ------------------------------------------------ JavaScript off
    {
        const { context, page, problems } = await open(false);
        const seen = await page.evaluate(() => {
            const figs = Array.from(document.querySelectorAll('figure.q-chart'));
            const shown = (el) => {
                if (!el)
                    return false;
                const cs = getComputedStyle(el);
                const r = el.getBoundingClientRect();
                return cs.display !== 'none' && cs.visibility !== 'hidden' && r.width > 0 && r.height > 0;
            };
            return {
                charts: figs.length,
                svgs: figs.map((f) => shown(f.querySelector(':scope > svg'))),
                summaries: figs.map((f) => shown(f.querySelector('details.q-chart-data > summary'))),
                titled: figs.map((f) => Array.from(f.querySelectorAll('.q-mark')).every(
                    (m) => m.querySelector(':scope > title') &&
                        m.querySelector(':scope > title').textContent === m.getAttribute('aria-label'))),
                tip: document.querySelectorAll('.q-tip').length,
                scripts: document.querySelectorAll('script').length,
            };
        });
        check('JS off: the page has charts', seen.charts > 0, seen);
        check('JS off: every chart SVG is visible', seen.svgs.length > 0 && seen.svgs.every(Boolean), seen.svgs);
        check('JS off: every data table summary is visible', seen.summaries.every(Boolean), seen.summaries);
        check('JS off: every mark has a native tooltip equal to its aria-label', seen.titled.every(Boolean), seen.titled);
        check('JS off: no tooltip element', seen.tip === 0, seen);
        // Open every data table the way a reader would: click its summary.
        const summaries = page.locator('figure.q-chart details.q-chart-data > summary');
        for (let i = 0; i < await summaries.count(); i++)
            await summaries.nth(i).click({ timeout: 5000 });
        const tables = await page.evaluate(() => Array.from(
            document.querySelectorAll('figure.q-chart details.q-chart-data'), (d) => {
                const t = d.querySelector('table');
                const r = t ? t.getBoundingClientRect() : { width: 0, height: 0 };
                return { open: d.open, rows: t ? t.rows.length : 0, visible: r.width > 0 && r.height > 0 };
            }));
        check('JS off: clicking a summary shows its data table',
            tables.length > 0 && tables.every((t) => t.open && t.visible && t.rows > 1), tables);
        check('JS off: no console errors or external requests', problems.length === 0, ...problems);
        const i = await pickChart(page);
        await shot(page, i < 0 ? 0 : i, 'chart-nojs.png');
        await context.close();
    }

    // ------------------------------------------------ JavaScript on
    {
        const { context, page, problems } = await open(true);
        const i = await pickChart(page);
        if (i < 0)
            die(1, 'no chart with a legend entry and two marks (figure.q-chart .q-legend, .q-mark)');
        const fig = page.locator('figure.q-chart').nth(i);
        const marks = fig.locator('.q-mark');
        const legends = fig.locator('.q-legend');
        let st = await state(page, i);
        check('JS on: marks lose their native title (one tooltip at a time)',
            await fig.locator('.q-mark > title').count() === 0);

        // Hover.
        await marks.nth(1).hover({ timeout: 5000 });
        st = await state(page, i);
        check('hovering a mark shows a tooltip with its aria-label',
            st.tip !== null && st.tip === st.marks[1].label, { tip: st.tip, label: st.marks[1].label });
        await shot(page, i, 'chart-js-tip.png');
        await page.mouse.move(2, 2);
        st = await state(page, i);
        check('leaving the mark hides the tooltip', st.tip === null, { tip: st.tip });

        // Keyboard: Tab until a mark of this chart has focus (bounded).
        await page.evaluate(() => document.activeElement && document.activeElement.blur());
        let tabs = 0;
        for (; tabs < 200; tabs++) {
            await page.keyboard.press('Tab');
            st = await state(page, i);
            if (st.active >= 0)
                break;
        }
        check('Tab reaches a mark of the chart', st.active === 0, { tabs, active: st.active, activeClass: st.activeClass });
        await shot(page, i, 'chart-js-focus.png');
        check('a focused mark shows its tooltip', st.tip !== null && st.tip === st.activeLabel,
            { tip: st.tip, label: st.activeLabel });
        await page.keyboard.press('ArrowRight');
        st = await state(page, i);
        check('ArrowRight moves focus to the next mark', st.active === 1 && st.tip === st.marks[1].label,
            { active: st.active, tip: st.tip });
        await page.keyboard.press('ArrowLeft');
        st = await state(page, i);
        check('ArrowLeft moves focus back', st.active === 0, { active: st.active });
        const last = st.marks.length - 1;
        await marks.nth(last).focus();
        await page.keyboard.press('ArrowRight');
        st = await state(page, i);
        check('ArrowRight stays within the chart at its last mark', st.active === last,
            { active: st.active, last, activeClass: st.activeClass });
        await page.keyboard.press('Escape');
        st = await state(page, i);
        check('Escape hides the tooltip', st.tip === null, { tip: st.tip });

        // Legend: click.
        const s = await legends.nth(0).getAttribute('data-s');
        await legends.nth(0).click({ timeout: 5000 });
        st = await state(page, i);
        let sh = seriesShown(st, s);
        check('clicking a legend entry hides its series',
            sh.own.length > 0 && sh.own.every((v) => !v) && sh.other.every(Boolean), sh);
        check('the entry is marked not pressed and dimmed',
            st.legends[0].pressed === 'false' && st.legends[0].opacity < 1, st.legends[0]);
        await page.mouse.move(2, 2);
        await shot(page, i, 'chart-js-toggled.png');
        await legends.nth(0).click({ timeout: 5000 });
        st = await state(page, i);
        sh = seriesShown(st, s);
        check('clicking it again shows the series', sh.own.every(Boolean) && sh.other.every(Boolean), sh);
        check('the entry is pressed again and not dimmed',
            st.legends[0].pressed === 'true' && st.legends[0].opacity === 1, st.legends[0]);

        // Legend: keyboard.
        await legends.nth(0).focus();
        await page.keyboard.press('Enter');
        st = await state(page, i);
        sh = seriesShown(st, s);
        check('Enter on a legend entry hides its series', sh.own.every((v) => !v) && st.legends[0].pressed === 'false', sh);
        // Hidden marks are out of the arrow-key order.
        const firstShown = st.marks.findIndex((m) => m.shown);
        await marks.nth(firstShown).focus();
        await page.keyboard.press('ArrowRight');
        const after = await state(page, i);
        const nextShown = after.marks.findIndex((m, k) => k > firstShown && m.shown);
        check('ArrowRight skips hidden marks', after.active === nextShown, { active: after.active, nextShown });
        await legends.nth(0).focus();
        await page.keyboard.press(' ');
        st = await state(page, i);
        sh = seriesShown(st, s);
        check('Space on a legend entry shows its series again', sh.own.every(Boolean) && st.legends[0].pressed === 'true', sh);
        check('JS on: no console errors or external requests', problems.length === 0, ...problems);
        await context.close();
    }
} catch (e) {
    check('the browser checks run to the end', false, String(e.stack || e.message));
}
await browser.close();
process.exit(failures > 0 ? 1 : 0);
