/**
 * Media files (#21), over real HTTP on loopback, all servers and the client in this one process:
 *
 * 1. Upload throughput of one 10 MB file (a PNG: signature, IHDR, one big IDAT of random bytes)
 *    posted as `multipart/form-data` and stored to disk under a generated name: `uploadHandler`
 *    of `@adv/deploy/media` (on `serve()` of `@adv/async`) beside `@fastify/multipart` (on
 *    fastify) and `multer` (`diskStorage`, on `node:http`). Ours also detects the type from the
 *    bytes (`file-type`) and checks it against an allow-list; the peers trust the client.
 * 2. Range requests on a 4 MB video file: `serveMedia` (on `serve()`) beside `serve-static`
 *    (on `node:http`), each request a 64 KiB `Range` at a varying offset, the body read in full.
 *
 * Interleaved rounds with the order rotated, after a warm-up; each value is the contender's
 * median round per CPU-second of this process, with the range of rounds, the wall-clock median
 * and the load average noted. `npx tsx deploy/media.ts
 * [--quick]` prints the rows alone.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server as NodeServer, type ServerResponse } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { serve } from '@adv/async';
import { diskStorage, serveMedia, uploadHandler } from '@adv/deploy/media';
import { compose } from '@adv/types';
import fastifyMultipart from '@fastify/multipart';
import Fastify from 'fastify';
import multer from 'multer';
import serveStatic from 'serve-static';
import type { BenchRow } from '../lib/report.js';

const MB = 1024 * 1024;
const FILE_BYTES = 10 * MB;
const VIDEO_BYTES = 4 * MB;
const RANGE_BYTES = 64 * 1024;
const BOUNDARY = '----advbench7MA4YWxkTrZu0gW';

/** A contender: a base URL and a way to stop its server. */
interface Contender {
  name: string;
  url: string;
  close(): Promise<void>;
}

interface Measure {
  median: number;
  min: number;
  max: number;
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data.subarray(0, 64)])), 0); // no decoder reads it here
  return Buffer.concat([head, data, crc]);
}

/** A PNG-shaped file of `bytes` bytes (what `file-type` recognises as `image/png`). */
function pngOf(bytes: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1024, 0);
  ihdr.writeUInt32BE(1024, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const fixed = signature.length + 12 + ihdr.length + 12 + 12;
  return Buffer.concat([
    signature,
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', randomBytes(bytes - fixed)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** One multipart body, the same bytes for every contender (a plain `Uint8Array`, as `fetch` types its body). */
function multipartBody(file: Buffer): Uint8Array<ArrayBuffer> {
  const body = Buffer.concat([
    Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="title"\r\n\r\nholiday\r\n` +
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="photo.png"\r\nContent-Type: image/png\r\n\r\n`,
    ),
    file,
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);
  return new Uint8Array(body.buffer, body.byteOffset, body.byteLength) as Uint8Array<ArrayBuffer>;
}

async function listen(server: NodeServer): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return `http://127.0.0.1:${address.port}`;
}

const closeNode = (server: NodeServer) => () =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

async function oursUpload(dir: string): Promise<Contender> {
  const storage = diskStorage({ root: dir, baseUrl: '/media/' });
  const upload = uploadHandler({ storage, allow: ['image/png'], maxFileBytes: 2 * FILE_BYTES, directory: '' });
  const server = await serve(upload, { port: 0, host: '127.0.0.1', bodyLimit: 4 * FILE_BYTES });
  return { name: 'uploadHandler', url: `${server.url}/upload`, close: () => server.close() };
}

async function fastifyUpload(dir: string): Promise<Contender> {
  const app = Fastify({ bodyLimit: 4 * FILE_BYTES });
  await app.register(fastifyMultipart, { limits: { fileSize: 2 * FILE_BYTES } });
  app.post('/upload', async (request, reply) => {
    const fields: Record<string, string> = {};
    const files: { name: string; size: number }[] = [];
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        fields[part.fieldname] = String(part.value);
        continue;
      }
      const name = `${randomUUID()}.png`;
      await pipeline(part.file, createWriteStream(join(dir, name)));
      if (part.file.truncated) throw new Error('file too large');
      files.push({ name, size: part.file.bytesRead });
    }
    return reply.code(201).send({ files, fields });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { name: '@fastify/multipart', url: `http://127.0.0.1:${address.port}/upload`, close: () => app.close() };
}

async function multerUpload(dir: string): Promise<Contender> {
  const middleware = multer({
    storage: multer.diskStorage({ destination: dir, filename: (_req, _file, cb) => cb(null, `${randomUUID()}.png`) }),
    limits: { fileSize: 2 * FILE_BYTES },
  }).single('file');
  const server = createServer((req, res) => {
    middleware(req as never, res as never, (error?: unknown) => {
      const file = (req as IncomingMessage & { file?: Express.Multer.File }).file;
      if (error || !file) {
        res.writeHead(400).end(String(error));
        return;
      }
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          files: [{ name: file.filename, size: file.size }],
          fields: (req as never as { body: unknown }).body,
        }),
      );
    });
  });
  const url = await listen(server);
  return { name: 'multer', url: `${url}/upload`, close: closeNode(server) };
}

