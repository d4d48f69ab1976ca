import { contentType } from 'mime-types';

/**
 * The Content-Type for a file extension (with the dot), from `mime-types` (the mime-db
 * database): `; charset=utf-8` on text types and JSON (`text/vtt; charset=utf-8`), none on
 * binary ones (`audio/wav`) or on XML, whose encoding is declared in the document.
 * `application/octet-stream` when unknown.
 */
export function contentTypeFor(extension: string): string {
  return (extension && contentType(extension.toLowerCase())) || 'application/octet-stream';
}
