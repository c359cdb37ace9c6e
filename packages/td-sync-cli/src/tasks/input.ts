/** Rich-text inputs: `--x-file path` or `-` for stdin (td's resolveRichTextField). */
import {readFileSync} from 'node:fs';

export function readText(fileFlag: string | undefined): string | undefined {
  if (fileFlag === undefined) return undefined;
  return fileFlag === '-' ? readFileSync(0, 'utf8') : readFileSync(fileFlag, 'utf8');
}

/** `--done @file` (one item per line), `--done -` (stdin lines), else the value itself. */
export function expandItems(values: string[] | undefined): string[] {
  const out: string[] = [];
  let stdinUsed = false;
  for (const v of values ?? []) {
    if (v === '-' && !stdinUsed) {
      stdinUsed = true;
      out.push(...readFileSync(0, 'utf8').split('\n').map((s) => s.trim()).filter(Boolean));
    } else if (v.startsWith('@') && v.length > 1) {
      out.push(...readFileSync(v.slice(1), 'utf8').split('\n').map((s) => s.trim()).filter(Boolean));
    } else out.push(v);
  }
  return out;
}

/** td's YAML-ish handoff on stdin: `done:` / `remaining:` / `decisions:` / `uncertain:` sections of `- item` lines. */
export function parseHandoffText(text: string): {done: string[]; remaining: string[]; decisions: string[]; uncertain: string[]} {
  const out = {done: [] as string[], remaining: [] as string[], decisions: [] as string[], uncertain: [] as string[]};
  let section = '';
  for (const line of text.split('\n')) {
    const s = line.trim();
    if (s.endsWith(':')) section = s.slice(0, -1);
    else if ((s.startsWith('- ') || s.startsWith('* ')) && section in out) out[section as keyof typeof out].push(s.slice(2).trim());
  }
  return out;
}
