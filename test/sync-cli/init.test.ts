/** `td sync init` through the built binary: flags only (no TTY), piped answers (--interactive), errors. */
import test from 'ava';
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {basename, join} from 'node:path';
import {isolatedEnv, td, tempDir} from '../helpers/td.js';
import {writeBackendPackage} from '../plugins/packages.js';

const INIT = `{
  questions(context) {
    return [
      {name: 'repo', message: 'Repository (owner/name)', type: 'text', default: context.existing.repo,
       validate: (v) => (/^[\\w.-]+\\/[\\w.-]+$/.test(v) ? undefined : 'expected owner/name')},
      {name: 'labels', message: 'Manage labels?', type: 'confirm', default: true},
      {name: 'mode', message: 'Mode', type: 'select', default: 'mirror', choices: [{value: 'mirror', label: 'Mirror'}, {value: 'two-way', label: 'Two way'}]},
    ];
  },
  async finalize(answers, context) {
    return {repo: answers.repo, labels: answers.labels, mode: answers.mode, root: context.projectRoot.length > 0};
  },
}`;

function project() {
  const dir = tempDir('td-init-');
  mkdirSync(join(dir, '.todos'));
  writeBackendPackage(dir, 'td-sync-backend-hub', {
    displayName: 'Hub Issues',
    init: INIT,
    validate: "if (typeof raw.repo !== 'string') throw new Error('sync.hub.repo is required'); return raw;",
    remoteId: 'return config.repo;',
  });
  const env = isolatedEnv();
  return {dir, env, run: (args: string[], input?: string) => td(dir, args, env, input)};
}

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

test('non-interactive: --backend and --set answer everything; defaults fill the rest', (t) => {
  const p = project();
  const r = p.run(['sync', 'init', '--backend', 'hub', '--set', 'repo=acme/app', '--set', 'mode=two-way', '--json']);
  t.is(r.code, 0, r.stdout + r.stderr);
  const out = r.json();
  t.is(out.backend, 'hub');
  t.is(out.package, 'td-sync-backend-hub');
  t.is(out.source, 'node_modules');
  t.is(out.target, 'hub:acme/app');
  t.deepEqual(readJson(join(p.dir, '.tdrc.json')), {sync: {backend: 'hub', hub: {repo: 'acme/app', labels: true, mode: 'two-way', root: true}}});
});

test('non-interactive without answers fails listing the missing flags, writing nothing', (t) => {
  const p = project();
  const noBackend = p.run(['sync', 'init']);
  t.is(noBackend.code, 1);
  t.regex(noBackend.stderr, /--backend/);
  t.regex(noBackend.stderr, /hub/, 'lists the backends it could use');
  t.regex(noBackend.stderr, /dir/, 'core backends are offered too');
  const noRepo = p.run(['sync', 'init', '--backend', 'hub', '--json']);
  t.is(noRepo.code, 1);
  t.is(noRepo.json().error.code, 'missing_answers');
  t.regex(noRepo.json().error.hint, /--set repo=/);
  const bad = p.run(['sync', 'init', '--backend', 'hub', '--set', 'repo=not a repo']);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /repo: expected owner\/name/);
  t.false(existsSync(join(p.dir, '.tdrc.json')));
});

test('interactive: the chooser numbers every backend found; answers are piped line by line', (t) => {
  const p = project();
  const list = p.run(['backends', '--json']).json() as Array<{name: string; valid: boolean}>;
  const usable = list.filter((b) => b.valid).map((b) => b.name);
  t.true(usable.includes('hub') && usable.includes('dir'), JSON.stringify(list));
  const n = usable.indexOf('hub') + 1;
  // bad choice, then the number; a bad repo, then a good one; empty = default for labels; select by number
  const r = p.run(['sync', 'init', '--interactive'], `9\n${n}\nnope\nacme/web\n\n2\n`);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /Choose sync backend: \(1\) /);
  t.regex(r.stdout, new RegExp(`\\(${n}\\) Hub Issues`));
  t.regex(r.stdout, /expected owner\/name/);
  t.deepEqual(readJson(join(p.dir, '.tdrc.json')).sync, {backend: 'hub', hub: {repo: 'acme/web', labels: true, mode: 'two-way', root: true}});

  // again: the existing repo is the default and the current backend is preselected
  const again = p.run(['sync', 'init', '--interactive'], `\n\nn\nmirror\n`);
  t.is(again.code, 0, again.stdout + again.stderr);
  t.deepEqual(readJson(join(p.dir, '.tdrc.json')).sync.hub, {repo: 'acme/web', labels: false, mode: 'mirror', root: true});
});

test('interactive input that ends early fails without writing', (t) => {
  const p = project();
  const r = p.run(['sync', 'init', '--interactive', '--backend', 'hub'], '');
  t.is(r.code, 1);
  t.regex(r.stderr, /input ended/);
  t.false(existsSync(join(p.dir, '.tdrc.json')));
});

test('the bundled dir backend initialises from flags and creates its folder', (t) => {
  const p = project();
  const shared = `../${basename(p.dir)}-shared`;
  const r = p.run(['sync', 'init', '--backend', 'dir', '--set', `path=${shared}`, '--json']);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.is(r.json().source, 'core');
  t.true(existsSync(join(p.dir, shared)));
  t.deepEqual(readJson(join(p.dir, '.tdrc.json')).sync, {backend: 'dir', dir: {path: shared}});
});

test('init keeps the rest of an existing config, and refuses a JS config', (t) => {
  const p = project();
  writeFileSync(join(p.dir, '.tdrc.json'), JSON.stringify({plugins: ['./x.mjs'], sync: {backend: 'dir', dir: {path: '/x'}}}));
  const r = p.run(['sync', 'init', '--backend', 'hub', '--set', 'repo=a/b']);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(readJson(join(p.dir, '.tdrc.json')), {plugins: ['./x.mjs'], sync: {backend: 'hub', dir: {path: '/x'}, hub: {repo: 'a/b', labels: true, mode: 'mirror', root: true}}});
  const js = project();
  writeFileSync(join(js.dir, 'td.config.mjs'), 'export default {};\n');
  const r2 = js.run(['sync', 'init', '--backend', 'hub', '--set', 'repo=a/b', '--json']);
  t.is(r2.code, 1);
  t.is(r2.json().error.code, 'config_not_editable');
});

test('on a real terminal (a pty from script(1)) the chooser asks and answers are read as typed', async (t) => {
  const p = project();
  const {spawn} = await import('node:child_process');
  const {TD_BIN} = await import('../helpers/td.js');
  const shared = join(p.dir, 'shared-on-tty');
  // answer each prompt when it appears (no timing assumptions)
  const script: Array<[RegExp, string]> = [
    [/Backend \[1-\d+\]/, 'dir\n'],
    [/Shared folder to sync through/, `${shared}\n`],
    [/Create the folder if it is missing\? \(Y\/n\)/, '\n'],
  ];
  const child = spawn('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(TD_BIN)} sync init`, '/dev/null'], {cwd: p.dir, env: p.env});
  let out = '';
  let step = 0;
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    while (step < script.length && script[step]![0].test(out)) {
      child.stdin.write(script[step]![1]);
      step++;
    }
    if (/Next: td sync/.test(out)) child.stdin.end();
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  t.is(code, 0, out);
  t.is(step, script.length, out);
  t.regex(out, /Choose sync backend: \(1\) /);
  t.deepEqual(readJson(join(p.dir, '.tdrc.json')).sync, {backend: 'dir', dir: {path: shared}});
  t.true(existsSync(shared));
});
