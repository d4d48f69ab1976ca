/** Types of starter.mjs (shared by scripts/check-starter.mjs and test/starter.test.ts). */
export declare const appDir: string;
export declare const repoDir: string;
export declare const STARTER_ENTRIES: readonly string[];
export declare function packPackages(dir: string, options?: { signal?: AbortSignal }): Promise<Record<string, string>>;
export declare function writeStarter(
  target: string,
  tarballs: Record<string, string>,
  options?: { pinned?: Record<string, string> },
): { name: string; dependencies: Record<string, string>; devDependencies: Record<string, string> };
export declare function installStarter(
  target: string,
  options?: { reuseNativeFrom?: string; signal?: AbortSignal },
): Promise<void>;
export declare function freePort(): Promise<number>;
export declare function startStarter(
  target: string,
  env: Record<string, string>,
  options?: { timeoutMs?: number },
): Promise<{ url: string; output(): string; stop(): Promise<number | string> }>;
