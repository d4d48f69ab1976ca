import { handleUpload, UploadError } from '@adv/deploy/media';
import { t } from '../i18n.js';
import { type DemoMedia, uploadFailure } from '../media.js';
import { type FieldRule, readForm, validateForm } from './forms.js';

/** The fields of the new-article form. */
export const ARTICLE_FIELDS: readonly FieldRule[] = [
  { name: 'author', label: 'form.name', max: 80 },
  { name: 'email', label: 'form.email', max: 120, email: true },
  { name: 'title', label: 'form.title', max: 160 },
  { name: 'body', label: 'form.body', max: 20_000 },
];

/** The new-article form's fields. */
export type ArticleFields = { author: string; email: string; title: string; body: string };

/** A new-article form read: its fields and the stored image's name, or what to answer instead. */
export type ArticleFormResult =
  | { ok: true; data: ArticleFields; image: string | undefined }
  | { ok: false; status: number; errors: string[]; values: Record<string, string>; headers?: HeadersInit };

const isMultipart = (request: Request) => /^multipart\/form-data\b/i.test(request.headers.get('content-type') ?? '');

/**
 * Reads the new-article form. A multipart body (the form with its optional `image`) streams
 * through `handleUpload`: the image is checked by its bytes, limited in size while it streams
 * and stored under a generated name; a file that fails any check is never left in the storage,
 * and an image whose form then fails validation is deleted again. A urlencoded body has no image.
 */
export async function readArticleForm(request: Request, media: DemoMedia): Promise<ArticleFormResult> {
  if (!isMultipart(request)) {
    const form = await readForm<ArticleFields>(request, ARTICLE_FIELDS);
    return form.ok ? { ...form, image: undefined } : { ...form, status: 400 };
  }
  let upload: Awaited<ReturnType<typeof handleUpload>>;
  try {
    upload = await handleUpload(request, { ...media.upload, signal: request.signal });
  } catch (error) {
    if (!(error instanceof UploadError)) throw error;
    const { status, message } = uploadFailure(error);
    return {
      ok: false,
      status,
      errors: [t(message)],
      values: {},
      ...(status === 503 ? { headers: { 'retry-after': '5' } } : {}),
    };
  }
  const image = upload.files.find((file) => file.field === 'image');
  const form = validateForm<ArticleFields>(upload.fields, ARTICLE_FIELDS);
  if (!form.ok) {
    // Nothing refers to the image: remove it (best effort; an orphan is harmless).
    if (image) await media.storage.delete(image.name).catch(() => {});
    return { ...form, status: 400 };
  }
  return { ok: true, data: form.data, image: image?.name };
}
