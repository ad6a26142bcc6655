import { chromium } from 'playwright-core';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage({ viewport: { width: 390, height: 900 } });
await page.goto('http://127.0.0.1:18080' + process.argv[2]);
console.log(await page.evaluate((process_sel) => {
  const out = [document.documentElement.scrollWidth];
  const main = document.querySelector(process_sel);
  for (const child of [...main.children]) {
    const d = child.style.display; child.style.display = 'none';
    out.push(`${child.tagName}.${child.className}: ${document.documentElement.scrollWidth}`);
    child.style.display = d;
  }
  return out;
}, process.argv[3] || 'main'));
await browser.close();
