// gettext-parser 10 ships no types (and @types/gettext-parser describes v4): the part
// @adv/i18n uses, stated here. Internal only: no public declaration mentions these.
declare module 'gettext-parser' {
  export interface GetTextTranslation {
    msgctxt?: string;
    msgid: string;
    msgid_plural?: string;
    msgstr: string[];
    comments?: {
      translator?: string;
      extracted?: string;
      reference?: string;
      flag?: string;
      previous?: string;
    };
  }
  export interface GetTextTranslations {
    charset: string;
    headers: Record<string, string>;
    translations: Record<string, Record<string, GetTextTranslation>>;
    obsolete?: Record<string, Record<string, GetTextTranslation>>;
  }
  export const po: {
    parse(input: string | Uint8Array, options?: { defaultCharset?: string; validation?: boolean }): GetTextTranslations;
    compile(
      table: GetTextTranslations,
      options?: { foldLength?: number; sort?: boolean; escapeCharacters?: boolean },
    ): Uint8Array;
  };
}
