import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { CreateAdvError, type CreateAdvErrorCode } from '../src/index.js';

/** A temp folder removed after the file's tests. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `create-adv-${prefix}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The CreateAdvError `fn` throws (sync or async); fails when it throws something else or nothing. */
export async function caught(fn: () => unknown): Promise<CreateAdvError> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof CreateAdvError) return error;
    throw error;
  }
  throw new Error('expected a CreateAdvError, nothing was thrown');
}

export type { CreateAdvErrorCode };
