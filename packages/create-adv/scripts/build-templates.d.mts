// Types of build-templates.mjs (a plain script run by `npm run build`), for the tests that import it.

import type { SharedConfig, TemplateDescriptor } from '../src/templates.js';

export declare const packageDir: string;
export declare const repoDir: string;
export declare const demoDir: string;
/** apps/demo paths left out of the board template. */
export declare const MONOREPO_ONLY: ReadonlySet<string>;
/** Dev tools the monorepo root provides to apps/demo, which a standalone app must declare. */
export declare const ROOT_DEV_TOOLS: readonly string[];
/** Text rewrites applied to every copied file: [pattern, replacement]. */
export declare const REWRITES: ReadonlyArray<readonly [RegExp, string]>;
/** Strings that must not survive in a generated template, each with why. */
export declare const MONOREPO_MARKERS: ReadonlyArray<readonly [string, string]>;
/** Files allowed to name the monorepo's scripts/test-services.ts (guarded by existsSync). */
export declare const GUARDED_MONOREPO_REFERENCES: ReadonlySet<string>;

/** The board template's descriptor: a `template.json` as every template has (declared once, in src/templates.ts). */
export type BoardDescriptor = TemplateDescriptor & { name: 'board' };
/** Versions and configuration the templates take from the monorepo at pack time. */
export type { SharedConfig };

export declare function boardReadmeBody(readme: string): string;
export declare function findMonorepoMarkers(files: Iterable<readonly [string, string]>): string[];
export declare function boardFiles(): Array<[string, string | Buffer]>;
export declare function boardDescriptor(): BoardDescriptor;
export declare function sharedConfig(): SharedConfig;
export declare function buildTemplates(outDir: string): { files: number };
