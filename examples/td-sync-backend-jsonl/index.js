// @ts-check
/**
 * td-sync-backend-jsonl: an example third-party td sync backend, built only on td-sync-sdk.
 * Every device appends its events to one shared JSON-lines file and reads everyone else's from it.
 *
 *   td plugins install td-sync-backend-jsonl     (or: npm install td-sync-backend-jsonl)
 *   td sync init --backend jsonl --set file=/mnt/team/tasks.jsonl
 *   td sync
 *
 * Configuration (`sync.jsonl.*`): `file`, the shared file (absolute, or relative to the project).
 * See store.js for the file format and why it is safe with several writers.
 */
import {access, constants, mkdir} from 'node:fs/promises';
import {dirname, isAbsolute, resolve} from 'node:path';
import {ConfigError, defineBackend} from 'td-sync-sdk';
import {Appender, fileSize, readLines} from './store.js';

/** @typedef {import('td-sync-sdk').SyncBackend} SyncBackend */
/** @typedef {import('td-sync-sdk').BackendContext} BackendContext */
/** @typedef {import('td-sync-sdk').BackendCapabilities} BackendCapabilities */
/** @typedef {import('td-sync-sdk').SyncEvent} SyncEvent */
/** @typedef {import('td-sync-sdk').RunContext} RunContext */
/** @typedef {{file: string}} JsonlConfig */

/** State key: the cursor of the last page handed to the engine (staged, so committed with it). */
const LAST_CURSOR = 'lastCursor';

/** @type {BackendCapabilities} */
export const CAPABILITIES = Object.freeze({
  entityTypes: 'all',
  bidirectional: true,
  echoesOwnEvents: false, // pull skips this device's own lines: they are already in its database
  maxPushBatch: 500,
  maxPullPage: 1000,
  ordering: 'total', // one file: every reader sees the same sequence
});

/**
 * The cursor is the byte offset after the last line handed out, as a decimal string. Opaque to
 * the engine; only this backend reads it.
 */
function decodeCursor(/** @type {string | null} */ cursor) {
  if (cursor === null || cursor === '') return 0;
  if (!/^\d+$/.test(cursor)) {
    throw new ConfigError(`the stored jsonl cursor ${JSON.stringify(cursor)} is not a byte offset`, {
      code: 'jsonl_cursor_invalid',
      hint: 'the sync state of this target is damaged; "td sync init" again to start over',
    });
  }
  return Number(cursor);
}

/** @implements {SyncBackend} */
export class JsonlBackend {
  capabilities = CAPABILITIES;

  constructor(/** @type {JsonlConfig} */ config, /** @type {BackendContext} */ context) {
    this.file = config.file;
    this.context = context;
    this.appender = new Appender(config.file, context.logger);
  }

  /** @returns {RunContext} */
  get run() {
    return {target: this.context.target, backend: 'jsonl', dryRun: false};
  }

  /** @param {readonly SyncEvent[]} events */
  async push(events) {
    if (events.length === 0) return {acks: [], rejections: []};
    await this.requireFolder();
    const {mapEvent} = this.context.hooks;
    // Let plugins rewrite what is stored (mapEvent is a waterfall: draft, event, context).
    const stored = mapEvent.isUsed()
      ? await Promise.all(events.map(async (e) => /** @type {SyncEvent} */ (await mapEvent.promise({...e}, e, this.run))))
      : events;
    const written = await this.appender.append(stored, this.context.signal);
    this.context.logger.debug(`jsonl: ${written.filter((w) => !w.duplicate).length} appended, ${written.filter((w) => w.duplicate).length} already there`);
    // A duplicate is acknowledged with the stored copy's sequence: the event is on the remote.
    // (acks name the engine's events: a plugin may have rewritten what was stored)
    return {acks: written.map((w, i) => ({clientActionId: events[i].clientActionId, remoteSeq: w.offset})), rejections: []};
  }

