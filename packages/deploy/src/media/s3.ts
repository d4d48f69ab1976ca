import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type * as S3 from '@aws-sdk/client-s3';
import { invalidOption } from '../errors.js';
import { deployOptions } from '../options.js';
import { loadPeer } from '../peer.js';
import {
  assertMediaName,
  bytesOf,
  type MediaBody,
  type MediaStat,
  notFound,
  type OpenRange,
  type SaveOptions,
  type Storage,
  statDerived,
  unavailable,
} from './storage.js';

/** The part of an `S3Client` (`@aws-sdk/client-s3`) that {@link s3Storage} uses. */
export interface S3ClientLike {
  send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

/** Options of {@link s3Storage}. Pass `client`, or `endpoint` / `region` / `credentials` to build one. */
export interface S3StorageOptions {
  /** The bucket. */
  bucket: string;
  /** An `S3Client` of your own (its configuration wins over `endpoint`, `region`, `credentials`). */
  client?: S3ClientLike | undefined;
  /** An S3-compatible endpoint (MinIO, R2, s3rver …), e.g. `http://127.0.0.1:9000`. */
  endpoint?: string | undefined;
  /**
   * The region.
   * @defaultValue `'us-east-1'`
   */
  region?: string | undefined;
  /** Access keys; by default the SDK's chain (environment, profile, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
  /**
   * Path-style URLs (`endpoint/bucket/key`), as most S3-compatible servers need.
   * @defaultValue `true` with `endpoint`, else `false`
   */
  forcePathStyle?: boolean | undefined;
  /**
   * A key prefix inside the bucket, ending with `/` (e.g. `'media/'`).
   * @defaultValue `''`
   */
  keyPrefix?: string | undefined;
  /**
   * Public URL prefix of the files, ending with `/` (a CDN, or `MEDIA_URL` when the app serves them with `serveMedia`).
   * @defaultValue the bucket's URL: `endpoint/bucket/` path-style, else `https://bucket.s3.region.amazonaws.com/`
   */
  baseUrl?: string | undefined;
}

/** Defaults of {@link s3Storage}. */
export const S3_STORAGE_DEFAULTS = { region: 'us-east-1', keyPrefix: '' } as const;

const PEER = { name: '@aws-sdk/client-s3', range: '^3.729.0', feature: 's3Storage()' } as const;

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

/**
 * Media files in an S3 bucket or any S3-compatible server (django-storages' `S3Storage`), on
 * `@aws-sdk/client-s3`, an optional peer dependency (`npm install @aws-sdk/client-s3`). A save
 * spools the body to a temporary file first (S3 needs the length up front), so a failed or
 * aborted upload never creates an object.
 *
 * @example
 * ```ts
 * const storage = s3Storage({ bucket: 'media', endpoint: 'http://127.0.0.1:9000', credentials });
 * ```
 */
export function s3Storage(options: S3StorageOptions): Storage {
  const o = resolveS3Options(options);
  const sdk = loadPeer<typeof S3>(PEER);
  const client = o.client ?? createClient(sdk, o);
  const s3: S3Context = {
    sdk,
    bucket: o.bucket,
    keyOf: (name) => {
      assertMediaName(name);
      return o.keyPrefix + name;
    },
    send: sender(client),
  };
  const statOf = (name: string) => statObject(s3, name);
  return {
    save: (name: string, body: MediaBody, saveOptions?: SaveOptions) => saveObject(s3, name, body, saveOptions),
    open: (name: string, range?: OpenRange) => openObject(s3, name, range),
    async delete(name: string) {
      if (!(await statOf(name))) return false;
      await s3.send(
        new sdk.DeleteObjectCommand({ Bucket: s3.bucket, Key: s3.keyOf(name) }),
        `delete ${JSON.stringify(name)}`,
      );
      return true;
    },
    ...statDerived(statOf, baseUrlOf(o)),
  };
}

function resolveS3Options(options: S3StorageOptions) {
  const o = deployOptions(
    's3Storage',
    options,
    {
      bucket: true,
      client: true,
      endpoint: true,
      region: true,
      credentials: true,
      forcePathStyle: true,
      keyPrefix: true,
      baseUrl: true,
    },
    S3_STORAGE_DEFAULTS,
  );
  if (typeof o.bucket !== 'string' || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(o.bucket))
    invalidOption('bucket', 'an S3 bucket name', o.bucket);
  if (o.keyPrefix !== '' && (typeof o.keyPrefix !== 'string' || !o.keyPrefix.endsWith('/')))
    invalidOption('keyPrefix', 'a key prefix ending with `/` (or `""`)', o.keyPrefix);
  if (o.endpoint !== undefined && (typeof o.endpoint !== 'string' || !/^https?:\/\//.test(o.endpoint)))
    invalidOption('endpoint', 'an http(s) URL', o.endpoint);
  if (o.baseUrl !== undefined && (typeof o.baseUrl !== 'string' || !o.baseUrl.endsWith('/')))
    invalidOption('baseUrl', 'a URL prefix ending with `/`', o.baseUrl);
  return o;
}

type ResolvedS3 = ReturnType<typeof resolveS3Options>;

/** An `S3Client` from the options: path-style with an `endpoint`, checksums only where required. */
function createClient(sdk: typeof S3, o: ResolvedS3): S3ClientLike {
  return new sdk.S3Client({
    region: o.region,
    forcePathStyle: o.forcePathStyle ?? o.endpoint !== undefined,
    // Plain PUTs with a Content-Length: S3-compatible servers do not all take aws-chunked bodies.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(o.credentials ? { credentials: o.credentials } : {}),
  }) as S3ClientLike;
}

/** `baseUrl`, else the bucket's own URL (path-style under `endpoint`, else virtual-hosted on AWS). */
function baseUrlOf(o: ResolvedS3): string {
  return (
    o.baseUrl ??
    (o.endpoint
      ? `${o.endpoint.replace(/\/+$/, '')}/${o.bucket}/${o.keyPrefix}`
      : `https://${o.bucket}.s3.${o.region}.amazonaws.com/${o.keyPrefix}`)
  );
}

/** What the object operations share: the SDK, the bucket, name → key, and a `send` that types failures. */
interface S3Context {
  sdk: typeof S3;
  bucket: string;
  keyOf(name: string): string;
  send<T>(command: unknown, action: string, signal?: AbortSignal): Promise<T>;
}

/** `client.send` where a failure other than a 404 or an abort becomes `ERR_STORAGE_UNAVAILABLE`. */
function sender(client: S3ClientLike): S3Context['send'] {
  return async <T>(command: unknown, action: string, signal?: AbortSignal): Promise<T> => {
    try {
      return (await client.send(command, signal ? { abortSignal: signal } : undefined)) as T;
    } catch (error) {
      if (signal?.aborted) throw error;
      throw error instanceof Error && statusOf(error) === 404 ? error : unavailable('S3', action, error);
    }
  };
}

async function statObject(s3: S3Context, name: string): Promise<MediaStat | null> {
  const key = s3.keyOf(name);
  let head: S3.HeadObjectCommandOutput;
  try {
    head = await s3.send(new s3.sdk.HeadObjectCommand({ Bucket: s3.bucket, Key: key }), `stat ${JSON.stringify(name)}`);
  } catch (error) {
    if (statusOf(error) === 404) return null;
    throw error;
  }
  return {
    size: head.ContentLength ?? 0,
    lastModified: head.LastModified ?? new Date(0),
    etag: head.ETag ?? `"${(head.ContentLength ?? 0).toString(16)}"`,
    contentType: head.ContentType ?? 'application/octet-stream',
  };
}

/** Spools the body to a temporary file (S3 needs the length up front), then PUTs it: a failed or aborted upload creates no object. */
async function saveObject(
  s3: S3Context,
  name: string,
  body: MediaBody,
  saveOptions?: SaveOptions,
): Promise<{ name: string; size: number }> {
  const key = s3.keyOf(name);
  const signal = saveOptions?.signal;
  signal?.throwIfAborted();
  const spool = join(tmpdir(), `adv-media-${randomUUID()}`);
  try {
    await pipeline(Readable.from(bytesOf(body)), createWriteStream(spool, { flags: 'wx' }), signal ? { signal } : {});
    const { size } = await stat(spool);
    await s3.send(
      new s3.sdk.PutObjectCommand({
        Bucket: s3.bucket,
        Key: key,
        Body: createReadStream(spool),
        ContentLength: size,
        ContentType: saveOptions?.contentType ?? 'application/octet-stream',
      }),
      `save ${JSON.stringify(name)}`,
      signal,
    );
    return { name, size };
  } finally {
    await rm(spool, { force: true });
  }
}

async function openObject(s3: S3Context, name: string, range?: OpenRange): Promise<ReadableStream<Uint8Array>> {
  const key = s3.keyOf(name);
  let out: S3.GetObjectCommandOutput;
  try {
    out = await s3.send(
      new s3.sdk.GetObjectCommand({
        Bucket: s3.bucket,
        Key: key,
        ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
      }),
      `open ${JSON.stringify(name)}`,
    );
  } catch (error) {
    if (statusOf(error) === 404) throw notFound(name, error);
    throw error;
  }
  const stream = out.Body as unknown as Readable;
  return Readable.toWeb(stream) as ReadableStream<Uint8Array>;
}
