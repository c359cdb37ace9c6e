/**
 * Every package is publishable: `npm pack --dry-run` of each workspace ships its built entry
 * points (exports and types resolve to files in the tarball), README and LICENSE, and nothing
 * else (no sources, tests, source maps or tsbuildinfo). Offline and quick; the real publish and
 * install are test/registry/run.sh (`npm run test:registry`).
 * Runs with --ignore-scripts so the CLI's prepack (`oclif manifest`) does not write into the
 * shared checkout; that the CLI tarball carries oclif.manifest.json is checked by run.sh.
 */
import test from 'ava';
import {execFileSync} from 'node:child_process';
import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {REPO} from '../helpers/td.js';

interface PackJson {
  name: string;
  version: string;
  files: Array<{path: string}>;
}

const PACKAGES = readdirSync(join(REPO, 'packages')).sort();
/** Fixed mode: every package carries lerna.json's version. */
const VERSION = (JSON.parse(readFileSync(join(REPO, 'lerna.json'), 'utf8')) as {version: string}).version;

function pack(dir: string): PackJson {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts', '-w', `packages/${dir}`], {cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
  return (JSON.parse(out.slice(out.indexOf('['))) as PackJson[])[0]!;
}

/** Every file path an `exports` map (or types/main/bin) points at. */
function entryFiles(pjson: Record<string, any>): string[] {
  const out = new Set<string>();
  const walk = (v: unknown) => {
    if (typeof v === 'string') out.add(v.replace(/^\.\//, ''));
    else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x);
  };
  walk(pjson.exports);
  walk(pjson.types);
  walk(pjson.main);
  walk(pjson.bin);
  if (pjson['td-sync']) walk(pjson['td-sync']);
  return [...out];
}

for (const dir of PACKAGES) {
  test(`${dir}: the tarball holds its entry points, README and LICENSE, and nothing else`, (t) => {
    const pjson = JSON.parse(readFileSync(join(REPO, 'packages', dir, 'package.json'), 'utf8')) as Record<string, any>;
    const packed = pack(dir);
    const files = packed.files.map((f) => f.path);
    t.is(packed.version, VERSION);
    t.is(pjson.license, 'MIT');
    t.deepEqual(pjson.engines, {node: '>=20.19'});
    t.is(pjson.type, 'module');
    t.truthy(pjson.repository?.url);
    for (const f of ['package.json', 'README.md', 'LICENSE']) t.true(files.includes(f), `${f} missing from ${dir}`);
    for (const f of entryFiles(pjson)) t.true(files.includes(f), `${dir}: ${f} (named in package.json) is not in the tarball`);
    const stray = files.filter((f) => !/^(dist\/|bin\/run\.js$|package\.json$|README\.md$|LICENSE$)/.test(f) || /\.map$|tsbuildinfo|\.test\.|^src\//.test(f));
    t.deepEqual(stray, [], `${dir} ships files it should not`);
    if (pjson.name === 'td-sync-cli') {
      t.true((pjson.files as string[]).includes('oclif.manifest.json'));
      t.is(pjson.scripts.prepack, 'oclif manifest');
    } else if (pjson.name.startsWith('td-sync-backend-')) {
      t.truthy(pjson.oclif, `${dir} must be an oclif plugin ("oclif": {}) for td plugins install`);
      t.truthy(pjson['td-sync']?.backend);
    }
  });
}
