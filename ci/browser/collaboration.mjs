// The whole collaboration path in Debian's Chromium, through Tequio's own forms, against a
// server with the demo loaded: a call is published → two organisations apply → a reviewer
// scores → results are published → the working group is constituted → a session is convened →
// attendance and quorum → an agreement is recorded → marked done with evidence → visible on
// the public tracker, in the iCalendar feed and in the Atom feed.
//
// Usage: node collaboration.mjs BASE_URL   with the accounts in the environment:
//   TEQUIO_EDITOR_EMAIL/PASSWORD (a subject editor), TEQUIO_REVIEWER_EMAIL/PASSWORD,
//   TEQUIO_APPLICANT1_EMAIL/PASSWORD and TEQUIO_APPLICANT2_EMAIL/PASSWORD (representatives of
//   two organisations of different sectors).
import { chromium } from 'playwright-core';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const base = process.argv[2];
const env = (k) => { const v = process.env[k]; if (!v) throw new Error(`${k} is not set`); return v; };
const editor = [env('TEQUIO_EDITOR_EMAIL'), env('TEQUIO_EDITOR_PASSWORD')];
const reviewer = [env('TEQUIO_REVIEWER_EMAIL'), env('TEQUIO_REVIEWER_PASSWORD')];
const applicants = [[env('TEQUIO_APPLICANT1_EMAIL'), env('TEQUIO_APPLICANT1_PASSWORD')],
  [env('TEQUIO_APPLICANT2_EMAIL'), env('TEQUIO_APPLICANT2_PASSWORD')]];

// Mexico central time (UTC−6), as <input type="datetime-local"> wants it.
const local = (minutes) => new Date(Date.now() - 6 * 3600e3 + minutes * 60e3).toISOString().slice(0, 16);
const stamp = Date.now().toString(36);
const callName = `mesa-navegador-${stamp}`;
const groupName = `grupo-navegador-${stamp}`;
const dir = mkdtempSync(join(tmpdir(), 'tequio-'));
const letter = join(dir, 'carta.pdf');
writeFileSync(letter, '%PDF-1.4\n% carta de motivos\n%%EOF\n');
const evidence = join(dir, 'evidencia.csv');
writeFileSync(evidence, 'obra,avance\nPuente Norte,100\n');

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});

function expect(condition, message) {
  if (!condition) throw new Error(`FAIL: ${message}`);
  console.log(`ok   ${message}`);
}

