import test from 'ava';
import {spawn} from 'node:child_process';
import {once} from 'node:events';
import {createInterface} from 'node:readline';
import {fileURLToPath} from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('the stand-in CLI prints {url, token, repo}, serves GraphQL and the /_emulator control API', async t => {
  const child = spawn(process.execPath, ['--import=tsx', 'test/github-emulator/cli.ts', '--port', '0', '--repo', 'acme/demo'], {cwd: root, stdio: ['ignore', 'pipe', 'inherit']});
  try {
    const lines = createInterface({input: child.stdout!});
    const [line] = (await once(lines, 'line')) as [string];
    const info = JSON.parse(line) as {url: string; token: string; repo: string};
    t.regex(info.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    t.is(info.repo, 'acme/demo');
    const post = (path: string, body: unknown, auth = true) =>
      fetch(`${info.url}${path}`, {method: 'POST', headers: {'content-type': 'application/json', ...(auth ? {authorization: `token ${info.token}`} : {})}, body: JSON.stringify(body)}).then(r => r.json() as Promise<any>); // eslint-disable-line @typescript-eslint/no-explicit-any

    const ui = await post('/_emulator/ui/createIssue', {args: ['acme/demo', {title: 'from the UI', body: 'a\r\nb', labels: ['bug']}]}, false);
    t.is(ui.result.number, 1);
    const read = await post('/graphql', {query: `{ repository(owner: "acme", name: "demo") { issue(number: 1) { title body labels(first: 5) { nodes { name } } author { login } } } }`});
    t.deepEqual(read.data.repository.issue, {title: 'from the UI', body: 'a\r\nb', labels: {nodes: [{name: 'bug'}]}, author: {login: 'monalisa'}});
    await post('/_emulator/faults', {kind: '502'}, false);
    const failed = await fetch(`${info.url}/graphql`, {method: 'POST', headers: {authorization: `token ${info.token}`}, body: JSON.stringify({query: '{ viewer { login } }'})});
    t.is(failed.status, 502);
    const clock = await post('/_emulator/clock', {advanceMs: 3_600_000}, false);
    t.true(Date.parse(clock.now) > Date.now() + 3_500_000);
    const log = (await (await fetch(`${info.url}/_emulator/log`)).json()) as Array<{status: number}>;
    t.deepEqual(log.map(l => l.status), [200, 502]);
    const issues = (await (await fetch(`${info.url}/_emulator/issues?repo=acme/demo`)).json()) as Array<{labels: string[]}>;
    t.deepEqual(issues[0]!.labels, ['bug']);
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
});
