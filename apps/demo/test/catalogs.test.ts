import { readdirSync, readFileSync } from 'node:fs';
import { createI18n } from '@adv/i18n';
import { describe, expect, it } from 'vitest';
import { fromRoot } from '../src/paths.js';

const catalog = (locale: string) => JSON.parse(readFileSync(fromRoot('locales', `${locale}.json`), 'utf8'));

describe('message catalogs', () => {
  it('translate every key into Brazilian Portuguese, with valid ICU that strict validation accepts', () => {
    const en = catalog('en');
    const ptBR = catalog('pt-BR');
    expect(Object.keys(ptBR).sort()).toEqual(Object.keys(en).sort());
    expect(() =>
      createI18n({ locales: ['en', 'pt-BR'], defaultLocale: 'en', messages: { en, 'pt-BR': ptBR }, strict: true }),
    ).not.toThrow();
  });

  it('cover every key the templates and code use', () => {
    const en = catalog('en');
    const sources = [
      ...readdirSync(fromRoot('templates')).map((name) => fromRoot('templates', name)),
      ...['routes.ts', 'http/forms.ts', 'http/errors.ts', 'jobs/tasks.ts'].map((name) => fromRoot('src', name)),
    ].map((file) => readFileSync(file, 'utf8'));
    const used = new Set<string>();
    for (const text of sources) {
      for (const match of text.matchAll(
        /['"]((?:site|nav|list|popular|article|comments|form|new|export|error|mail|csv)\.[a-zA-Z]+)['"]/g,
      ))
        used.add(match[1]!);
    }
    expect(used.size).toBeGreaterThan(20);
    expect([...used].filter((key) => !(key in en))).toEqual([]);
  });
});
