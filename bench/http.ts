/**
 * Case 3 — HTTP: N journaled events pushed by the engine through the http backend to the td-sync
 * stand-in (its own process, loopback), then pulled and applied by a second project's engine;
 * versus a raw undici loop sending the same batches (500 events) and reading the same pages (1000).
 *   node --import=tsx bench/http.ts
 */
import {request} from 'undici';
import {toWireEvent, type SyncEvent} from 'td-sync-sdk';
import {N, check, engine, newStore, perSecond, report, startServer, target, time} from './lib.js';
import {buildWorkload, journal} from './workload.js';

const http = (await import('td-sync-backend-http')).default;

export async function httpCase(): Promise<void> {
  const errors: string[] = [];
  const server = await startServer();
  try {
    const w = buildWorkload(N, 23);
    const a = newStore();
    journal(a.db, w.events);
    const b = newStore();
    const config = http.validateConfig({url: server.url, projectId: server.projectId}, {projectRoot: a.root} as never);
    const t = () => target(http, config as Record<string, unknown>, {TD_AUTH_KEY: server.apiKey});

    const push = await time(() => engine.runSync(a, t(), {pull: false}));
    check(errors, 'pushed', push.value.pushed, N);
    check(errors, 'pending after push', push.value.pending, 0);
    if (push.value.stopped) errors.push(`push stopped: ${push.value.stopped.message}`);
    const pull = await time(() => engine.runSync(b, t(), {push: false}));
    check(errors, 'pulled', pull.value.pulled, N);
    check(errors, 'applied', pull.value.applied, N);
    if (pull.value.stopped) errors.push(`pull stopped: ${pull.value.stopped.message}`);
    for (const [table, n] of [['issues', w.issues], ['logs', w.logs], ['issue_dependencies', w.deps]] as const) {
      check(errors, `${table} rows in the pulling project`, (b.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as {n: number}).n, n);
    }
    a.close();
    b.close();

    // Raw loop: the same events (another device, so the server stores them again after seq N).
    const headers = {authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json'};
    const base = `${server.url}/v1/projects/${encodeURIComponent(server.projectId)}/sync`;
    const wire = w.events.map((e: SyncEvent) => toWireEvent(e));
    const rawPush = await time(async () => {
      let acked = 0;
      for (let i = 0; i < wire.length; i += 500) {
        const body = JSON.stringify({device_id: 'c'.repeat(32), session_id: 'ses_rawloop', events: wire.slice(i, i + 500)});
        const res = await request(`${base}/push`, {method: 'POST', headers, body});
        const j = (await res.body.json()) as {acks?: unknown[]};
        if (res.statusCode !== 200) throw new Error(`raw push: HTTP ${res.statusCode} ${JSON.stringify(j).slice(0, 200)}`);
        acked += j.acks?.length ?? 0;
      }
      return acked;
    });
    check(errors, 'raw loop acks', rawPush.value, N);
    const rawPull = await time(async () => {
      let after = N;
      let got = 0;
      for (;;) {
        const res = await request(`${base}/pull?after_server_seq=${after}&limit=1000`, {headers});
        const j = (await res.body.json()) as {events?: unknown[]; last_server_seq?: number; has_more?: boolean};
        if (res.statusCode !== 200) throw new Error(`raw pull: HTTP ${res.statusCode}`);
        got += j.events?.length ?? 0;
        after = j.last_server_seq ?? after;
        if (!j.has_more || !j.events?.length) return got;
      }
    });
    check(errors, 'raw loop pulled', rawPull.value, N);

    const e2e = perSecond(N, push.ms + pull.ms);
    const raw = perSecond(N, rawPush.ms + rawPull.ms);
    report({
      case: `3. http: push then pull ${N.toLocaleString('en-US')} events via the td-sync stand-in (loopback)`,
      figures: [
        {name: 'push (engine + http backend)', value: perSecond(N, push.ms), unit: 'events/s', floor: {name: 'raw undici push loop', value: perSecond(N, rawPush.ms)}, ratio: push.ms > 0 ? rawPush.ms / push.ms : 0},
        {name: 'pull + apply (engine + http backend)', value: perSecond(N, pull.ms), unit: 'events/s', floor: {name: 'raw undici pull loop (no apply)', value: perSecond(N, rawPull.ms)}, ratio: rawPull.ms / pull.ms},
        {
          name: 'end to end (N / (push time + pull time))', value: e2e, unit: 'events/s', floor: {name: 'raw loop', value: raw}, ratio: e2e / raw,
          goal: '>= 20k events/s and <= 2x the raw loop time', met: e2e >= 20_000 && (push.ms + pull.ms) <= 2 * (rawPush.ms + rawPull.ms),
        },
      ],
      notes: [`engine push ${Math.round(push.ms)} ms + pull ${Math.round(pull.ms)} ms; raw push ${Math.round(rawPush.ms)} ms + pull ${Math.round(rawPull.ms)} ms (the stand-in is a Node + SQLite process on the same 2 cores)`],
      errors,
    });
  } finally {
    server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await httpCase();
