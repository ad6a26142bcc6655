import { chromium } from 'playwright-core';
const [path, width, height, out] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage({ viewport: { width: +width, height: +height } });
await page.goto('http://127.0.0.1:18080' + path);
if (process.argv[6]) await page.evaluate((s) => document.querySelector(s).scrollIntoView(), process.argv[6]);
await page.screenshot({ path: out });
await browser.close();