async function oursMedia(dir: string): Promise<Contender> {
  const storage = diskStorage({ root: dir, baseUrl: '/media/' });
  const notFound = () => new Response('not found', { status: 404 });
  const server = await serve(compose(serveMedia({ storage, prefix: '/media/' }))(notFound), {
    port: 0,
    host: '127.0.0.1',
  });
  return { name: 'serveMedia', url: `${server.url}/media/`, close: () => server.close() };
}

async function serveStaticMedia(dir: string): Promise<Contender> {
  const files = serveStatic(dir, { index: false });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (!req.url?.startsWith('/media/')) {
      res.writeHead(404).end('not found');
      return;
    }
    req.url = req.url.slice('/media'.length);
    files(req, res, () => res.writeHead(404).end('not found'));
  });
  const url = await listen(server);
  return { name: 'serve-static', url: `${url}/media/`, close: closeNode(server) };
}

/** Posts the body once and checks the file was stored (status 201, one file of the right size). */
async function postOnce(url: string, body: Uint8Array<ArrayBuffer>): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
  });
  const json = (await response.json()) as { files?: { size: number }[] };
  if (response.status !== 201 || json.files?.length !== 1 || json.files[0]?.size !== FILE_BYTES)
    throw new Error(`${url}: upload answered ${response.status} ${JSON.stringify(json)}`);
}

let rangeOffset = 0;
/** One 64 KiB range at the next offset, body read and checked. */
async function rangeOnce(url: string): Promise<void> {
  rangeOffset = (rangeOffset + 257 * 1024) % (VIDEO_BYTES - RANGE_BYTES);
  const response = await fetch(url, { headers: { range: `bytes=${rangeOffset}-${rangeOffset + RANGE_BYTES - 1}` } });
  const body = await response.arrayBuffer();
  if (response.status !== 206 || body.byteLength !== RANGE_BYTES)
    throw new Error(`${url}: range answered ${response.status} with ${body.byteLength} bytes`);
}

/** A contender's rounds: units per wall-clock second and per CPU-second of this process. */
interface Rounds {
  wall: Measure;
  cpu: Measure;
}

const measureOf = (values: readonly number[]): Measure => ({
  median: median(values),
  min: Math.min(...values),
  max: Math.max(...values),
});

/**
 * Runs each contender's `work` in rounds, the order rotated every round, and returns each one's
 * median, min and max of units per second, by the wall clock and per CPU-second of this process
 * (user + system: the server's and the client's work, the client's the same for every contender).
 * On a shared machine the CPU figure holds up better: other processes' load stretches the wall
 * clock, not the CPU time this process spends.
 */
async function rounds(
  contenders: readonly Contender[],
  work: (contender: Contender) => Promise<number>,
  count: number,
  afterEach: () => void = () => {},
): Promise<Map<string, Rounds>> {
  for (const contender of contenders) await work(contender); // warm-up
  afterEach();
  const wall = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  const cpu = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let round = 0; round < count; round++) {
    const order = [...contenders.slice(round % contenders.length), ...contenders.slice(0, round % contenders.length)];
    for (const contender of order) {
      const start = performance.now();
      const cpuStart = process.cpuUsage();
      const units = await work(contender);
      const used = process.cpuUsage(cpuStart);
      wall.get(contender.name)?.push(units / ((performance.now() - start) / 1000));
      cpu.get(contender.name)?.push(units / ((used.user + used.system) / 1e6));
      afterEach();
    }
  }
  return new Map(
    contenders.map(({ name }) => [
      name,
      { wall: measureOf(wall.get(name) ?? []), cpu: measureOf(cpu.get(name) ?? []) },
    ]),
  );
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join('/');
const fmt = (m: Measure | undefined, digits: number) =>
  m ? `${m.min.toFixed(digits)}–${m.max.toFixed(digits)}` : 'n/a';

