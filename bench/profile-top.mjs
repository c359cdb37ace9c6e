// Summarise a .cpuprofile: top frames by self time, and by total (inclusive) time for our own code.
//   node bench/profile-top.mjs <file.cpuprofile> [N=25] [filter]
import {readFileSync} from 'node:fs';

const [file, n = '25', filter = ''] = process.argv.slice(2);
const p = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((x) => [x.id, x]));
const dt = new Map();
for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
const total = [...dt.values()].reduce((a, b) => a + b, 0);
const key = (x) => `${x.callFrame.functionName || '(anon)'} ${x.callFrame.url.replace(/^.*\/(packages|node_modules)\//, '$1/')}:${x.callFrame.lineNumber + 1}`;
const self = new Map();
for (const x of p.nodes) self.set(key(x), (self.get(key(x)) ?? 0) + (dt.get(x.id) ?? 0));
// inclusive: walk each node's subtree once per distinct key on the path
const parent = new Map();
for (const x of p.nodes) for (const c of x.children ?? []) parent.set(c, x.id);
const incl = new Map();
for (const [id, t] of dt) {
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const k = key(byId.get(cur));
    if (!seen.has(k)) incl.set(k, (incl.get(k) ?? 0) + t), seen.add(k);
  }
}
const show = (m, title) => {
  console.log(`\n${title} (total ${(total / 1000).toFixed(0)} ms)`);
  for (const [k, t] of [...m].filter(([k]) => k.includes(filter)).sort((a, b) => b[1] - a[1]).slice(0, Number(n))) console.log(`${((t / total) * 100).toFixed(1).padStart(5)}%  ${(t / 1000).toFixed(0).padStart(6)} ms  ${k}`);
};
show(self, 'self time');
show(incl, 'inclusive time');
