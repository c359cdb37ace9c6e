/**
 * `npm run stand-in:td-sync -- --port <p> --data <dir>`: start the td-sync stand-in and print ONE
 * JSON line on stdout (`url`, `apiKey` of an admin, `projectId` the admin owns); serve until killed.
 * Approval links of device logins are printed on stderr (like td-sync's `log` email provider).
 */
import {parseArgs} from 'node:util';
import {startTdSyncServer} from './server.js';

const {values} = parseArgs({
  options: {
    port: {type: 'string', default: '0'},
    host: {type: 'string', default: '127.0.0.1'},
    data: {type: 'string'},
    'admin-email': {type: 'string'},
    'retry-after': {type: 'boolean', default: false},
    'legacy-device-auth': {type: 'boolean', default: false},
    /** Serve real snapshot databases instead of always answering 404 no_events. */
    'build-snapshots': {type: 'boolean', default: false},
  },
});

const server = await startTdSyncServer({
  port: Number(values.port),
  host: values.host,
  dataDir: values.data,
  adminEmail: values['admin-email'],
  retryAfterOn429: values['retry-after'],
  legacyDeviceAuth: values['legacy-device-auth'],
  snapshots: values['build-snapshots'] ? 'build' : 'no_events',
  onEmail: (text) => process.stderr.write(`${text}\n`),
});
process.stdout.write(`${JSON.stringify({url: server.url, apiKey: server.adminKey, projectId: server.projectId})}\n`);

const stop = () => {
  server.close().finally(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
