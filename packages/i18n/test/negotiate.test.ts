import { describe, expect, it } from 'vitest';
import { createNegotiator, MAX_LANGUAGE_RANGES, matchLocale, parseAcceptLanguage } from '../src/index.js';

const locales = ['en', 'pt-BR'];
const negotiate = createNegotiator(locales);

describe('parseAcceptLanguage', () => {
  it('parses q-values and sorts stably by quality', () => {
    expect(parseAcceptLanguage('fr;q=0.5, pt-BR , en;q=0.8,de;q=0.8')).toEqual([
      { tag: 'pt-BR', q: 1 },
      { tag: 'en', q: 0.8 },
      { tag: 'de', q: 0.8 },
      { tag: 'fr', q: 0.5 },
    ]);
  });

  it('drops malformed tags, malformed q-values and q=0', () => {
    expect(
      parseAcceptLanguage(
        'en;q=2, pt;q=-1, fr;q=abc, de;q=0, it;q=0.0001, es;q=0.001, <script>, x-toolongtagvalue, ja;Q=1.0',
      ),
    ).toEqual([
      { tag: 'ja', q: 1 },
      { tag: 'es', q: 0.001 },
    ]);
  });

  it('ignores parameters other than q', () => {
    expect(parseAcceptLanguage('pt;quux=1;q=0.5, en;level=1')).toEqual([
      { tag: 'en', q: 1 },
      { tag: 'pt', q: 0.5 },
    ]);
  });

  it('returns nothing for empty, missing or garbage headers', () => {
    for (const header of ['', null, undefined, ',,,;;;', ';q=1', '\u0000\u0001', '🙂']) {
      expect(parseAcceptLanguage(header)).toEqual([]);
    }
  });

  it('bounds huge headers and many entries', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => `x${'abcdefghij'[i % 10]};q=0.5`).join(',');
    expect(parseAcceptLanguage(`${many},pt-BR`)).toHaveLength(MAX_LANGUAGE_RANGES);
    expect(parseAcceptLanguage(`en${' '.repeat(1_000_000)};q=0.5`)).toEqual([]);
    expect(parseAcceptLanguage('a'.repeat(1_000_000))).toEqual([]);
    // 30 long entries, one filler, then `pt-BR;q=0.1` which the 1024 bound cuts to `pt-BR;`.
    const cut = `${'abcdefgh-abcdefgh-abcdefgh;q=0.9,'.repeat(30)}${'z'.repeat(27)},pt-BR;q=0.1`;
    expect(cut.slice(1018, 1024)).toBe('pt-BR;');
    expect(parseAcceptLanguage(cut).some((range) => range.tag === 'pt-BR')).toBe(false);
    expect(parseAcceptLanguage(cut.slice(0, 1024))).toContainEqual({ tag: 'pt-BR', q: 1 });
  });
});

describe('negotiation', () => {
  const cases: [string, string | undefined][] = [
    ['pt-BR,pt;q=0.9,en;q=0.8', 'pt-BR'],
    ['PT-br', 'pt-BR'],
    ['pt-PT,pt;q=0.9', 'pt-BR'], // region fallback: another variant of the language
    ['pt', 'pt-BR'],
    ['en-GB,en;q=0.9', 'en'], // parent language
    ['en-Latn-US', 'en'],
    ['fr-CA,fr;q=0.9,en;q=0.1', 'en'],
    ['de,fr', undefined],
    ['*', undefined],
    ['*, pt;q=0.5', 'pt-BR'],
    ['en;q=0.1, pt-BR;q=0.9', 'pt-BR'],
    ['en;q=bogus, pt-BR', 'pt-BR'],
    ['zh-Hant-TW', undefined],
  ];
  for (const [header, expected] of cases) {
    it(`${JSON.stringify(header)} -> ${expected ?? 'nothing'}`, () => {
      expect(negotiate(header)).toBe(expected);
      expect(negotiate(header)).toBe(expected); // cached answer is the same
    });
  }

  it('finds a match past a flood of unknown entries only within the bound', () => {
    const flood = Array.from({ length: 40 }, () => 'xx').join(',');
    expect(negotiate(`${flood},pt-BR`)).toBeUndefined();
    expect(negotiate(`${'xx,'.repeat(10)}pt-BR`)).toBe('pt-BR');
  });

  it('matchLocale prefers exact, then parent, then a sibling variant', () => {
    expect(matchLocale([{ tag: 'pt-PT', q: 1 }], ['pt-BR', 'pt'])).toBe('pt');
    expect(matchLocale([{ tag: 'pt-PT', q: 1 }], ['pt-BR', 'pt-PT'])).toBe('pt-PT');
    expect(matchLocale([{ tag: 'pt-AO', q: 1 }], ['en', 'pt-BR'])).toBe('pt-BR');
  });
});
