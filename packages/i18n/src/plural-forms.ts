// gettext's Plural-Forms header against CLDR's plural categories, for `import-po`.
import pluralFormsModule from '@tannin/plural-forms';

/** CLDR plural categories in their usual order. */
export const PLURAL_CATEGORIES = ['zero', 'one', 'two', 'few', 'many', 'other'];

// The package is CommonJS (`module.exports = pluralForms`) with an ESM-style `export default`
// in its .d.ts, so under NodeNext TypeScript sees the module object where Node gives the function.
const pluralFormsOf = pluralFormsModule as unknown as (expression: string) => (n: number) => number;

/** Integers tried as samples of each CLDR plural category (`many` in pt/fr/es needs a million). */
const SAMPLES = [...Array.from({ length: 200 }, (_, n) => n), 1000, 10000, 100000, 1000000];

/**
 * For each CLDR category of `locale` (and `=n` for a few numbers that need an exact arm), the index of the gettext form `plural` picks for most
 * numbers of that category (where CLDR and the file's expression split numbers differently,
 * the numbers in the minority get the form of their CLDR category: Plural-Forms of lv gives 0
 * its own form, CLDR counts it with 10 and 11). Categories that only fractions reach (ru `other`, cs `many`) have no
 * integer for gettext's `n`: `other` takes the last form, the others are left to `other`.
 */
export function formIndexByCategory(locale: string, header: string): Map<string, number> | string {
  const nplurals = Number(/nplurals\s*=\s*(\d+)/.exec(header)?.[1]);
  const expression = /plural\s*=\s*([^;]+)/.exec(header)?.[1]?.trim();
  if (!Number.isInteger(nplurals) || nplurals < 1 || !expression)
    return `Plural-Forms header ${JSON.stringify(header)} is not "nplurals=N; plural=EXPR;"`;
  let pick: (n: number) => number;
  try {
    // @tannin/plural-forms evaluates the C expression without eval (WordPress's Tannin uses it).
    // @tannin/plural-forms 1.1 drops the else branch of `c?2:1` written without spaces (ro's
    // header in Django's files): `(n>19)?2:1` gave 2 for every n. Spaced, it parses right.
    pick = pluralFormsOf(expression.replace(/\s*([?:])\s*/g, ' $1 '));
    for (const n of SAMPLES) {
      const form = Number(pick(n));
      if (!Number.isInteger(form) || form < 0 || form >= nplurals) {
        return `Plural-Forms expression ${JSON.stringify(expression)} gives ${form} for n = ${n}, not a form from 0 to ${nplurals - 1}`;
      }
    }
  } catch (error) {
    return `Plural-Forms expression ${JSON.stringify(expression)} does not parse: ${error instanceof Error ? error.message : String(error)}`;
  }
  const rules = new Intl.PluralRules(locale);
  const forms = new Map<string, number>();
  for (const category of PLURAL_CATEGORIES.filter((c) =>
    (rules.resolvedOptions().pluralCategories as string[]).includes(c),
  )) {
    // The form most of the category's numbers get; on a tie, the form of its smallest number
    // above 0 (pt, fr, hy count 0 as "one", gettext's `n != 1` does not: 1 decides).
    const votes = new Map<number, number>();
    for (const n of SAMPLES)
      if (rules.select(n) === category) votes.set(Number(pick(n)), (votes.get(Number(pick(n))) ?? 0) + 1);
    if (votes.size === 0) {
      if (category === 'other') forms.set(category, nplurals - 1);
      continue;
    }
    const most = Math.max(...votes.values());
    const tied = [...votes].filter(([, count]) => count === most).map(([form]) => form);
    const positive = SAMPLES.find((n) => n > 0 && rules.select(n) === category && tied.includes(Number(pick(n))));
    forms.set(category, positive === undefined ? tied[0]! : Number(pick(positive)));
  }
  if (!forms.has('other')) forms.set('other', nplurals - 1);
  // Numbers the file's expression puts in another form than their CLDR category's get an exact
  // ICU arm (`=0 {…}`: pt, hi, hy count 0 as "one", their `n != 1` does not), when they are few.
  const exact = SAMPLES.filter(
    (n) => forms.get(rules.select(n)) !== undefined && Number(pick(n)) !== forms.get(rules.select(n)),
  );
  if (exact.length > 0 && exact.length <= MAX_EXACT_ARMS) {
    return new Map([...exact.map((n): [string, number] => [`=${n}`, Number(pick(n))]), ...forms]);
  }
  return forms;
}

/** At most this many `=n` arms are added to make a plural follow a file's Plural-Forms. */
const MAX_EXACT_ARMS = 5;