  /** @param {import('td-sync-sdk').PullRequest} request */
  async pull(request) {
    const limit = Math.max(1, Math.min(request.limit, CAPABILITIES.maxPullPage));
    let cursor = decodeCursor(request.cursor);
    /** @type {SyncEvent[]} */
    const events = [];
    let hasMore = false;
    const {mapRemote} = this.context.hooks;
    for (const line of await readLines(this.file, cursor)) {
      if (line.event && line.event.deviceId !== this.context.deviceId) {
        if (events.length === limit) {
          hasMore = true;
          break;
        }
        const event = {...line.event, remoteSeq: line.offset};
        const mapped = mapRemote.isUsed() ? await mapRemote.promise(event, line, this.run) : event;
        if (mapped) events.push(mapped);
      } else if (line.error) {
        this.context.logger.warn(`jsonl: skipped the line at byte ${line.offset} of ${this.file}: ${line.error}`);
      }
      cursor = line.end; // own lines and unreadable lines are passed over too
    }
    const next = String(cursor);
    // Staged, not set: it becomes durable in the same transaction as the engine's cursor.
    this.context.state.stage(LAST_CURSOR, next);
    return {events, cursor: next, hasMore};
  }

  async status() {
    const folder = dirname(this.file);
    const reachable = await access(folder, constants.W_OK).then(() => true, () => false);
    /** @type {import('td-sync-sdk').BackendStatus} */
    const status = {reachable, authenticated: reachable, identity: `device ${this.context.deviceId}`, remote: this.file};
    if (!reachable) {
      status.details = {problem: `folder ${folder} is missing or not writable`};
      return status;
    }
    const from = decodeCursor(this.context.state.get(LAST_CURSOR) ?? null);
    const lines = await readLines(this.file, from);
    status.pendingRemote = lines.filter((l) => l.event && l.event.deviceId !== this.context.deviceId).length;
    status.details = {bytes: await fileSize(this.file)};
    return status;
  }

  async close() {}

  async requireFolder() {
    const folder = dirname(this.file);
    const ok = await access(folder, constants.W_OK).then(() => true, () => false);
    if (!ok) {
      throw new ConfigError(`the folder of sync.jsonl.file (${folder}) is missing or not writable`, {
        code: 'jsonl_folder_missing',
        hint: `mount or create it ("mkdir -p ${folder}"), or point sync.jsonl.file elsewhere`,
      });
    }
  }
}

export default defineBackend(
  /** @type {import('td-sync-sdk').BackendDefinition<JsonlConfig>} */ ({
    apiVersion: 1,
    name: 'jsonl',
    displayName: 'Shared JSON-lines file',
    description: 'Every device appends its changes to one shared file and reads everyone else\'s.',
    validateConfig(raw, context) {
      const file = raw.file;
      if (typeof file !== 'string' || file.trim() === '') {
        throw new ConfigError('sync.jsonl.file is not set: the jsonl backend needs the shared file to sync through', {
          code: 'jsonl_file_missing',
          hint: 'run "td config set sync.jsonl.file /path/to/shared/tasks.jsonl" (or "td sync init --backend jsonl")',
        });
      }
      const path = isAbsolute(file) ? file : resolve(context?.projectRoot ?? process.cwd(), file);
      return {file: resolve(path)};
    },
    remoteId: (config) => config.file,
    init: {
      questions: (context) => [
        {
          name: 'file',
          message: 'Shared JSON-lines file (absolute, or relative to the project)',
          type: 'text',
          default: typeof context.existing.file === 'string' ? context.existing.file : '../td-shared.jsonl',
          validate: (v) => (v.trim() === '' ? 'give a file path' : undefined),
        },
      ],
      async finalize(answers, context) {
        const file = String(answers.file).trim();
        await mkdir(dirname(resolve(context.projectRoot, file)), {recursive: true});
        return {file};
      },
    },
    create: (config, context) => new JsonlBackend(config, context),
  }),
);
