/** Options of {@link memoryBackend}. */
export interface MemoryBackendOptions {
  /**
   * Completed jobs kept for `status()`/`result()` (oldest dropped first).
   * @defaultValue 1000
   */
  keepCompleted?: number;
  /**
   * Failed jobs kept for the dead-letter view.
   * @defaultValue 5000
   */
  keepFailed?: number;
}

/** Defaults of {@link MemoryBackendOptions}. */
export const MEMORY_DEFAULTS: Readonly<Required<MemoryBackendOptions>> = Object.freeze({
  keepCompleted: 1000,
  keepFailed: 5000,
});
