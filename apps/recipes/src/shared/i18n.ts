import { createI18n } from '@adv/i18n';

/** The catalogs every locale recipe uses: English and Brazilian Portuguese. */
export const i18n = createI18n({
  locales: ['en', 'pt-BR'],
  defaultLocale: 'en',
  messages: {
    en: { hello: 'Hello, {name}!' },
    'pt-BR': { hello: 'Olá, {name}!' },
  },
});
export const { t } = i18n;
