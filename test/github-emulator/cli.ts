/**
 * `npm run stand-in:github -- --port <p> [--repo owner/name] [--token T] [--login L]`
 * Starts the GitHub GraphQL emulator on 127.0.0.1, creates an empty repository, prints one JSON line
 * `{"url", "token", "repo"}` on stdout and serves until killed.
 */
import {parseArgs} from 'node:util';
import {startGitHubEmulator} from './index.js';

const {values} = parseArgs({
  options: {
    port: {type: 'string', default: '0'},
    repo: {type: 'string', default: 'octocat/td-demo'},
    token: {type: 'string'},
    login: {type: 'string'},
    seed: {type: 'string'},
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`--port ${values.port}: give a port number between 0 and 65535\n`);
  process.exit(2);
}
const login = values.login ?? values.repo.split('/')[0] ?? 'octocat';
const em = await startGitHubEmulator({port, token: values.token, login, seed: values.seed ? Number(values.seed) : undefined});
em.createRepo(values.repo);
process.stdout.write(JSON.stringify({url: em.url, token: em.token, repo: values.repo}) + '\n');

const stop = () => {
  void em.close().finally(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
