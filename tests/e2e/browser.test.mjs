// A real browser against the real server: Debian's Chromium, driven by playwright-core.
// Two people in two browser contexts, on a page served from an allowed origin, register,
// onboard with fetch(), connect the browser's own WebSocket, queue, both receive match.found,
// and exchange a chat message. A page from an origin not on FP_CORS_ORIGINS can neither call
// the API nor open the socket.
//
// Run by tests/integration/tst_browser_e2e.cpp, which starts the server and passes
// FP_E2E_API_PORT, FP_E2E_PAGE_PORT (allowed origin) and FP_E2E_OTHER_PORT (not allowed).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { chromium } from 'playwright-core';

const apiPort = Number(process.env.FP_E2E_API_PORT);
const pagePort = Number(process.env.FP_E2E_PAGE_PORT);
const otherPort = Number(process.env.FP_E2E_OTHER_PORT);
const api = `http://127.0.0.1:${apiPort}`;
const chromiumPath = process.env.FP_E2E_CHROMIUM || '/usr/bin/chromium';

function servePage(port) {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>friendship e2e</title><p>test page</p>');
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

// Everything below runs inside the page: only browser APIs (fetch, WebSocket).
async function onboardAndQueue({ api, nickname }) {
  const json = async (r) => ({ status: r.status, body: r.status === 204 ? null : await r.json() });
  const email = `${nickname.toLowerCase()}-${crypto.randomUUID()}@example.test`;
  const reg = await json(await fetch(`${api}/api/auth/register`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password: 'a long browser password 1', nickname }),
  }));
  if (reg.status !== 201) return { step: 'register', ...reg };
  const auth = { 'Content-Type': 'application/json', Authorization: `Bearer ${reg.body.access_token}` };
  const catalog = await json(await fetch(`${api}/api/catalog`));
  const pick = (keys) => Object.fromEntries(keys.slice(0, 4).map((k, i) => [k, 90 - i * 5]));
  const profile = await json(await fetch(`${api}/api/profile`, {
    method: 'PUT', headers: auth,
    body: JSON.stringify({
      nickname,
      preferences: {
        conversation_depth: 'deep', contact_frequency: 'weekly', directness_score: 60,
        humor_score: 70, response_pace: 'flexible', group_comfort: 'one_to_one',
        friendship_intention: 'long_term', voice_note_ok: true, timezone: 'UTC',
        availability_windows: [{ day: 'mon', start: '00:00', end: '24:00' },
          { day: 'tue', start: '00:00', end: '24:00' }, { day: 'wed', start: '00:00', end: '24:00' },
          { day: 'thu', start: '00:00', end: '24:00' }, { day: 'fri', start: '00:00', end: '24:00' },
          { day: 'sat', start: '00:00', end: '24:00' }, { day: 'sun', start: '00:00', end: '24:00' }],
      },
      values: pick(catalog.body.values),
      interests: pick(catalog.body.interests),
    }),
  }));
  if (profile.status !== 200 || !profile.body.onboarding_complete) return { step: 'profile', ...profile };

  const frames = [];
  const socket = new WebSocket(`${api.replace('http', 'ws')}/ws`);
  window.__socket = socket;
  window.__frames = frames;
  socket.onmessage = (e) => frames.push(JSON.parse(e.data));
  await new Promise((resolve, reject) => { socket.onopen = resolve; socket.onerror = reject; });
  socket.send(JSON.stringify({ type: 'auth', access_token: reg.body.access_token }));
  const waitFor = async (type, ms = 20000) => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const f = frames.find((x) => x.type === type);
      if (f) return f;
      await new Promise((r) => setTimeout(r, 50));
    }
    return null;
  };
  window.__waitFor = waitFor;
  if (!(await waitFor('auth.ok'))) return { step: 'auth', frames };
  const join = await json(await fetch(`${api}/api/matching/queue/join`, {
    method: 'POST', headers: { ...auth, 'Idempotency-Key': crypto.randomUUID() }, body: '{}',
  }));
  if (join.status !== 202) return { step: 'join', ...join };
  const match = await waitFor('match.found', 30000);
  if (!match) return { step: 'match', frames };
  return { step: 'matched', userId: reg.body.user.id, match, exposed: join.body && true };
}

async function blockedOrigin({ api }) {
  let fetchFailed = false;
  try {
    await fetch(`${api}/api/catalog`);
  } catch {
    fetchFailed = true; // CORS refused: the page cannot read the answer
  }
  const code = await new Promise((resolve) => {
    const socket = new WebSocket(`${api.replace('http', 'ws')}/ws`);
    socket.onclose = (e) => resolve(e.code);
    setTimeout(() => resolve(-1), 10000);
  });
  return { fetchFailed, closeCode: code };
}

test('two people in two browsers meet and chat; another origin is refused', async () => {
  const page = await servePage(pagePort);
  const other = await servePage(otherPort);
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const [alice, bob] = [await browser.newContext(), await browser.newContext()];
    const [pa, pb] = [await alice.newPage(), await bob.newPage()];
    await pa.goto(`http://127.0.0.1:${pagePort}/`);
    await pb.goto(`http://127.0.0.1:${pagePort}/`);
    const [ra, rb] = await Promise.all([
      pa.evaluate(onboardAndQueue, { api, nickname: 'Alice' }),
      pb.evaluate(onboardAndQueue, { api, nickname: 'Bob' }),
    ]);
    assert.equal(ra.step, 'matched', JSON.stringify(ra));
    assert.equal(rb.step, 'matched', JSON.stringify(rb));
    assert.equal(ra.match.match_session_id, rb.match.match_session_id);
    assert.equal(ra.match.conversation_id, rb.match.conversation_id);
    assert.ok(Array.isArray(ra.match.match_reasons) && ra.match.match_reasons.length >= 1);

    const conversationId = ra.match.conversation_id;
    await pa.evaluate(({ conversationId }) => {
      window.__socket.send(JSON.stringify({
        type: 'chat.send', conversation_id: conversationId, client_msg_id: 'hello-1',
        text: 'Hello from a real browser',
      }));
    }, { conversationId });
    const received = await pb.evaluate(async () => window.__waitFor('chat.message'));
    assert.ok(received, 'Bob received no chat.message');
    assert.equal(received.message.text, 'Hello from a real browser');
    assert.equal(received.message.sender, 'peer');
    // Anonymous until reveal: nothing Bob received names Alice.
    const bobFrames = await pb.evaluate(() => JSON.stringify(window.__frames));
    assert.ok(!bobFrames.includes('Alice'), bobFrames);
    assert.ok(!bobFrames.includes(ra.userId), bobFrames);

    const blockedPage = await (await browser.newContext()).newPage();
    await blockedPage.goto(`http://127.0.0.1:${otherPort}/`);
    const refused = await blockedPage.evaluate(blockedOrigin, { api });
    assert.equal(refused.fetchFailed, true);
    assert.equal(refused.closeCode, 1008);
  } finally {
    await browser.close();
    page.close();
    other.close();
  }
});
