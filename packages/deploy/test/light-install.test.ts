/**
 * What a user who installs @adv/deploy alone gets: the root entry loads neither pino,
 * prom-client nor zod; `@adv/deploy/metrics` and `/logging` name the optional peer to install
 * when it is missing; and each entry's public `.d.ts` compiles for a strict consumer
 * (`skipLibCheck: false`) with only what that entry needs. Runs against the built `dist`
 * (`npx tsc -b` first), copied into temporary projects that have no peers at all.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const repoModules = join(packageDir, '..', '..', 'node_modules');
const typesDir = join(packageDir, '..', 'types');
const tsc = join(repoModules, 'typescript', 'bin', 'tsc');
const work = mkdtempSync(join(tmpdir(), 'adv-deploy-light-'));

/** A project with @adv/deploy and @adv/types copied in (not linked: nothing above it resolves), plus `links`. */
function project(name: string, links: Record<string, string> = {}): string {
  const dir = join(work, name);
  const modules = join(dir, 'node_modules');
  for (const [pkg, from] of [
    ['@adv/deploy', packageDir],
    ['@adv/types', typesDir],
  ] as const) {
    mkdirSync(join(modules, pkg), { recursive: true });
    cpSync(join(from, 'package.json'), join(modules, pkg, 'package.json'));
    cpSync(join(from, 'dist'), join(modules, pkg, 'dist'), { recursive: true });
  }
  // Its one runtime dependency, linked from the repo (it requires only mime-db, found next to it there).
  for (const [pkg, target] of Object.entries({ 'mime-types': 'mime-types', ...links })) {
    mkdirSync(dirname(join(modules, pkg)), { recursive: true });
    symlinkSync(join(repoModules, target), join(modules, pkg), 'dir');
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true, type: 'module' }));
  return dir;
}

