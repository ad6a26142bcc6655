// Loads Tequio's pages in Debian's Chromium and fails on any WCAG 2.1 A/AA violation axe-core finds.
// Usage: node axe.mjs BASE_URL [ADMIN_EMAIL ADMIN_PASSWORD]
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';

const [base, email, password] = process.argv.slice(2);
const publicPages = ['/', '/sujetos', '/sujetos?tipo=municipality', '/sujetos/1', '/buscar?q=juarez', '/bitacora', '/acerca',
  '/organizaciones', '/organizaciones/1', '/entrar', '/registro', '/contrasena/olvide', '/no-existe',
  '/contacto', '/privacidad', '/accesibilidad', '/terminos'];
const adminPages = ['/admin', '/admin/usuarios', '/admin/usuarios/1', '/admin/organizaciones', '/admin/sujetos/1',
  '/admin/sujetos/importar', '/admin/correo', '/cuenta', '/admin/sitio', '/admin/sitio/paginas/privacidad', '/admin/estilo'];

// Transparency pages of a demo publication, found through the API.
const hit = (await (await fetch(`${base}/api/v1/records/search?q=oaxaca&limit=1`)).json())[0];
if (!hit) throw new Error('the demo has no published records');
const transparencyPages = ['/marco', '/marco/1', '/marco/formatos/8', `/sujetos/${hit.subject_id}/obligaciones`,
  `/sujetos/${hit.subject_id}/obligaciones/8`, `/publicaciones/${hit.publication_id}`,
  `/publicaciones/${hit.publication_id}?q=oaxaca&orden=-ejercicio`, `/publicaciones/${hit.publication_id}/historial`,
  `/registros/${hit.record_id}`];
publicPages.push(...transparencyPages);

// Open-data catalogue pages of a demo dataset and its resource, found through the CKAN API.
const pkg = (await (await fetch(`${base}/api/3/action/package_show?id=presupuesto-egresos-2025`)).json()).result;
const resourcePath = `/datos/${pkg.name}/recursos/${pkg.resources[0].id}`;
const catalogPages = ['/datos', '/datos?etiqueta=presupuesto', '/datos/temas', `/datos/${pkg.name}`, resourcePath,
  `${resourcePath}?orden=-aprobado&f_capitulo=1000`];
const obligationDataset = (await (await fetch(`${base}/api/v1/datasets?obligations=true&per_page=1`)).json()).items[0].name;
catalogPages.push('/datos?origen=obligaciones', `/datos/${obligationDataset}`, '/portales', '/portales/obra-publica-oaxaca-de-juarez');
publicPages.push(...catalogPages);
adminPages.push(`/sujetos/${pkg.organization.id}/datos/nuevo`, `/datos/${pkg.name}/editar`, `/datos/${pkg.name}/recursos/nuevo`,
  `${resourcePath}/editar`, '/portales/nuevo', '/portales/obra-publica-oaxaca-de-juarez/editar');
adminPages.push('/admin/marco/importar', '/admin/marco/formatos/8/editar', '/admin/marco/obligaciones/8/editar', `/sujetos/${hit.subject_id}/aplicabilidad`,
  `/sujetos/${hit.subject_id}/tokens`, `/sujetos/${hit.subject_id}/obligaciones/8/publicar`, `/registros/${hit.record_id}/corregir`);

// Collegiate bodies, sessions, agreements and calls of the demo's Technical Secretariat.
const stga = '/organos/secretariado-tecnico-oaxaca';
publicPages.push('/organos', stga, `${stga}/sesiones/2026/1`, `${stga}/sesiones/2026/2`, '/organos/mesa-obra-publica-abierta',
  '/acuerdos', '/acuerdos?vencidos=1', '/acuerdos/1', '/convocatorias', '/convocatorias/mesa-obra-publica-abierta',
  '/convocatorias/integracion-secretariado-2027', '/instrumentos', '/instrumentos/convenio-datos-abiertos-obra-publica',
  '/eventos', '/eventos/capacitacion-datos-abiertos-2026', '/constancias', '/constancias/NO-EXISTE');
