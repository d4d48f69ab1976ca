import type { Defined } from '../types.js';
/** Options of {@link memoryBackend}. */
export interface MemoryBackendOptions {
  /**
   * Completed jobs kept for `status()`/`result()` (oldest dropped first).
   * @defaultValue 1000
   */
  keepCompleted?: number | undefined;
  /**
   * Failed jobs kept for the dead-letter view.
   * @defaultValue 5000
   */
  keepFailed?: number | undefined;
}

/** Defaults of {@link MemoryBackendOptions}. */
export const MEMORY_DEFAULTS: Readonly<Defined<MemoryBackendOptions>> = Object.freeze({
  keepCompleted: 1000,
  keepFailed: 5000,
});
