// report.html in a real browser (Chromium driven by playwright-core), offline: the interactive
// map draws, a layer switches off and on, a click on a deployment shows its figures, the page
// fits at 1,400, 800 and 420 px wide, and it prints to PDF.
// Usage: node report.js PLAYWRIGHT_CORE_DIR CHROMIUM REPORT_HTML OUT_DIR
const [playwrightDir, chromiumPath, report, outDir] = process.argv.slice(2);
const { chromium } = require(playwrightDir);
const fs = require('fs');
const path = require('path');

function check(condition, message) {
  if (!condition) throw new Error(message);
}

(async () => {
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const context = await browser.newContext({ offline: true, viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const remote = [];
    page.on('request', (r) => { if (!/^(file|data|about|blob):/.test(r.url())) remote.push(r.url()); });
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto('file://' + path.resolve(report));
    await page.waitForFunction(() => window.dzaLiveMap && document.querySelectorAll('#live-map path.leaflet-interactive').length > 0, null, { timeout: 30000 });
    check(errors.length === 0, 'script errors: ' + errors.join('; '));

    // Switching a layer off removes its shapes; on again brings them back.
    const shapes = () => page.evaluate(() => document.querySelectorAll('#live-map .leaflet-map-pane path').length);
    const coverage = page.locator('.leaflet-control-layers-overlays label', { hasText: /^\s*Coverage( \(at [0-9]+ m\))?\s*$/ });
    check(await coverage.count() === 1, 'no Coverage entry in the layer control');
    const before = await shapes();
    await coverage.locator('input').uncheck();
    const off = await shapes();
    check(off < before, `switching Coverage off left ${off} of ${before} shapes`);
    await coverage.locator('input').check();
    check(await shapes() === before, 'switching Coverage on again did not bring its shapes back');

    // A click on a deployment opens its pop-up with its name and figures.
    const target = await page.evaluate(() => {
      // The deployment farthest on screen from any other, so that the click is its own.
      const map = window.dzaLiveMap.map;
      const markers = [];
      window.dzaLiveMap.overlays['Deployments'].eachLayer((l) => { if (l.feature && l.getLatLng) markers.push(l); });
      let found = null, best = -1;
      for (const m of markers) {
        const a = map.latLngToContainerPoint(m.getLatLng());
        let nearest = Infinity;
        for (const n of markers) if (n !== m) nearest = Math.min(nearest, a.distanceTo(map.latLngToContainerPoint(n.getLatLng())));
        if (nearest > best) { best = nearest; found = m; }
      }
      const p = map.latLngToContainerPoint(found.getLatLng());
      const box = document.getElementById('live-map').getBoundingClientRect();
      return { x: box.left + p.x, y: box.top + p.y, name: found.feature.properties.name };
    });
    await page.mouse.click(target.x, target.y);
    const popup = page.locator('.leaflet-popup-content');
    await popup.waitFor({ timeout: 5000 });
    const text = await popup.innerText();
    check(text.includes(target.name), `the pop-up does not name ${target.name}: ${text}`);
    check(/radius_km|check|role/.test(text), 'the pop-up shows no figures: ' + text);

    // Legible at three widths: nothing wider than the window (wide tables scroll in their box).
    for (const width of [1400, 800, 420]) {
      await page.setViewportSize({ width, height: 900 });
      await page.waitForTimeout(200);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      check(overflow <= 1, `at ${width} px the page is ${overflow} px wider than the window`);
      await page.screenshot({ path: path.join(outDir, `report-${width}.png`), fullPage: width === 420 });
    }

    // Print: the static map and the tables, with table headers that repeat.
    await page.emulateMedia({ media: 'print' });
    check(await page.evaluate(() => getComputedStyle(document.getElementById('live-map')).display === 'none'), 'the interactive map is printed');
    check(await page.evaluate(() => getComputedStyle(document.querySelector('thead')).display === 'table-header-group'), 'table headers do not repeat in print');
    const pdf = path.join(outDir, 'report.pdf');
    await page.pdf({ path: pdf, format: 'A4', printBackground: true });
    const head = fs.readFileSync(pdf).subarray(0, 5).toString();
    check(head === '%PDF-' && fs.statSync(pdf).size > 50000, 'no PDF printed');
    check(remote.length === 0, 'requests to the network: ' + remote.join(', '));
    console.log(`report in Chromium: map drawn (${before} shapes), layer toggled, pop-up for ${target.name}, 3 widths, PDF ${fs.statSync(pdf).size} bytes`);
  } finally {
    await browser.close();
  }
})().catch((e) => { console.error(String(e && e.stack || e)); process.exit(1); });
