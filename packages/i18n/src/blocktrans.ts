/**
 * The message id of a `{% blocktrans %}` block. An ICU body is used as is (trimmed); a
 * Django-style body, with `{{ var }}` placeholders (simple names, as Django requires) and an optional `{% plural %}` separator,
 * becomes the equivalent ICU message, so Django templates port unchanged:
 *
 * `{% blocktrans count: n %}{{ count }} item{% plural %}{{ count }} items{% endblocktrans %}`
 * -> `{count, plural, one {# item} other {# items}}`.
 *
 * Shared by the LiquidJS tag and `adv-i18n extract`, so both derive the same id.
 */
export function blocktransId(singular: string, plural: string | undefined, keys: readonly string[]): string {
  const djangoStyle = plural !== undefined || /\{\{-?\s*\w+\s*-?\}\}/.test(singular);
  if (!djangoStyle) return singular.trim();
  const count = keys.includes('count') ? 'count' : keys[0];
  const convert = (text: string, inPlural: boolean) =>
    text
      .trim()
      .replace(/'/g, "''")
      .replace(/[{}](?![{}])/g, (brace, offset: number, whole: string) =>
        // Keep `{{`/`}}` of placeholders; escape lone braces of the text.
        whole[offset - 1] === brace ? brace : `'${brace}'`,
      )
      .replace(/\{\{-?\s*(\w+)\s*-?\}\}/g, (_match, name: string) => (inPlural && name === count ? '#' : `{${name}}`));
  if (plural === undefined || count === undefined) return convert(singular, false);
  return `{${count}, plural, one {${convert(singular, true)}} other {${convert(plural, true)}}}`;
}

/** The hash keys written in a tag's arguments: `count: n, name: user.name` -> `['count', 'name']`. */
export function hashKeys(args: string): string[] {
  return [...args.matchAll(/([\w-]+)\s*[:=]/g)].map((match) => match[1]!);
}
