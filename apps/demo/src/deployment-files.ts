/**
 * The deployment files committed in this folder, from `@adv/deploy`'s generators:
 * `Dockerfile` and `deploy/nginx.conf` (`npm run generate` writes them; a test fails on drift).
 */
import { generateDockerfile, generateNginxConfig } from '@adv/deploy';

/** The files and their contents, relative to the package root. */
export function deploymentFiles(): Record<string, string> {
  const generated = generateDockerfile({
    entry: 'dist/main.js',
    port: 3000,
    buildScript: 'build',
    // Templates, catalogs and static sources are read at run time from the package root.
    outputs: ['dist', 'templates', 'locales', 'static'],
  });
  // Demo additions: listen on every interface inside the container, and a writable volume
  // for the SQLite database, outbox, exports and backups (the image runs as `node`).
  const dockerfile = generated
    .replace(/^ENV PORT=(\d+)$/m, 'ENV PORT=$1\nENV HOST=0.0.0.0')
    .replace(/^USER node$/m, 'RUN mkdir -p /app/data && chown node:node /app/data\nVOLUME /app/data\nUSER node');
  const nginx = generateNginxConfig({
    serverName: ['board.example.com'],
    upstreams: ['127.0.0.1:3000'],
    staticRoot: '/srv/adv-demo/dist/static',
    // Uploaded images on this machine's disk (MEDIA_ROOT, by default DATA_DIR/media), served by
    // nginx with serveMedia's headers; with MEDIA_STORAGE_URL (S3) drop it: the app serves them.
    mediaRoot: '/srv/adv-demo/data/media',
  });
  return { Dockerfile: dockerfile, 'deploy/nginx.conf': nginx };
}
