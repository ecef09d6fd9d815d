import { readFile } from 'node:fs/promises';
import type { PolicySource } from './policy-source';

/** Local development: a JSON file. */
export function filePolicySource(path: string): PolicySource {
  return { description: `file ${path}`, read: () => readFile(path, 'utf8') };
}
