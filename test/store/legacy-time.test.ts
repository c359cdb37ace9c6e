/**
 * Migration 36's timestamp repair: which values td treats as Go `time.String()` output, and the
 * canonical text they become (wall clock, full fraction and numeric offset kept).
 */
import test from 'ava';
import fc from 'fast-check';
import {canonicalTdTime, looksLikeGoTimeString} from '../../packages/td-sync-cli/src/store/index.js';

const cases: Array<[string, boolean, string | undefined]> = [
  // value, looks like Go String(), canonical
  ['2026-02-03 20:53:53.519728 -0800 PST m=+0.036937834', true, '2026-02-03 20:53:53.519728-08:00'],
  ['2026-07-18 07:29:04.7 -0700 PDT m=+0.1', true, '2026-07-18 07:29:04.7-07:00'],
  ['2026-02-03 20:56:37.390155 -0800 PST m=+404.154416376', true, '2026-02-03 20:56:37.390155-08:00'],
  ['2026-02-03 20:53:53 +0530 IST', true, '2026-02-03 20:53:53+05:30'],
  ['2026-02-04 08:00:00 +0000 UTC', true, '2026-02-04 08:00:00+00:00'],
  ['2026-02-04 08:00:00 +0000 +0000', true, '2026-02-04 08:00:00+00:00'],
  ['2026-02-04 08:00:00.120000000 -0300 -0300 m=-1.5', true, '2026-02-04 08:00:00.12-03:00'],
  ['2026-02-04 08:00:00.123456789123 +0100 CET', true, '2026-02-04 08:00:00.123456789+01:00'],
  ['2026-02-04 08:00:00 +0100 CEST', true, '2026-02-04 08:00:00+01:00'],
  // canonical and other td layouts are left alone by migration 36
  ['2026-03-01 10:00:00.123456789-08:00', false, '2026-03-01 10:00:00.123456789-08:00'],
  ['2026-03-01T18:00:00.123456789Z', false, '2026-03-01 18:00:00.123456789+00:00'],
  ['2026-03-01 18:00:00', false, '2026-03-01 18:00:00+00:00'],
  ['2026-03-01', false, '2026-03-01 00:00:00+00:00'],
  // unparsable: looks like a Go string but the date is impossible, or the zone name is not one Go reads
  ['2026-02-30 10:00:00 -0800 PST', true, undefined],
  ['2026-02-03 25:00:00 -0800 PST m=+1', true, undefined],
  ['2026-02-03 10:00:00 -0800 pst', true, undefined],
  ['not a time', false, undefined],
];

for (const [value, looks, canonical] of cases) {
  test(`legacy time: ${value}`, (t) => {
    t.is(looksLikeGoTimeString(value), looks);
    t.is(canonicalTdTime(value), canonical);
  });
}

test('property: a Go String() rendering becomes the canonical text of the same instant, and is idempotent', (t) => {
  const arb = fc.record({
    ms: fc.integer({min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 11, 31)}),
    nanos: fc.integer({min: 0, max: 999_999}),
    offsetMin: fc.integer({min: -12 * 60, max: 14 * 60}).map((m) => m - (m % 15)),
    zone: fc.constantFrom('PST', 'UTC', 'CET', 'CEST', 'AEST', ''),
    mono: fc.option(fc.double({min: -1000, max: 1000, noNaN: true}), {nil: undefined}),
  });
  fc.assert(
    fc.property(arb, ({ms, nanos, offsetMin, zone, mono}) => {
      const local = new Date(ms + offsetMin * 60_000);
      const pad = (n: number, w = 2) => String(n).padStart(w, '0');
      const wall = `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())} ${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
      const fraction = `${pad(local.getUTCMilliseconds(), 3)}${pad(nanos, 6)}`.replace(/0+$/, '');
      const sign = offsetMin < 0 ? '-' : '+';
      const oh = pad(Math.floor(Math.abs(offsetMin) / 60));
      const om = pad(Math.abs(offsetMin) % 60);
      const go = `${wall}${fraction ? `.${fraction}` : ''} ${sign}${oh}${om} ${zone || `${sign}${oh}${om}`}${mono === undefined ? '' : ` m=${mono < 0 ? '-' : '+'}${Math.abs(mono).toFixed(9)}`}`;
      const out = canonicalTdTime(go);
      const expected = `${wall}${fraction ? `.${fraction}` : ''}${offsetMin === 0 ? '+' : sign}${oh}:${om}`;
      if (!looksLikeGoTimeString(go)) return false;
      if (out !== expected) return false;
      // same instant (to the millisecond JS can hold)
      if (new Date(out.replace(' ', 'T')).getTime() !== ms) return false;
      // a second pass (td re-runs are no-ops) finds nothing to rewrite
      return !looksLikeGoTimeString(out) && canonicalTdTime(out) === out;
    }),
    {seed: 20261125, numRuns: 500},
  );
  t.pass();
});
