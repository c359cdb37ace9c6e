import test from 'ava';
import fc from 'fast-check';
import {BODY_LIMIT, fitBody, parseBody, parseComment, renderBlock, renderBody, renderComment, safeJson, type BlockFields} from '../src/markers.js';

const fields = (over: Partial<BlockFields> = {}): BlockFields => ({
  v: 1,
  id: 'td-abc123',
  row: {id: 'td-abc123', title: 'Fix <b>login</b> `now` -->', status: 'open', acceptance: 'works\n```\n<!-- td:end td-abc123 -->', points: 3},
  deps: ['td-def456'],
  ...over,
});

test('managed block round trip keeps fields and the person text', (t) => {
  const body = renderBody('Person text\n\nwith lines', renderBlock(fields()));
  const p = parseBody(body);
  t.false(p.mangled);
  t.is(p.tdId, 'td-abc123');
  t.is(p.text, 'Person text\n\nwith lines');
  t.deepEqual(p.fields, fields());
});

test('safeJson never contains characters that close comments, HTML or fences', (t) => {
  fc.assert(
    fc.property(fc.string(), (s) => {
      const j = safeJson({s});
      return !/[<>`&]/.test(j) && JSON.parse(j).s === s;
    }),
    {seed: 42, numRuns: 300},
  );
  t.pass();
});

test('any description and acceptance survive render + parse (fixed seed)', (t) => {
  fc.assert(
    fc.property(fc.string({unit: 'grapheme', maxLength: 200}), fc.string({maxLength: 200}), (text, acceptance) => {
      const clean = text.replace(/\r\n?/g, '\n').replace(/\n+$/, '');
      const f = fields({row: {id: 'td-abc123', title: 'x', acceptance}});
      const p = parseBody(renderBody(clean, renderBlock(f)));
      return p.text === clean && p.fields?.row.acceptance === acceptance;
    }),
    {seed: 7, numRuns: 300},
  );
  t.pass();
});

test('CRLF from the web UI reads the same as LF', (t) => {
  const body = renderBody('a\nb', renderBlock(fields())).replace(/\n/g, '\r\n');
  const p = parseBody(body);
  t.is(p.text, 'a\nb');
  t.truthy(p.fields);
});

test('a mangled block (end marker deleted) is reported, text before it kept', (t) => {
  const full = renderBody('keep me', renderBlock(fields()));
  const at = full.lastIndexOf('<!-- td:end td-abc123 -->');
  const body = full.slice(0, at);
  t.false(renderBlock(fields()).slice(0, -30).includes('<!-- td:end td-abc123 -->'), 'markers in visible text are defused');
  const p = parseBody(body);
  t.true(p.mangled);
  t.is(p.tdId, 'td-abc123');
  t.is(p.text, 'keep me');
  t.is(p.fields, undefined);
});

test('a block whose JSON a person broke is mangled, not misread', (t) => {
  const body = renderBody('x', renderBlock(fields())).replace('"points"', '"points');
  t.true(parseBody(body).mangled);
});

test('text a person adds after the block stays in the description', (t) => {
  const body = `${renderBody('before', renderBlock(fields()))}\n\nafter`;
  t.is(parseBody(body).text, 'before\n\nafter');
});

test('no block: the whole body is text', (t) => {
  const p = parseBody('just a person issue');
  t.is(p.tdId, undefined);
  t.false(p.mangled);
  t.is(p.text, 'just a person issue');
});

test('fitBody moves what does not fit into overflow parts, losing nothing', (t) => {
  const text = 'é'.repeat(150_000);
  const acceptance = 'a'.repeat(70_000);
  const fit = fitBody(text, fields({row: {id: 'td-abc123', title: 't', acceptance}}));
  t.true(fit.body.length <= BODY_LIMIT);
  const p = parseBody(fit.body);
  const desc = p.text + fit.overflow.filter((o) => o.field === 'description').map((o) => o.text).join('');
  const acc = fit.overflow.filter((o) => o.field === 'acceptance').map((o) => o.text).join('');
  t.is(desc, text);
  t.is(acc, acceptance);
  t.is(p.fields?.overflow?.description, fit.overflow.filter((o) => o.field === 'description').length);
  for (const o of fit.overflow) t.true(renderComment('overflow', `td-abc123:${o.field}:${o.part}`, 'td-abc123', {field: o.field, part: o.part, text: o.text}).length <= BODY_LIMIT);
});

test('fitBody leaves a body that fits alone', (t) => {
  const fit = fitBody('short', fields());
  t.deepEqual(fit.overflow, []);
  t.is(fit.fields.overflow, undefined);
});

test('record comments carry the record and the marker; visible text is editable', (t) => {
  const rec = {id: 'cm-1234abcd', issue_id: 'td-abc123', text: 'hello `x` -->', created_at: '2026-01-01T00:00:00Z'};
  const body = renderComment('comment', 'cm-1234abcd', 'td-abc123', rec);
  const p = parseComment(body)!;
  t.is(p.kind, 'comment');
  t.is(p.id, 'cm-1234abcd');
  t.is(p.issueId, 'td-abc123');
  t.is(p.text, rec.text);
  t.deepEqual(p.record, rec);
  const edited = parseComment(body.replace('hello', 'bye'))!;
  t.is(edited.text, 'bye `x` -->');
  t.is(parseComment('plain person comment'), undefined);
});

test('handoff and log comments render their lists for people', (t) => {
  const body = renderComment('handoff', 'ho-1', 'td-abc123', {done: '["a","b"]', remaining: ['c'], decisions: null});
  t.true(body.includes('- a') && body.includes('- c'));
  t.deepEqual(parseComment(body)!.record?.remaining, ['c']);
});

test('ids with hyphens, dots and underscores round-trip through the markers', (t) => {
  const f = fields({id: 'td-ptp-48b38b-1', row: {id: 'td-ptp-48b38b-1', title: 'x'}});
  t.is(parseBody(renderBody('t', renderBlock(f))).fields?.id, 'td-ptp-48b38b-1');
  const c = parseComment(renderComment('log', 'lg-a_b.c-1', 'td-ptp-48b38b-1', {id: 'lg-a_b.c-1'}))!;
  t.like(c, {id: 'lg-a_b.c-1', issueId: 'td-ptp-48b38b-1'});
});
