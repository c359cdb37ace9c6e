/**
 * `td sync` through `dir` SIGKILLed at random points (fixed seeds), half of the kills aimed right
 * after the shared folder grew (between the append and the ack being recorded), then run again:
 * nothing is lost (every project ends with the same tasks, nothing left pending) and nothing is
 * duplicated (every event is stored once in the folder). TD_E2E_RUNS raises the number of seeds.
 */
import test from 'ava';
import {killedTdSync} from '../helpers/kill.js';
import {rng as seeded} from '../helpers/rng.js';
import {difference, folderBytes, query, queryAfterCrash, storedIdentities, syncAll, team, title, type Member} from './dir-helpers.js';

const SEEDS = [1337, 2024, 77, 5150, 31337].slice(0, Math.max(1, Number(process.env.TD_E2E_RUNS ?? 1)));
const ROUNDS = 4;


/** Start `td sync` and SIGKILL it: after `delayMs`, or (aimed) the moment the shared folder grows. */
const killedSync = (m: Member, shared: string, delayMs: number, aimed: boolean) =>
  killedTdSync(m, aimed ? {delayMs: 0, progress: () => folderBytes(shared)} : {delayMs});

/** Events of this project in the folder that its database has not recorded as acknowledged. */
function writtenButUnacked(m: Member, shared: string): number {
  const device = queryAfterCrash<{value: string}>(m, "SELECT value FROM td_sync_meta WHERE key = 'device_id'")[0]?.value;
  if (device === undefined) return 0; // killed before it ever got a device id
  const acked = queryAfterCrash<{n: number}>(m, 'SELECT COUNT(*) AS n FROM td_sync_acks')[0]!.n;
  return [...storedIdentities(shared).keys()].filter((k) => k.startsWith(`${device}/`)).length - acked;
}

function mutate(m: Member, rng: () => number, n: number): void {
  const ids = query<{id: string}>(m, 'SELECT id FROM issues WHERE deleted_at IS NULL ORDER BY id').map((r) => r.id);
  const r = rng();
  const id = ids[Math.floor(rng() * ids.length)];
  if (!id || r < 0.45) m.td(['create', title(m.name, n)]);
  else if (r < 0.7) m.tryTd(['update', id, '--title', `${title(m.name, n)} (edited)`]);
  else if (r < 0.85) m.tryTd(['log', id, `Crash test note ${n} from ${m.name}`]);
  else if (r < 0.95) m.tryTd(['start', id]);
  else m.tryTd(['delete', id]);
}

test('td sync killed at random points, then run again, loses and duplicates nothing', async (t) => {
  t.timeout(SEEDS.length * 180_000); // dozens of td processes per seed; slow on a loaded machine
  for (const seed of SEEDS) {
    const rng = seeded(seed);
    const squad = team(2);
    const [a, b] = squad.members as [Member, Member];
    // Measure how long a sync with work takes here, to spread the random kills over it.
    for (let i = 0; i < 6; i++) mutate(a, rng, i);
    const started = performance.now();
    a.td(['sync']);
    const syncMs = performance.now() - started;
    let kills = 0;
    let aimedKills = 0;
    let windowHits = 0;
    let n = 100;
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < 4; i++) mutate(a, rng, n++);
      for (let i = 0; i < 2; i++) mutate(b, rng, n++);
      for (const m of [a, b]) {
        const aimed = rng() < 0.5;
        const outcome = await killedSync(m, squad.shared, rng() * syncMs * 1.2, aimed);
        if (outcome.killed) kills++;
        if (outcome.killed && aimed) aimedKills++;
        if (outcome.killed && writtenButUnacked(m, squad.shared) > 0) windowHits++;
        m.td(['sync']); // the run after the crash
      }
    }
    syncAll(squad);
    const diff = difference(a, b);
    t.is(diff, undefined, `seed ${seed}: projects differ: ${diff}`);
    const stored = storedIdentities(squad.shared);
    const doubled = [...stored].filter(([, c]) => c > 1).map(([k]) => k);
    t.deepEqual(doubled, [], `seed ${seed}: events stored twice`);
    for (const m of [a, b]) {
      const status = m.td(['sync', '--status', '--json']).json<any>();
      const pending = status.pendingEvents;
      t.is(pending, 0, `seed ${seed}: project ${m.name} still has pending events: ${JSON.stringify(status)}`);
      const device = query<{value: string}>(m, "SELECT value FROM td_sync_meta WHERE key = 'device_id'")[0]!.value;
      const acked = query<{n: number}>(m, 'SELECT COUNT(*) AS n FROM td_sync_acks')[0]!.n;
      const inFolder = [...stored.keys()].filter((k) => k.startsWith(`${device}/`)).length;
      t.is(inFolder, acked, `seed ${seed}: project ${m.name} has ${acked} acknowledged events but the folder holds ${inFolder} of its events`);
    }
    t.log(`seed ${seed}: ${kills} of ${ROUNDS * 2} syncs killed mid-run (${aimedKills} right after the folder grew, ${windowHits} between an append and its ack); typical sync ${syncMs.toFixed(0)} ms; ${stored.size} events in the folder`);
  }
});
