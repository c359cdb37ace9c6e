import {createInterface} from 'node:readline/promises';
import {Flags} from '@oclif/core';
import {ConfigError} from 'td-sync-sdk';
import {AUTH_FILE, authFileFor, deviceLogin, type AuthFile} from '../../auth.js';
import {TdSyncClient} from '../../client.js';
import {defaultServerUrl, normalizeUrl, urlProblem} from '../../config.js';
import {HttpCommand} from '../../command-base.js';

export default class AuthLogin extends HttpCommand {
  static summary = 'Log in to a td-sync server (email link + PKCE), like td';
  static description =
    'Sends a login link to your email; open it to approve this device. The API key is saved to ~/.config/td/auth.json (mode 0600), the file the Go td uses too.';
  static examples = ['<%= config.bin %> auth login --email you@example.com', '<%= config.bin %> auth login --server https://sync.example.com'];
  static flags = {
    email: Flags.string({char: 'e', description: 'Your account email (asked when omitted).'}),
    server: Flags.string({description: 'td-sync server URL (default: TD_SYNC_URL, then sync.url, then http://localhost:8080).'}),
    'poll-interval': Flags.integer({hidden: true, description: 'Poll interval in ms (tests).'}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(AuthLogin);
    this.jsonMode = flags.json;
    const url = normalizeUrl(flags.server ?? defaultServerUrl());
    const problem = urlProblem(url);
    if (problem) throw new ConfigError(`--server: ${problem}`, {code: 'invalid_input'});
    let email = flags.email?.trim();
    if (!email) {
      if (!process.stdin.isTTY) throw new ConfigError('no email given', {code: 'invalid_input', hint: 'td auth login --email you@example.com'});
      const rl = createInterface({input: process.stdin, output: process.stderr});
      email = (await rl.question('Email: ')).trim();
      rl.close();
    }
    const client = new TdSyncClient({url, timeoutMs: 30_000, maxRetries: 0});
    try {
      const result = await deviceLogin({
        client,
        email,
        pollIntervalMs: flags['poll-interval'] ?? (process.env.TD_AUTH_POLL_INTERVAL_MS ? Number(process.env.TD_AUTH_POLL_INTERVAL_MS) : undefined),
        onStarted: ({email: to}) => this.note(`Check your email (${to}) and open the link to approve this device.\nWaiting for approval`),
        onPending: () => this.note('.'),
      });
      this.files.redact(result.api_key);
      const existing = (await this.files.readFile(AUTH_FILE)) as Partial<AuthFile> | undefined;
      const file = authFileFor(result, url, existing);
      await this.files.writeFile(AUTH_FILE, file as never);
      this.note('\n');
      if (this.jsonMode) this.printJson({logged_in: true, email: file.email, user_id: file.user_id, server_url: url, device_id: file.device_id, expires_at: file.expires_at});
      else this.say(`Logged in as ${file.email} on ${url}.`);
    } finally {
      await client.close();
    }
  }
}
