// The process's soft limit of open files (RLIMIT_NOFILE), which every connection of every listener
// counts against. Node has no call for it; Linux shows it in /proc/self/limits. Undefined elsewhere.
import { readFile } from 'node:fs/promises';

export async function openFileLimit(): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile('/proc/self/limits', 'utf8');
  } catch {
    return undefined;
  }
  // "Max open files            1048576              1048576              files"
  const soft = /^Max open files\s+(\d+|unlimited)\s/m.exec(text)?.[1];
  return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
}
