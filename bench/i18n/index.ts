import { AsyncLocalStorage } from 'node:async_hooks';
import { createI18n, createNegotiator, localeMiddleware } from '@adv/i18n';
import { createIntl, createIntlCache } from '@formatjs/intl';
import i18next from 'i18next';
import ICU from 'i18next-icu';
import Negotiator from 'negotiator';
import { measureOps, percentile } from '../lib/ops.js';
import type { BenchRow } from '../lib/report.js';

// One message with a plural and a number, as the issue asks, in pt-BR.
const en = { items: '{count, plural, one {# item} other {# items}} for {total, number}' };
const ptBR = { items: '{count, plural, one {# item} other {# itens}} por {total, number}' };
const FORMATS = 100_000;

/** Calls `fn` `count` times and returns calls per second. */
function callRate(fn: (n: number) => number, count: number): number {
  let sink = 0;
  const start = process.hrtime.bigint();
  for (let n = 0; n < count; n++) sink += fn(n);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (sink === 0) throw new Error('nothing negotiated');
  return count / seconds;
}

/** Formats `FORMATS` messages in a loop and returns messages per second (best of `rounds`). */
function formatRate(format: (n: number) => string, rounds: number): number {
  let best = 0;
  let sink = 0;
  for (let round = 0; round < rounds; round++) {
    const start = process.hrtime.bigint();
    for (let n = 0; n < FORMATS; n++) sink += format(n).length;
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    best = Math.max(best, FORMATS / seconds);
  }
  if (sink === 0) throw new Error('nothing formatted');
  return best;
}

async function messageRows(quick: boolean): Promise<BenchRow[]> {
  const ours = createI18n({ locales: ['en', 'pt-BR'], defaultLocale: 'en', messages: { en, 'pt-BR': ptBR } });
  const raw = createIntl({ locale: 'pt-BR', messages: ptBR }, createIntlCache());
  const next = i18next.createInstance();
  await next.use(ICU).init({
    lng: 'pt-BR',
    fallbackLng: 'en',
    initAsync: false,
    resources: { en: { translation: en }, 'pt-BR': { translation: ptBR } },
  });
  const expected = '2 itens por 1.234,5';
  const values = (n: number) => ({ count: 2 + (n & 7), total: 1234.5 + (n & 3) });
  const check = [
    ours.withLocale('pt-BR', () => ours.t('items', { count: 2, total: 1234.5 })),
    raw.formatMessage({ id: 'items' }, { count: 2, total: 1234.5 }),
    next.t('items', { count: 2, total: 1234.5 }),
  ];
  if (check.some((text) => text !== expected)) throw new Error(`outputs differ: ${JSON.stringify(check)}`);

  const rounds = quick ? 1 : 5;
  const fn = {
    ours: (n: number) => ours.t('items', values(n)),
    raw: (n: number) => raw.formatMessage({ id: 'items' }, values(n)) as string,
    i18next: (n: number) => next.t('items', values(n)),
  };
  // Warm up every side, then interleave the measurements so drift hits all of them alike.
  for (const f of Object.values(fn)) formatRate(f, 1);
  const rate = { ours: 0, raw: 0, i18next: 0 };
  for (let round = 0; round < rounds; round++) {
    rate.ours = Math.max(
      rate.ours,
      ours.withLocale('pt-BR', () => formatRate(fn.ours, 1)),
    );
    rate.raw = Math.max(rate.raw, formatRate(fn.raw, 1));
    rate.i18next = Math.max(rate.i18next, formatRate(fn.i18next, 1));
  }
  const row = (peer: string, value: number, note: string): BenchRow => ({
    suite: 'i18n',
    case: 't(): plural + number, 100,000 formats (pt-BR)',
    unit: 'msgs/s',
    higherIsBetter: true,
    ours: { name: '@adv/i18n t()', value: rate.ours },
    peer: { name: peer, value },
    note,
  });
  return [
    row('raw @formatjs/intl formatMessage', rate.raw, 'goal: within 1.1x'),
    row('i18next + i18next-icu', rate.i18next, 'goal: ahead'),
  ];
}