adminPages.push('/instrumentos/nuevo', '/instrumentos/declaratoria-gobierno-abierto-oaxaca', '/eventos/nuevo',
  '/eventos/capacitacion-datos-abiertos-2026');
adminPages.push('/organos/nuevo', stga, `${stga}/editar`, `${stga}/sesiones/nueva`, `${stga}/sesiones/2026/2`, '/acuerdos/1',
  '/convocatorias/nueva', '/convocatorias/mesa-obra-publica-abierta', '/convocatorias/integracion-secretariado-2027');

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
let failures = 0;

// Pages are checked a few at a time (the server and Chromium each have cores to spare while
// the other works); each report line names its page, so the order does not matter.
const AT_ONCE = 3;
// Every page is measured at a desktop's and a phone's width; TEQUIO_SCREENSHOTS=dir keeps a
// screenshot of each.
const WIDTHS = [1280, 390];
const shots = process.env.TEQUIO_SCREENSHOTS;

async function checkOne(context, path, label) {
  const page = await context.newPage();
  const response = await page.goto(base + path);
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  for (const v of results.violations) {
    failures++;
    console.log(`FAIL ${label} ${path}: ${v.id} (${v.impact}) ${v.help}`);
    for (const n of v.nodes.slice(0, 5)) console.log(`     ${n.target.join(' ')}: ${n.failureSummary.replace(/\n/g, ' ')}`);
  }
  // The page itself must never scroll sideways, on a desktop or on a 390-pixel phone (wide
  // tables scroll inside their own frame, which does not count).
  const widths = [];
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    if (overflow > 0) {
      failures++;
      // The widest elements that are not inside a frame of their own that scrolls.
      const culprits = await page.evaluate(() => [...document.querySelectorAll('body *')]
        .filter((e) => !e.parentElement.closest('.scroll'))
        .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .reverse()
        .slice(0, 3).map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : '')));
      console.log(`FAIL ${label} ${path}: ${overflow} px wider than a ${width} px screen (${culprits.join(', ')})`);
    }
    if (shots) await page.screenshot({ path: `${shots}/${label}${path.replace(/[^a-z0-9]+/gi, '_')}-${width}.png`, fullPage: true });
    widths.push(width);
  }
  console.log(`${label} ${path} [${response.status()}]: ${results.violations.length} violations, ${results.passes.length} rules passed, fits ${widths.join(' and ')} px`);
  await page.close();
}

// TEQUIO_AXE_ONLY=/acuerdos,/organos/nuevo checks only those pages (while fixing them).
const only = process.env.TEQUIO_AXE_ONLY ? process.env.TEQUIO_AXE_ONLY.split(',') : null;

async function check(context, paths, label) {
  const queue = paths.filter((p) => !only || only.includes(p));
  const worker = async () => {
    for (let path = queue.shift(); path !== undefined; path = queue.shift()) await checkOne(context, path, label);
  };
  await Promise.all(Array.from({ length: AT_ONCE }, worker));
}

const visitor = await browser.newContext();
await check(visitor, publicPages, 'es');
const english = await browser.newContext({ locale: 'en-GB', extraHTTPHeaders: { 'Accept-Language': 'en-GB,en' } });
await check(english, ['/', '/sujetos', '/entrar', transparencyPages[5], transparencyPages[3], '/datos', resourcePath, stga, '/acuerdos', '/convocatorias/mesa-obra-publica-abierta'], 'en');
if (email && password) {
  const admin = await browser.newContext();
  const page = await admin.newPage();
  await page.goto(base + '/entrar');
  await page.fill('#email', email);
  await page.fill('#password', password);
  await Promise.all([page.waitForNavigation(), page.click('form.stack button[type=submit]')]);
  await page.close();
  await check(admin, adminPages, 'admin');
}
await browser.close();
console.log(failures ? `${failures} accessibility violations` : 'no accessibility violations');
process.exit(failures ? 1 : 0);
