import {AUTH_FILE, keyPreview, resolveAuth} from '../../auth.js';
import {defaultServerUrl} from '../../config.js';
import {HttpCommand} from '../../command-base.js';

export default class AuthStatus extends HttpCommand {
  static summary = 'Show the td-sync login (never the full key)';

  async run(): Promise<void> {
    const {flags} = await this.parse(AuthStatus);
    this.jsonMode = flags.json;
    const auth = await resolveAuth(this.files);
    const file = auth.file;
    const server = (typeof file?.server_url === 'string' && file.server_url) || defaultServerUrl();
    if (this.jsonMode) {
      this.printJson({
        authenticated: Boolean(auth.apiKey),
        source: auth.source,
        email: file?.email ?? null,
        user_id: file?.user_id ?? null,
        server_url: server,
        key: auth.apiKey ? keyPreview(auth.apiKey) : null,
        expires_at: file?.expires_at ?? null,
        credentials_file: this.files.path(AUTH_FILE),
      });
      return;
    }
    if (!auth.apiKey) {
      this.say('Not logged in.');
      return;
    }
    if (file?.email) this.say(`Email:  ${file.email}`);
    this.say(`Server: ${server}`);
    this.say(`Key:    ${keyPreview(auth.apiKey)}${auth.source === 'env' ? ' (from TD_AUTH_KEY)' : ''}`);
  }
}
