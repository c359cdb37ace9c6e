/** A td project with a database, made in-process with the store (no dependency on `td init`). */
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {Store} from '../../packages/td-sync-cli/src/store/index.js';
import {createIssue, updateIssue, type UpdateInput} from '../../packages/td-sync-cli/src/tasks/index.js';
import {isolatedEnv, td, tempDir, type TdResult} from '../helpers/td.js';

export interface TestProject {
  dir: string;
  env: NodeJS.ProcessEnv;
  run(args: string[], input?: string): TdResult;
  config(value: object): void;
  /** Create tasks (journaled like td does). */
  create(...titles: string[]): void;
  query<T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[];
  update(id: string, input: UpdateInput): void;
}

export function syncProject(extraEnv: NodeJS.ProcessEnv = {}): TestProject {
  const dir = tempDir('td-sync-');
  const env = isolatedEnv(extraEnv);
  Store.init(dir).store.close();
  return {
    dir,
    env,
    run: (args, input) => td(dir, args, env, input),
    config: (value) => writeFileSync(join(dir, '.tdrc.json'), JSON.stringify(value, null, 2)),
    create: (...titles) => {
      const store = Store.openAt(dir, {env});
      try {
        for (const title of titles) createIssue(store, {title}, {env, cwd: dir});
      } finally {
        store.close();
      }
    },
    update: (id, input) => {
      const store = Store.openAt(dir, {env});
      try {
        updateIssue(store, id, input, {env, cwd: dir});
      } finally {
        store.close();
      }
    },
    query: <T>(sql: string, ...params: unknown[]) => {
      const store = Store.openAt(dir, {readonly: true});
      try {
        return store.db.prepare(sql).all(...params) as T[];
      } finally {
        store.close();
      }
    },
  };
}