export async function mediaRows(quick: boolean): Promise<BenchRow[]> {
  const root = mkdtempSync(join(tmpdir(), 'adv-bench-media-'));
  const started: Contender[] = [];
  try {
    const loadBefore = load();
    const uploads = ['ours', 'fastify', 'multer'].map((name) => join(root, name));
    for (const dir of uploads) mkdirSync(dir);
    const [oursDir = '', fastifyDir = '', multerDir = ''] = uploads;
    const uploaders = [await oursUpload(oursDir), await fastifyUpload(fastifyDir), await multerUpload(multerDir)];
    started.push(...uploaders);
    const body = multipartBody(pngOf(FILE_BYTES));
    const perRound = quick ? 1 : 4;
    const clear = () => {
      for (const dir of uploads) for (const name of readdirSync(dir)) rmSync(join(dir, name), { force: true });
    };
    const upload = await rounds(
      uploaders,
      async ({ url }) => {
        for (let i = 0; i < perRound; i++) await postOnce(url, body);
        return (perRound * FILE_BYTES) / MB;
      },
      quick ? 2 : 7,
      clear,
    );

    const mediaDir = join(root, 'media');
    mkdirSync(mediaDir);
    writeFileSync(join(mediaDir, 'clip.mp4'), randomBytes(VIDEO_BYTES));
    const servers = [await oursMedia(mediaDir), await serveStaticMedia(mediaDir)];
    started.push(...servers);
    const requests = quick ? 30 : 400;
    const ranges = await rounds(
      servers,
      async ({ url }) => {
        for (let i = 0; i < requests; i++) await rangeOnce(`${url}clip.mp4`);
        return requests;
      },
      quick ? 2 : 9,
    );
    const loadNote = `load avg ${loadBefore} → ${load()}`;
    /** A row of CPU-second medians (the steadier figure here), with ranges, wall-clock medians and load noted. */
    const row = (
      unit: string,
      kase: string,
      measures: Map<string, Rounds>,
      [ours, peer, peerLabel]: [string, string, string],
      note: string,
    ): BenchRow => {
      const o = measures.get(ours);
      const p = measures.get(peer);
      const wall = `wall-clock medians ${o?.wall.median.toFixed(0)} vs ${p?.wall.median.toFixed(0)} ${unit.split(' ')[0]}/s`;
      return {
        suite: 'deploy',
        case: kase,
        unit,
        higherIsBetter: true,
        ours: { name: ours, value: o?.cpu.median ?? Number.NaN },
        peer: { name: peerLabel, value: p?.cpu.median ?? Number.NaN },
        note: `${note}CPU-s ranges ${fmt(o?.cpu, 0)} vs ${fmt(p?.cpu, 0)}; ${wall}; ${loadNote}`,
      };
    };
    const uploadCase = 'upload a 10 MB file to disk over HTTP';
    const typeNote = 'ours also checks the type by content; ';
    return [
      row('MB per CPU-s', uploadCase, upload, ['uploadHandler', '@fastify/multipart', '@fastify/multipart'], typeNote),
      row('MB per CPU-s', uploadCase, upload, ['uploadHandler', 'multer', 'multer (diskStorage)'], typeNote),
      row(
        'req per CPU-s',
        'GET a 64 KiB Range of a 4 MB video over HTTP',
        ranges,
        ['serveMedia', 'serve-static', 'serve-static'],
        'ours also sends nosniff, CSP sandbox, Content-Disposition; ',
      ),
    ];
  } finally {
    for (const contender of started) await contender.close();
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { toMarkdown } = await import('../lib/report.js');
  console.log(toMarkdown(await mediaRows(process.argv.includes('--quick'))));
}
