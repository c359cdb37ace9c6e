import {AUTH_FILE} from '../../auth.js';
import {HttpCommand} from '../../command-base.js';

export default class AuthLogout extends HttpCommand {
  static summary = 'Forget the td-sync API key (deletes ~/.config/td/auth.json)';
  static description = 'Like td, this only deletes the local credentials file; the key itself stays valid on the server until it expires.';

  async run(): Promise<void> {
    const {flags} = await this.parse(AuthLogout);
    this.jsonMode = flags.json;
    const had = (await this.files.readFile(AUTH_FILE)) !== undefined;
    await this.files.deleteFile(AUTH_FILE);
    const envKey = Boolean(process.env.TD_AUTH_KEY);
    if (this.jsonMode) this.printJson({logged_out: true, had_credentials: had, env_key_still_set: envKey});
    else {
      this.say(had ? 'Logged out.' : 'Not logged in.');
      if (envKey) this.note('Warning: TD_AUTH_KEY is still set in the environment and will keep being used.\n');
    }
  }
}