async function node(cwd: string, script: string): Promise<unknown> {
  writeFileSync(join(cwd, 'main.mjs'), script);
  const { stdout } = await run(process.execPath, ['main.mjs'], { cwd, timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').pop() ?? 'null');
}

/** Type-checks `consumer.ts` as a strict user project would. */
async function typeCheck(cwd: string, source: string): Promise<void> {
  writeFileSync(join(cwd, 'consumer.ts'), source);
  const compilerOptions = {
    strict: true,
    exactOptionalPropertyTypes: true,
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    target: 'ES2022',
    noEmit: true,
    skipLibCheck: false,
    types: ['node'],
    lib: ['ES2023', 'DOM'],
  };
  writeFileSync(join(cwd, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['consumer.ts'] }));
  try {
    await run(process.execPath, [tsc, '-p', cwd], { cwd, timeout: TSC_BOUND_MS });
  } catch (error) {
    throw new Error(`tsc failed in ${cwd}:\n${(error as { stdout?: string }).stdout ?? String(error)}`);
  }
}

// tsc with skipLibCheck off is pure CPU: seconds on a quiet machine, but past 120 s in a CI run at
// load 25 where five of these ran beside the other suites. The bound stops a hang only.
const TSC_BOUND_MS = 10 * 60_000;

beforeAll(() => {
  if (!existsSync(join(packageDir, 'dist', 'entry', 'metrics.js'))) {
    throw new Error('dist is missing or stale: run `npx tsc -b` in packages/deploy before these tests');
  }
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('installed without optional peers', () => {
  it('the temporary project really cannot resolve pino, prom-client or zod', () => {
    const dir = project('probe');
    const require = createRequire(join(dir, 'node_modules', '@adv', 'deploy', 'dist', 'index.js'));
    for (const peer of ['pino', 'prom-client', 'zod', 'busboy', 'file-type', '@aws-sdk/client-s3'])
      expect(() => require.resolve(peer), peer).toThrow();
  });

  it('the root entry works, and the subpaths name the package to install', async () => {
    const dir = project('runtime');
    const result = await node(
      dir,
      `
      import { defineSettings, securityMiddleware, serveStatic, DeployError } from '@adv/deploy';
      import { createMetrics } from '@adv/deploy/metrics';
      import { requestLogger, getRequestId } from '@adv/deploy/logging';
      import { diskStorage, s3Storage, handleUpload } from '@adv/deploy/media';
      import { mkdtempSync } from 'node:fs';
      import { tmpdir } from 'node:os';
      import { join } from 'node:path';
      const disk = diskStorage({ root: mkdtempSync(join(tmpdir(), 'adv-light-media-')) });
      await disk.save('a.txt', 'disk works without peers');
      const upload = await handleUpload(new Request('http://x/', { method: 'POST', body: new FormData() }), { storage: disk, allow: ['image/png'] }).catch((e) => e.message);
      const settings = defineSettings({ envFile: false, env: { SECRET_KEY: 'q8Vt3xN1bL6zR0wYk5Jm2Hc9Pf4Gd7Sa8Ue1Ii3Oo6Ll0Zx5Cv2Bn9Mq4Wr7Ty', ALLOWED_HOSTS: 'example.com' } });
      const secured = await securityMiddleware(settings)(new Request('http://example.com/'), async () => new Response('ok'));
      const caught = (fn) => { try { fn(); return null; } catch (e) { return { isDeployError: e instanceof DeployError, name: e.name, code: e.code, message: e.message }; } };
      const lines = [];
      const logger = { child: () => logger, info: (o) => lines.push(o), error: (o) => lines.push(o) };
      const logged = await requestLogger({ logger })(new Request('http://example.com/'), async () => new Response(getRequestId()));
      console.log(JSON.stringify({
        status: secured.status,
        nosniff: secured.headers.get('x-content-type-options'),
        serveStatic: typeof serveStatic,
        metrics: caught(() => createMetrics()),
        logging: caught(() => requestLogger()),
        loggedWithOwnLogger: lines.length === 1 && (await logged.text()) === logged.headers.get('x-request-id'),
        disk: await new Response(await disk.open('a.txt')).text(),
        s3: caught(() => s3Storage({ bucket: 'media' })),
        upload,
      }));
      `,
    );
    expect(result).toEqual({
      status: 200,
      nosniff: 'nosniff',
      serveStatic: 'function',
      metrics: {
        isDeployError: true,
        name: 'DeployError',
        code: 'ERR_MISSING_DEPENDENCY',
        message:
          'createMetrics() needs `prom-client` (^15.0.0), an optional peer dependency of @adv/deploy: install it with `npm install prom-client`',
      },
      logging: expect.objectContaining({
        code: 'ERR_MISSING_DEPENDENCY',
        message: expect.stringContaining('install it with `npm install pino`'),
      }),
      loggedWithOwnLogger: true,
      disk: 'disk works without peers',
      s3: expect.objectContaining({
        code: 'ERR_MISSING_DEPENDENCY',
        message: expect.stringContaining('install it with `npm install @aws-sdk/client-s3`'),
      }),
      upload: expect.stringMatching(/install it with `npm install (busboy|file-type)`/),
    });
  }, 90_000);

  it('importing the root entry loads neither pino, prom-client nor zod (with all three installed)', async () => {
    // Runs in this repository, where all three resolve: a static import of any would load it.
    writeFileSync(
      join(work, 'hooks.mjs'),
      `let port; export function initialize(data) { port = data.port; }
       export async function resolve(specifier, context, next) { const r = await next(specifier, context); port.postMessage(r.url); return r; }`,
    );
    const script = `
      import { register, createRequire } from 'node:module';
      import { MessageChannel } from 'node:worker_threads';
      const { port1, port2 } = new MessageChannel();
      const urls = [];
      port1.on('message', (url) => urls.push(url));
      register(${JSON.stringify(new URL(`file://${join(work, 'hooks.mjs')}`).href)}, { data: { port: port2 }, transferList: [port2] });
      const require = createRequire(import.meta.url);
      const loaded = () => {
        const files = [...urls, ...Object.keys(require.cache)];
        return ['pino', 'prom-client', 'zod', 'busboy', 'file-type', '@aws-sdk/client-s3'].filter((name) => files.some((f) => f.includes('/node_modules/' + name + '/')));
      };
      const root = await import('@adv/deploy');
      // Messages arrive in order: once a fresh sentinel's resolution arrives, every earlier one has.
      const sentinel = 'data:text/javascript,export default ' + Date.now();
      await new Promise((done) => {
        port1.on('message', function seen(url) { if (url === sentinel) { port1.off('message', seen); done(); } });
        import(sentinel);
      });
      const afterRoot = loaded();
      const { createMetrics } = await import('@adv/deploy/metrics');
      createMetrics({ defaultMetrics: false });
      port1.close();
      console.log(JSON.stringify({ exports: Object.keys(root).length, afterRoot, afterMetrics: loaded() }));
    `;
    const file = join(packageDir, `.light-install-${process.pid}.mjs`);
    writeFileSync(file, script);
    try {
      const { stdout } = await run(process.execPath, [file], { cwd: packageDir, timeout: 60_000 });
      const result = JSON.parse(stdout.trim().split('\n').pop() ?? 'null');
      expect(result.exports).toBeGreaterThan(40);
      expect(result.afterRoot).toEqual([]);
      expect(result.afterMetrics).toEqual(['prom-client']); // the probe does see a peer once it is loaded
    } finally {
      rmSync(file, { force: true });
    }
  }, 90_000);
});

describe('strict consumers (skipLibCheck: false) with only what each entry needs', () => {
  const nodeTypes = { '@types/node': '@types/node', 'undici-types': 'undici-types' };

  it(
    'the root entry, with no peer installed',
    async () => {
      const dir = project('types-root', nodeTypes);
      await typeCheck(
        dir,
        `
      import { defineSettings, securityMiddleware, isAllowedRequestHost, type StandardSchemaV1, type Settings } from '@adv/deploy';
      const port: StandardSchemaV1<string | undefined, number> = {
        '~standard': { version: 1, vendor: 'mine', validate: (v) => ({ value: Number(v ?? 3000) }) },
      };
      const settings: Settings<{ PORT: typeof port }> = defineSettings({ schema: { PORT: port } });
      const n: number = settings.PORT;
      const hosts: string[] = settings.ALLOWED_HOSTS;
      export const ok = [n, hosts, securityMiddleware(settings), isAllowedRequestHost(new Request('http://x/'), settings)];
      `,
      );
    },
    TSC_BOUND_MS + 30_000,
  );

  it(
    '@adv/deploy/media, with none of its peers installed',
    async () => {
      const dir = project('types-media', nodeTypes);
      await typeCheck(
        dir,
        `
      import { diskStorage, s3Storage, handleUpload, serveMedia, signMediaUrl, type Storage, type UploadResult } from '@adv/deploy/media';
      const storage: Storage = diskStorage({ root: '/srv/media' });
      export const all = [storage, s3Storage, serveMedia({ storage }), signMediaUrl('a.png', { secretKey: 'k', expiresIn: 60 })];
      export const upload = (r: Request): Promise<UploadResult> => handleUpload(r, { storage, allow: ['image/png'] });
      `,
      );
    },
    TSC_BOUND_MS + 30_000,
  );

  it(
    '@adv/deploy/metrics with prom-client',
    async () => {
      const dir = project('types-metrics', { ...nodeTypes, 'prom-client': 'prom-client' });
      await typeCheck(
        dir,
        `
      import { createMetrics, type Metrics } from '@adv/deploy/metrics';
      import { Registry } from 'prom-client';
      export const metrics: Metrics = createMetrics({ registry: new Registry(), defaultMetrics: false });
      `,
      );
    },
    TSC_BOUND_MS + 30_000,
  );

  it(
    '@adv/deploy/logging with pino',
    async () => {
      const dir = project('types-logging', { ...nodeTypes, pino: 'pino' });
      await typeCheck(
        dir,
        `
      import { requestLogger, getRequestLogger } from '@adv/deploy/logging';
      import { pino } from 'pino';
      export const mw = requestLogger({ logger: pino({ level: 'silent' }) });
      getRequestLogger()?.info('typed as pino');
      `,
      );
    },
    TSC_BOUND_MS + 30_000,
  );

  it(
    'defineSettings with zod 4 and with zod 3 schemas',
    async () => {
      const dir = project('types-zod', { ...nodeTypes, zod: 'zod', zod3: 'zod3' });
      await typeCheck(
        dir,
        `
      import { defineSettings } from '@adv/deploy';
      import { z } from 'zod';
      import { z as z3 } from 'zod3';
      const settings = defineSettings({
        schema: { PORT: z.coerce.number().int(), MODE: z3.enum(['a', 'b']), URL: z3.string().url().optional() },
      });
      const port: number = settings.PORT;
      const mode: 'a' | 'b' = settings.MODE;
      const url: string | undefined = settings.URL;
      // @ts-expect-error the output type is inferred, not any
      const wrong: string = settings.PORT;
      export const all = [port, mode, url, wrong];
      `,
      );
    },
    TSC_BOUND_MS + 30_000,
  );
});