async function negotiationRows(quick: boolean): Promise<BenchRow[]> {
  const locales = ['en', 'pt-BR'];
  const negotiate = createNegotiator(locales);
  const header = 'pt-BR,pt;q=0.9,en-US;q=0.8,en;q=0.7';
  // 2,000 distinct headers: more than the negotiator's cache holds, so every call parses.
  const bases = ['pt-BR', 'pt-PT', 'en-US', 'en-GB', 'fr-FR', 'de', 'es-419', 'it'];
  const unique = Array.from({ length: 2000 }, (_, i) => {
    const q = (1 + (i % 9)) / 10;
    return `${bases[i % 8]},${bases[(i >> 3) % 8]};q=${q},en;q=0.${i % 7}${i % 5}`;
  });
  const peer = (h: string) => new Negotiator({ headers: { 'accept-language': h } }).language(locales);
  if (negotiate(header) !== 'pt-BR' || peer(header) !== 'pt-BR') throw new Error('negotiation differs');
  // Interleaved best-of rounds, like the message rows: a noisy neighbour then hits both sides.
  const fn = {
    oursSame: () => negotiate(header)?.length ?? 0,
    peerSame: () => peer(header)?.length ?? 0,
    oursUnique: (n: number) => negotiate(unique[n % unique.length])?.length ?? 0,
    peerUnique: (n: number) => peer(unique[n % unique.length]!)?.length ?? 0,
  };
  const ops = { oursSame: 0, peerSame: 0, oursUnique: 0, peerUnique: 0 };
  for (let round = 0; round < (quick ? 2 : 6); round++) {
    for (const name of Object.keys(fn) as (keyof typeof fn)[]) {
      ops[name] = Math.max(ops[name], callRate(fn[name], quick ? 20_000 : 100_000));
    }
  }
  const row = (name: string, ours: number, theirs: number): BenchRow => ({
    suite: 'i18n',
    case: name,
    unit: 'ops/s',
    higherIsBetter: true,
    ours: { name: 'createNegotiator()', value: ours },
    peer: { name: 'negotiator (Express accepts)', value: theirs },
  });
  return [
    row('Accept-Language negotiation, repeated header', ops.oursSame, ops.peerSame),
    row('Accept-Language negotiation, 2,000 distinct headers', ops.oursUnique, ops.peerUnique),
  ];
}

/**
 * `localeMiddleware` around a handler that returns a small page, per request, beside the floor
 * any locale middleware pays: an `AsyncLocalStorage.run` around `next` (no negotiation, no
 * headers). Requests as the demo's: a locale prefix, a cookie header without the locale cookie,
 * Accept-Language. Each row also gives the cost over calling the handler alone (µs a request).
 */
export async function middlewareRows(quick: boolean): Promise<BenchRow[]> {
  const i18n = createI18n({ locales: ['en', 'pt-BR'], defaultLocale: 'en', messages: { en, 'pt-BR': ptBR } });
  const middleware = localeMiddleware({ i18n });
  const storage = new AsyncLocalStorage<{ locale: string }>();
  const handler = async (request: Request) =>
    new Response(`<p>${request.method} ${i18n.getLocale()}</p>`, { headers: { 'content-type': 'text/html' } });
  const floorHandler = async (request: Request) =>
    new Response(`<p>${request.method} ${storage.getStore()?.locale}</p>`, {
      headers: { 'content-type': 'text/html' },
    });
  const headers = { cookie: 'sessionid=abc; csrftoken=def', 'accept-language': 'pt-BR,pt;q=0.9,en;q=0.8' };
  const requests = ['/', '/pt-br/', '/articles/42'].map((path) => new Request(`http://localhost${path}`, { headers }));
  let n = 0;
  const next = () => requests[n++ % requests.length]!;
  const tasks = {
    ours: () => middleware(next(), handler),
    floor: () => storage.run({ locale: 'en' }, () => floorHandler(next())),
    bare: () => handler(next()),
  };
  const samples: Record<string, number[]> = { ours: [], floor: [], bare: [] };
  for (let round = 0; round < (quick ? 1 : 7); round++) {
    const names = Object.keys(tasks) as (keyof typeof tasks)[];
    const order = names.map((_, index) => names[(index + round) % names.length]!);
    const ops = await measureOps(Object.fromEntries(order.map((name) => [name, tasks[name]])), {
      quick,
      time: quick ? 100 : 300,
    });
    for (const name of names) samples[name]!.push(ops[name] ?? Number.NaN);
  }
  const median = (name: string) => percentile(samples[name]!, 50);
  const overhead = (name: string) => ((1 / median(name) - 1 / median('bare')) * 1e6).toFixed(2);
  const ratios = samples.ours!.map((value, round) => value / samples.floor![round]!);
  const range = `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}x`;
  return [
    {
      suite: 'i18n',
      case: 'localeMiddleware per request (prefix, cookie, Accept-Language)',
      unit: 'req/s',
      higherIsBetter: true,
      ours: { name: 'localeMiddleware + handler', value: median('ours') },
      peer: { name: 'AsyncLocalStorage.run + handler (the floor)', value: median('floor') },
      note: `per-round ratio median ${percentile(ratios, 50).toFixed(2)}x, range ${range}; over the handler alone: ours ${overhead('ours')} µs, floor ${overhead('floor')} µs a request`,
    },
  ];
}

/** @adv/i18n beside raw @formatjs/intl and i18next (+ICU) for messages, and negotiator for negotiation. */
export async function run({ quick }: { quick: boolean }): Promise<BenchRow[]> {
  return [...(await messageRows(quick)), ...(await negotiationRows(quick)), ...(await middlewareRows(quick))];
}
