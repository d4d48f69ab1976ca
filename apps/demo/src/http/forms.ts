import { t } from '../i18n.js';

/** A validated form: the cleaned values, or the localized errors to show. */
export type FormResult<T> = { ok: true; data: T } | { ok: false; errors: string[]; values: Record<string, string> };

/** One field of a form: its name, the message key of its label, its longest value. */
export interface FieldRule {
  name: string;
  label: string;
  max: number;
  email?: boolean;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Reads and validates a urlencoded or multipart form against simple rules. */
export async function readForm<T extends Record<string, string>>(
  request: Request,
  rules: readonly FieldRule[],
): Promise<FormResult<T>> {
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    form = new FormData();
  }
  const fields: Record<string, string> = {};
  for (const rule of rules) fields[rule.name] = String(form.get(rule.name) ?? '');
  return validateForm<T>(fields, rules);
}

/** Validates fields already read (a multipart body `handleUpload` parsed) against the same rules. */
export function validateForm<T extends Record<string, string>>(
  fields: Readonly<Record<string, string | undefined>>,
  rules: readonly FieldRule[],
): FormResult<T> {
  const values: Record<string, string> = {};
  const errors: string[] = [];
  for (const rule of rules) {
    const value = (fields[rule.name] ?? '').trim();
    values[rule.name] = value;
    const field = t(rule.label);
    if (value === '') errors.push(t('form.required', { field }));
    else if (value.length > rule.max) errors.push(t('form.tooLong', { field, max: rule.max }));
    else if (rule.email && !EMAIL.test(value)) errors.push(t('form.badEmail'));
  }
  return errors.length > 0 ? { ok: false, errors, values } : { ok: true, data: values as T };
}
