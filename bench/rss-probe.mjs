// Preloaded into a td child process (NODE_OPTIONS=--import=…): writes the peak RSS (KiB) on exit.
import {writeFileSync} from 'node:fs';

const file = process.env.TD_BENCH_RSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