/** A signed-in browser context and its page. */
async function signIn([email, password]) {
  const context = await browser.newContext({ locale: 'es-MX' });
  const page = await context.newPage();
  await page.goto(`${base}/entrar`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await Promise.all([page.waitForNavigation(), page.click('form.stack button[type=submit]')]);
  if (page.url().endsWith('/entrar')) {
    // Say what the page said, so a failure can be understood from the log alone.
    const said = await page.evaluate(() => (document.querySelector('.errors, h1') || document.body).innerText);
    console.log(`     the sign-in page answered: ${said.replace(/\s+/g, ' ').slice(0, 300)}`);
  }
  expect(!page.url().endsWith('/entrar'), `${email} signs in`);
  return page;
}

/** Submits the form holding `button` and waits for the next page. */
async function submit(page, button) {
  const [response] = await Promise.all([page.waitForNavigation(), page.click(button)]);
  return response;
}

try {
  // 1. The editor publishes a call for civil society and professional colleges, open now.
  const ed = await signIn(editor);
  await ed.goto(`${base}/convocatorias/nueva`);
  await ed.fill('#title', 'Mesa de prueba en navegador');
  await ed.fill('#name', callName);
  await ed.selectOption('#owner', { index: 0 });
  await ed.selectOption('#target', 'new');
  await ed.fill('#objective', 'Probar el camino completo de una convocatoria.');
  await ed.check('input[name=sectors][value=civil_society]');
  await ed.check('input[name=sectors][value=professional_college]');
  await ed.fill('#required_documents', 'Carta de motivos');
  await ed.fill('#opens_at', local(-60));
  await ed.fill('#closes_at', local(24 * 60));
  await ed.fill('#criteria', 'Experiencia | 40\nPropuesta | 60');
  await ed.fill('#places', '2');
  await submit(ed, 'form.stack button[type=submit]');
  expect(ed.url().endsWith(`/convocatorias/${callName}`), 'the call is published');

  // 2. Two organisations apply, each with its document.
  for (const account of applicants) {
    const page = await signIn(account);
    await page.goto(`${base}/convocatorias/${callName}`);
    await page.fill('#statement', 'Tenemos experiencia en el tema y una propuesta concreta.');
    await page.fill('#titular_name', `Titular de ${account[0]}`);
    await page.fill('#alternate_name', `Suplente de ${account[0]}`);
    await page.setInputFiles('#doc_0', letter);
    const response = await submit(page, '#solicitar ~ form button[type=submit]');
    if (response.status() !== 200 || !(await page.$('#mi-solicitud'))) console.log(response.status(), page.url(), (await page.textContent('main')).slice(0, 3000));
    const mine = await page.textContent('#mi-solicitud + p');
    expect(mine.includes('Pendiente'), `${account[0]} applied and sees the application: ${mine}`);
    await page.context().close();
  }

  // 3. The editor names a reviewer, then closes the call.
  await ed.goto(`${base}/convocatorias/${callName}`);
  await ed.fill('#reviewer-email', reviewer[0]);
  await submit(ed, 'form[action$="/revisores"] button');
  await ed.fill('#re-closes', local(-1));
  await submit(ed, 'form[action$="/fechas"] button');
  expect((await ed.content()).includes('Cerrada'), 'the call is closed');

  // 4. The reviewer scores both applications.
  const rv = await signIn(reviewer);
  await rv.goto(`${base}/convocatorias/${callName}`);
  const forms = await rv.$$eval('form[action$="/calificacion"]', (fs) => fs.map((f) => f.getAttribute('action')));
  expect(forms.length === 2, 'the reviewer sees two applications to score');
  for (const [i, action] of forms.entries()) {
    await rv.goto(`${base}/convocatorias/${callName}`);
    const form = `form[action="${action}"]`;
    await rv.fill(`${form} input[name=score_0]`, String(8 + i));
    await rv.fill(`${form} input[name=comment_0]`, 'Trayectoria clara');
    await rv.fill(`${form} input[name=score_1]`, String(9 - i));
    await submit(rv, `${form} button`);
  }
  expect((await rv.content()).includes('Trayectoria clara'), 'the scores are recorded');

  // 5. The editor accepts both with a reason and publishes the results.
  await ed.goto(`${base}/convocatorias/${callName}`);
  const decisions = await ed.$$eval('form[action$="/decision"]', (fs) => fs.map((f) => f.getAttribute('action')));
  for (const action of decisions) {
    const form = `form[action="${action}"]`;
    await ed.check(`${form} input[value=accepted]`);
    await ed.fill(`${form} textarea[name=reason]`, 'Cumple los requisitos y su propuesta es sólida');
    await submit(ed, `${form} button`);
  }
  await submit(ed, 'form[action$="/resultados"] button');
  expect((await ed.content()).includes('2 solicitudes aceptadas'), 'the results are published');

  // 6. One step: the working group.
  await ed.fill('#group_title', 'Grupo de prueba en navegador');
  await ed.fill('#group_name', groupName);
  await ed.fill('#group_code', `GN${stamp.slice(-4).toUpperCase()}`);
  await submit(ed, 'form[action$="/constituir"] button');
  expect(ed.url().endsWith(`/organos/${groupName}`), 'the working group is constituted');
  const members = await ed.$$eval('#integrantes ~ div table tbody tr', (rows) => rows.length);
  expect(members === 2, 'both organisations hold a seat');

  // 7. The group's new secretary convenes an extraordinary session.
  await ed.goto(`${base}/organos/${groupName}/sesiones/nueva`);
  await ed.check('input[name=kind][value=extraordinary]');
  await ed.fill('#starts_at', local(2 * 24 * 60));
  await ed.fill('#place', 'Sala de juntas');
  await ed.fill('#agenda', '1. Instalación del grupo\n2. Plan de trabajo');
  await submit(ed, 'form.stack button[type=submit]');
  expect(/\/sesiones\/\d+\/1$/.test(ed.url()), 'the session is convened');
  const sessionUrl = ed.url();

  // 8. Attendance: both present; quorum shows.
  for (const radio of await ed.$$('#asistencia ~ form input[value=present]')) await radio.check();
  await submit(ed, '#asistencia ~ form button[type=submit]');
  expect((await ed.content()).includes('Hay quórum'), 'attendance is recorded and quorum is met');

  // 9. An agreement with a responsible member.
  await ed.fill('#text', 'Publicar el inventario de obras en formato abierto');
  await ed.check('input[name=responsible] >> nth=0');
  await ed.fill('#due_on', '2030-01-31');
  await submit(ed, 'form[action$="/acuerdos"] button[type=submit]');
  const agreementHref = await ed.getAttribute('#acuerdos ~ div a[href^="/acuerdos/"]', 'href');
  expect(Boolean(agreementHref), 'the agreement is recorded');

  // 10. Done, with evidence.
  await ed.goto(base + agreementHref);
  await ed.selectOption('#status', 'done');
  await ed.fill('#note', 'Inventario publicado');
  await ed.fill('#evidence_title', 'Inventario de obras');
  await ed.setInputFiles('#file', evidence);
  await submit(ed, 'form[action$="/seguimiento"] button');
  expect((await ed.content()).includes('Inventario de obras'), 'the agreement is done with its evidence');

  // 11. The public sees it: tracker, iCalendar, Atom.
  const visitor = await (await browser.newContext({ locale: 'es-MX' })).newPage();
  await visitor.goto(`${base}/acuerdos?organo=${groupName}&estado=done`);
  expect((await visitor.content()).includes('Publicar el inventario de obras en formato abierto'), 'the public tracker shows it done');
  const ics = await (await fetch(`${base}/organos/${groupName}/calendario.ics`)).text();
  expect(ics.includes('BEGIN:VEVENT') && ics.includes('Grupo de prueba en navegador'), 'the session is in the iCalendar feed');
  const atom = await (await fetch(`${base}/acuerdos.atom`)).text();
  const code = agreementHref && (await (await fetch(base + agreementHref)).text()).match(/class="mono">([^<]+)</)[1];
  expect(atom.includes(code), `the agreement ${code} is in the Atom feed`);
  await visitor.goto(sessionUrl);
  expect((await visitor.content()).includes('Hay quórum'), 'the public session page shows the quorum');
} catch (e) {
  console.error(e.message);
  await browser.close();
  process.exit(1);
}
await browser.close();
console.log('the collaboration path works in a real browser');
