/**
 * `td sync` started as a real child process and SIGKILLed mid-run — the crash the reliability suite
 * and the dir crash test inflict. One helper, so both kill the same way.
 */
import {spawn} from 'node:child_process';
import {TD_BIN} from './td.js';

export interface KillPlan {
  /** Kill this long after the start — or, with `progress`, this long after progress shows. */
  delayMs: number;
  /** A number that changes once the run reaches the remote (requests answered, bytes in a folder); polled every millisecond. */
  progress?: () => number;
  /** With `progress`: kill at this time after the start if no progress shows by then. */
  fallbackMs?: number;
  args?: string[];
}

export interface KillOutcome {
  /** The signal landed while td was still running (a kill after exit is no crash). */
  killed: boolean;
  code: number | null;
  /** Wall time from spawn to exit. */
  ms: number;
}

export function killedTdSync(p: {dir: string; env: NodeJS.ProcessEnv}, plan: KillPlan): Promise<KillOutcome> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [TD_BIN, 'sync', ...(plan.args ?? [])], {cwd: p.dir, env: p.env, stdio: 'ignore'});
    let killed = false;
    const kill = () => {
      if (child.exitCode === null && child.signalCode === null) killed = child.kill('SIGKILL');
    };
    let poll: NodeJS.Timeout | undefined;
    let timer: NodeJS.Timeout | undefined;
    const progress = plan.progress;
    if (progress) {
      const before = progress();
      poll = setInterval(() => {
        if (progress() === before) return;
        clearInterval(poll);
        clearTimeout(timer);
        timer = setTimeout(kill, plan.delayMs);
      }, 1);
      if (plan.fallbackMs !== undefined) timer = setTimeout(kill, plan.fallbackMs);
    } else {
      timer = setTimeout(kill, plan.delayMs);
    }
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      resolve({killed, code, ms: Date.now() - started});
    });
  });
}
