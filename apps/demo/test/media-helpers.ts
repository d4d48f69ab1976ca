/** Images, multipart posts and a real S3-compatible server (s3rver) for the demo's media tests. */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import sharp from 'sharp';

/** A real PNG of `width` x `height` (sharp encodes it). */
export function png(width = 640, height = 480): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 40, g: 120, b: 200 } } })
    .png()
    .toBuffer();
}

const chunk = (type: string, data: Buffer) => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
};

/**
 * A decompression bomb: a valid PNG header announcing `width` x `height` grey pixels, in well
 * under a kilobyte (one compressed row). Decoded it would take width x height bytes.
 */
export function pngBomb(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth; colour type 0 (grey), no interlace
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.alloc(width + 1))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The new-article form as a browser posts it (multipart, same-origin), with `image` as a file. */
export function postArticle(
  url: string,
  fields: Partial<Record<'author' | 'email' | 'title' | 'body', string>>,
  image?: { bytes: Uint8Array; name: string; type: string },
): Request {
  const form = new FormData();
  const values = { author: 'Ada', email: 'ada@example.com', title: 'A picture', body: 'Look at this.', ...fields };
  for (const [name, value] of Object.entries(values)) form.set(name, value);
  if (image) form.set('image', new File([new Uint8Array(image.bytes)], image.name, { type: image.type }));
  return new Request(url, { method: 'POST', headers: { origin: new URL(url).origin }, body: form });
}

/** Every file under `dir`, relative, sorted (none when it does not exist). */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

/** A running s3rver on a free loopback port with one empty bucket. */
export interface RunningS3 {
  /** `MEDIA_STORAGE_URL` for the bucket, served through the app under /media/. */
  storageUrl: string;
  client: S3Client;
  bucket: string;
  stop(): Promise<void>;
}

/** Starts s3rver (a real S3-compatible server, as the deploy package's tests use) with the bucket `bucket`. */
export async function startS3(bucket = 'demo-media'): Promise<RunningS3> {
  const directory = mkdtempSync(join(tmpdir(), 'adv-demo-s3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory });
  const { port } = await server.run();
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }; // s3rver's fixed test keys
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${port}`,
    forcePathStyle: true,
    credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  let stopped = false;
  return {
    storageUrl: `s3+http://S3RVER:S3RVER@127.0.0.1:${port}/${bucket}/board/?baseUrl=/media/`,
    client,
    bucket,
    async stop() {
      if (stopped) return;
      stopped = true;
      client.destroy();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
