/**
 * Cron test vectors ported from the two references, as data: expression, start instant and the
 * fire times the reference's own test expects. Each `source` names the file (and test) a case
 * comes from: harrisiirak/cron-parser `tests/…` and hexagon/croner `test/…`. Where the reference
 * asserts a property rather than dates (croner's OCPS tests run from "now"), the start is fixed
 * and the dates are the ones that property names on that calendar.
 *
 * `from` is an ISO 8601 instant. `next` lists successive fire times, each computed from the one
 * before (as a backend does after a tick): an ISO instant ending in `Z`, or a wall-clock time
 * `YYYY-MM-DD HH:mm:ss` in the spec's `tz` (UTC without one). A reference test that starts from a
 * local date without a zone is ported with that date in UTC, our default zone.
 */

export interface NextVector {
  source: string;
  cron: string;
  tz?: string;
  from: string;
  next: string[];
}

export interface SyntaxVector {
  source: string;
  cron: string;
  /** Both the reference and we accept (true) or refuse (false) it. */
  accepted: boolean;
}

/** A case where we deliberately do not do what the reference does; the test asserts ours. */
export interface DifferenceVector {
  source: string;
  cron: string;
  tz?: string;
  from?: string;
  /** What the reference does. */
  reference: string;
  /** What we do: refuse the expression, or these fire times. */
  ours: 'refused' | string[];
  /** Why (the README's compatibility section says the same). */
  why: string;
}

const CP = 'cron-parser tests/CronExpressionParser.test.ts';
const CPTZ = 'cron-parser tests/timezone.test.ts';
const CR_TZ = 'croner test/timezone.test.ts';
const OCPS10 = 'croner test/ocps-1.0.test.ts';
const OCPS11 = 'croner test/ocps-1.1.test.ts';
const OCPS12 = 'croner test/ocps-1.2.test.ts';
const OCPS13 = 'croner test/ocps-1.3.test.ts';

export const NEXT_VECTORS: NextVector[] = [
  // --- cron-parser tests/CronExpressionParser.test.ts
  {
    source: `${CP}: take multiple dates / step`,
    cron: '6/23 * * * *',
    from: '2012-12-26T14:38:53Z',
    next: ['2012-12-26 14:52:00', '2012-12-26 15:06:00', '2012-12-26 15:29:00', '2012-12-26 15:52:00'],
  },
  {
    source: `${CP}: limited with start and end date`,
    cron: '*/20 * * * *',
    tz: 'UTC',
    from: '2012-12-26T14:38:53Z',
    next: [
      '2012-12-26T14:40:00Z',
      '2012-12-26T15:00:00Z',
      '2012-12-26T15:20:00Z',
      '2012-12-26T15:40:00Z',
      '2012-12-26T16:00:00Z',
    ],
  },
  {
    source: `${CP}: range test with non-standard value and repeat (second), 0/30`,
    cron: '0/30 * * * * ?',
    from: '2012-12-26T14:38:53Z',
    next: ['2012-12-26 14:39:00', '2012-12-26 14:39:30', '2012-12-26 14:40:00'],
  },
  {
    source: `${CP}: range test with non-standard value and repeat (second), 1/2`,
    cron: '1/2 * * * * ?',
    from: '2012-12-26T14:38:00Z',
    next: ['2012-12-26 14:38:01', '2012-12-26 14:38:03', '2012-12-26 14:38:05'],
  },
  {
    source: `${CP}: reset to given date`,
    cron: '*/20 * * * *',
    from: '2012-12-26T17:23:53Z',
    next: ['2012-12-26 17:40:00', '2012-12-26 18:00:00'],
  },
  {
    source: `${CP}: using non-standard second field (wildcard)`,
    cron: '* * * * * *',
    from: '2012-12-26T14:38:00Z',
    next: ['2012-12-26 14:38:01', '2012-12-26 14:38:02', '2012-12-26 14:38:03', '2012-12-26 14:38:04'],
  },
  {
    source: `${CP}: using non-standard second field (step)`,
    cron: '*/20 * * * * *',
    from: '2012-12-26T14:38:00Z',
    next: ['2012-12-26 14:38:20', '2012-12-26 14:38:40', '2012-12-26 14:39:00'],
  },
  {
    source: `${CP}: using non-standard second field (range)`,
    cron: '20-40/10 * * * * *',
    from: '2012-12-26T14:38:00Z',
    next: ['2012-12-26 14:38:20', '2012-12-26 14:38:30', '2012-12-26 14:38:40'],
  },
  {
    source: `${CP}: using explicit month definition and */5 day of month step (June)`,
    cron: '0 12 */5 6 *',
    from: '2019-06-01T11:00:00Z',
    next: [
      '2019-06-01 12:00:00',
      '2019-06-06 12:00:00',
      '2019-06-11 12:00:00',
      '2019-06-16 12:00:00',
      '2019-06-21 12:00:00',
      '2019-06-26 12:00:00',
      '2020-06-01 12:00:00',
    ],
  },
  {
    source: `${CP}: using explicit month definition and */5 day of month step (May)`,
    cron: '0 15 */5 5 *',
    from: '2019-05-01T11:00:00Z',
    next: [
      '2019-05-01 15:00:00',
      '2019-05-06 15:00:00',
      '2019-05-11 15:00:00',
      '2019-05-16 15:00:00',
      '2019-05-21 15:00:00',
      '2019-05-26 15:00:00',
      '2019-05-31 15:00:00',
      '2020-05-01 15:00:00',
    ],
  },
  {
    source: `${CP}: day of month is unspecified`,
    cron: '10 2 ? * 3',
    tz: 'UTC',
    from: '2023-04-29T00:00:00Z',
    next: [
      '2023-05-03T02:10:00Z',
      '2023-05-10T02:10:00Z',
      '2023-05-17T02:10:00Z',
      '2023-05-24T02:10:00Z',
      '2023-05-31T02:10:00Z',
      '2023-06-07T02:10:00Z',
      '2023-06-14T02:10:00Z',
      '2023-06-21T02:10:00Z',
      '2023-06-28T02:10:00Z',
      '2023-07-05T02:10:00Z',
    ],
  },
  {
    source: `${CP}: day of month is wildcard, month and day of week are both set`,
    cron: '0 0 * 6 2',
    from: '2021-05-31T12:00:00Z',
    next: [
      '2021-06-01 00:00:00',
      '2021-06-08 00:00:00',
      '2021-06-15 00:00:00',
      '2021-06-22 00:00:00',
      '2021-06-29 00:00:00',
    ],
  },
  {
    source: `${CP}: day of month contains multiple ranges and day of week is wildcard`,
    cron: '0 0 0 2-4,7-31 * *',
    from: '2012-12-01T14:38:53Z',
    next: [
      '2012-12-02 00:00:00',
      '2012-12-03 00:00:00',
      '2012-12-04 00:00:00',
      '2012-12-07 00:00:00',
      '2012-12-08 00:00:00',
    ],
  },
  {
    source: `${CP}: day of month and week are both set and dow is 6-7`,
    cron: '10 2 12 8 6-7',
    tz: 'UTC',
    from: '2012-12-26T14:38:53Z',
    next: [
      '2013-08-03T02:10:00Z',
      '2013-08-04T02:10:00Z',
      '2013-08-10T02:10:00Z',
      '2013-08-11T02:10:00Z',
      '2013-08-12T02:10:00Z',
      '2013-08-17T02:10:00Z',
      '2013-08-18T02:10:00Z',
      '2013-08-24T02:10:00Z',
      '2013-08-25T02:10:00Z',
      '2013-08-31T02:10:00Z',
      '2014-08-02T02:10:00Z',
      '2014-08-03T02:10:00Z',
      '2014-08-09T02:10:00Z',
      '2014-08-10T02:10:00Z',
      '2014-08-12T02:10:00Z',
    ],
  },
  {
    source: `${CP}: day of month validation should be ignored when day of month is wildcard and month is set`,
    cron: '* * * * 2 *',
    from: '2020-05-01T15:00:00Z',
    next: ['2021-02-01 00:00:00'],
  },
  {
    source: `${CP}: should sort ranges and values in ascending order`,
    cron: '0 12,13,10,1-3 * * *',
    from: '2012-12-26T14:38:53Z',
    next: [
      '2012-12-27 01:00:00',
      '2012-12-27 02:00:00',
      '2012-12-27 03:00:00',
      '2012-12-27 10:00:00',
      '2012-12-27 12:00:00',
      '2012-12-27 13:00:00',
    ],
  },
  ...['30 16 * * 6,7', '30 16 * * 6,0', '30 16 * * 0,6', '30 16 * * 7,6'].map((cron) => ({
    source: `${CP}: dow 6,7 6,0 0,6 7,6 should be equivalent (${cron})`,
    cron,
    from: '2012-12-26T14:38:53Z',
    next: ['2012-12-29 16:30:00', '2012-12-30 16:30:00', '2013-01-05 16:30:00'],
  })),
  ...['0 9,11,1 * * *', '0 1,9,11 * * *'].map((cron) => ({
    source: `${CP}: hour 0 9,11,1 * * * and 0 1,9,11 * * * should be equivalent (${cron})`,
    cron,
    from: '2012-12-26T00:00:00Z',
    next: [
      '2012-12-26 01:00:00',
      '2012-12-26 09:00:00',
      '2012-12-26 11:00:00',
      '2012-12-27 01:00:00',
      '2012-12-27 09:00:00',
      '2012-12-27 11:00:00',
    ],
  })),
  {
    source: `${CP}: it will work with #139 issue case`,
    cron: '0 0 0 1,2 * *',
    tz: 'Europe/Madrid',
    from: '2018-11-15T16:15:33.522Z',
    next: ['2018-12-01 00:00:00'],
  },
  ...(
    [
      ['0 0 0 ? * 0#1', ['2019-05-05', '2019-06-02', '2019-07-07', '2019-08-04']],
      ['0 0 0 ? * 0#2', ['2019-05-12', '2019-06-09', '2019-07-14', '2019-08-11']],
      ['0 0 0 ? * 0#3', ['2019-05-19', '2019-06-16', '2019-07-21', '2019-08-18']],
      ['0 0 0 ? * 0#4', ['2019-05-26', '2019-06-23', '2019-07-28', '2019-08-25']],
      ['0 0 0 ? * 0#5', ['2019-06-30', '2019-09-29', '2019-12-29', '2020-03-29']],
    ] as const
  ).map(([cron, days]) => ({
    source: `${CP}: should work for valid first/second/third/fourth/fifth occurrence dayOfWeek (${cron})`,
    cron,
    from: '2019-04-30T00:00:00Z',
    next: days.map((day) => `${day} 00:00:00`),
  })),
  {
    source: `${CP}: should work for valid second sunday in May`,
    cron: '0 0 0 ? MAY 0#2',
    tz: 'UTC',
    from: '2023-05-06T00:00:00Z',
    next: [
      '2023-05-14T00:00:00Z',
      '2024-05-12T00:00:00Z',
      '2025-05-11T00:00:00Z',
      '2026-05-10T00:00:00Z',
      '2027-05-09T00:00:00Z',
      '2028-05-14T00:00:00Z',
    ],
  },
  {
    source: `${CP}: should work for valid second sunday at noon in May`,
    cron: '0 0 12 ? MAY 0#2',
    from: '2019-05-12T11:59:00Z',
    next: ['2019-05-12 12:00:00'],
  },
  {
    source: `${CP}: should work for valid second sunday at noon in May (UTC+3)`,
    cron: '0 0 12 ? MAY 0#2',
    tz: 'Europe/Sofia',
    from: '2019-05-12T11:59:00+03:00',
    next: ['2019-05-12 12:00:00'],
  },
  {
    source: `${CP}: should work with both dayOfMonth and nth occurrence of dayOfWeek`,
    cron: '0 0 0 16,18 * 3#3',
    from: '2019-04-01T00:00:00Z',
    next: [
      '2019-04-16 00:00:00',
      '2019-04-17 00:00:00',
      '2019-04-18 00:00:00',
      '2019-05-15 00:00:00',
      '2019-05-16 00:00:00',
      '2019-05-18 00:00:00',
    ],
  },
  {
    source: `${CP}: correctly handle 0 12 1-31 * 1 (#284)`,
    cron: '0 12 1-31 * 1',
    from: '2022-10-30T14:00:00Z',
    next: [
      '2022-10-31 12:00:00',
      '2022-11-01 12:00:00',
      '2022-11-02 12:00:00',
      '2022-11-03 12:00:00',
      '2022-11-04 12:00:00',
      '2022-11-05 12:00:00',
      '2022-11-06 12:00:00',
      '2022-11-07 12:00:00',
    ],
  },
  {
    source: `${CP}: Leap Year / handle leap year with starting date 0 0 29 2 *`,
    cron: '0 0 29 2 *',
    from: '2020-01-01T00:00:00Z',
    next: ['2020-02-29 00:00:00', '2024-02-29 00:00:00', '2028-02-29 00:00:00', '2032-02-29 00:00:00'],
  },
  // --- cron-parser tests/timezone.test.ts (Europe/Athens: DST starts 2016-03-27 03:00, ends 2016-10-30 04:00)
  {
    source: `${CPTZ}: It works on DST start (0 * * * *)`,
    cron: '0 * * * *',
    tz: 'Europe/Athens',
    from: '2016-03-27T02:00:01+02:00',
    next: ['2016-03-27 04:00:00', '2016-03-27 05:00:00'],
  },
  {
    source: `${CPTZ}: It works on DST start (30 2 * * *)`,
    cron: '30 2 * * *',
    tz: 'Europe/Athens',
    from: '2016-03-27T02:00:01+02:00',
    next: ['2016-03-27 02:30:00', '2016-03-28 02:30:00'],
  },
  {
    source: `${CPTZ}: It works on DST start (0 3 * * *)`,
    cron: '0 3 * * *',
    tz: 'Europe/Athens',
    from: '2016-03-27T02:00:01+02:00',
    next: ['2016-03-27 04:00:00', '2016-03-28 03:00:00'],
  },
  {
    source: `${CPTZ}: It works on DST start (0 * 27 * *)`,
    cron: '0 * 27 * *',
    tz: 'Europe/Athens',
    from: '2016-03-27T00:00:01+02:00',
    next: ['2016-03-27 01:00:00', '2016-03-27 02:00:00', '2016-03-27 04:00:00', '2016-03-27 05:00:00'],
  },
  {
    source: `${CPTZ}: It works on DST end 2016-10-30 02:00:01 - 0 * * * *`,
    cron: '0 * * * *',
    tz: 'Europe/Athens',
    from: '2016-10-30T02:00:01+03:00',
    next: ['2016-10-30 03:00:00', '2016-10-30 03:00:00', '2016-10-30 04:00:00'],
  },
  {
    source: `${CPTZ}: It works on DST end 2016-10-30 02:00:01 - 0 3 * * *`,
    cron: '0 3 * * *',
    tz: 'Europe/Athens',
    from: '2016-10-30T02:00:01+03:00',
    next: ['2016-10-30 03:00:00', '2016-10-31 03:00:00'],
  },
  {
    source: `${CPTZ}: It works on DST end 2016-10-30 02:00:01 - */20 3 * * *`,
    cron: '*/20 3 * * *',
    tz: 'Europe/Athens',
    from: '2016-10-30T02:00:01+03:00',
    next: ['2016-10-30 03:00:00', '2016-10-30 03:20:00', '2016-10-30 03:40:00', '2016-10-31 03:00:00'],
  },
  {
    source: `${CPTZ}: It works on DST end 2016-10-30 00:00:01 - 0 * 30 * *`,
    cron: '0 * 30 * *',
    tz: 'Europe/Athens',
    from: '2016-10-30T00:00:01+03:00',
    next: [
      '2016-10-30 01:00:00',
      '2016-10-30 02:00:00',
      '2016-10-30 03:00:00',
      '2016-10-30 03:00:00',
      '2016-10-30 04:00:00',
    ],
  },
  ...['2016-10-29T01:00:00+02:00', '2016-10-29T02:59:00+02:00', '2016-10-29T02:59:59+02:00'].map((from) => ({
    source: `${CPTZ}: It works on DST end … DST offset via ISO 8601 format (0 12 * * * from ${from})`,
    cron: '0 12 * * *',
    tz: 'Europe/Athens',
    from,
    next: ['2016-10-29 12:00:00', '2016-10-30 12:00:00', '2016-10-31 12:00:00'],
  })),
  ...[
    '2016-10-30T01:00:00+02:00',
    '2016-10-30T01:59:00+02:00',
    '2016-10-30T01:59:59+02:00',
    '2016-10-30T02:59:00+02:00',
  ].map((from) => ({
    source: `${CPTZ}: It works on DST end … DST offset via ISO 8601 format (0 12 * * * from ${from})`,
    cron: '0 12 * * *',
    tz: 'Europe/Athens',
    from,
    next: ['2016-10-30 12:00:00', '2016-10-31 12:00:00'],
  })),
  {
    source: `${CPTZ}: it will work with #131 issue case`,
    cron: '0 9 1 1 *',
    tz: 'America/Sao_Paulo',
    from: '2018-10-30T02:59:00+02:00',
    next: ['2019-01-01 09:00:00'],
  },
  {
    source: `${CPTZ}: it will work with #137 issue case`,
    cron: '0 12 * * 3',
    tz: 'America/New_York',
    from: '2018-10-28T00:00:00-04:00',
    next: ['2018-10-31 12:00:00'],
  },
  // --- croner test/timezone.test.ts
  {
    source: `${CR_TZ}: DST/Timezone`,
    cron: '0 0 12 * * *',
    tz: 'Etc/UTC',
    from: '2021-10-31T20:00:00Z',
    next: ['2021-11-01T12:00:00Z'],
  },
  {
    source: `${CR_TZ}: getTime should return expected difference with different timezones (next 31st october), Stockholm`,
    cron: '0 0 12 30 10 *',
    tz: 'Europe/Stockholm',
    from: '2021-09-01T00:00:00Z',
    next: ['2021-10-30T10:00:00Z'],
  },
  {
    source: `${CR_TZ}: getTime should return expected difference with different timezones (next 31st october), New York`,
    cron: '0 0 12 30 10 *',
    tz: 'America/New_York',
    from: '2021-09-01T00:00:00Z',
    next: ['2021-10-30T16:00:00Z'],
  },
  {
    source: `${CR_TZ}: Should return expected time, date and weekday different timezones (Stockholm)`,
    cron: '0 0 23 8 2 2',
    tz: 'Europe/Stockholm',
    from: '2022-02-08T12:00:00Z',
    next: ['2022-02-08T22:00:00Z'],
  },
  {
    source: `${CR_TZ}: Should return expected time, date and weekday different timezones (New York)`,
    cron: '0 0 23 8 2 2',
    tz: 'America/New_York',
    from: '2022-02-08T12:00:00Z',
    next: ['2022-02-09T04:00:00Z'],
  },
  {
    source: `${CR_TZ}: UTC timezone should not skip hours during local DST transitions (issue #284)`,
    cron: '0 0 * * * *',
    tz: 'UTC',
    from: '2025-10-05T00:00:00Z',
    next: [
      '2025-10-05T01:00:00Z',
      '2025-10-05T02:00:00Z',
      '2025-10-05T03:00:00Z',
      '2025-10-05T04:00:00Z',
      '2025-10-05T05:00:00Z',
    ],
  },
  {
    source: `${CR_TZ}: UTC … (issue #284), the same schedule without tz (UTC is our default)`,
    cron: '0 0 * * * *',
    from: '2025-10-05T02:00:00Z',
    next: ['2025-10-05T03:00:00Z'],
  },
  {
    source: `${CR_TZ}: OCPS 1.4 compliance: DST Gap (Spring Forward) - job should be skipped`,
    cron: '0 30 2 * * *',
    tz: 'America/New_York',
    from: '2025-03-09T06:00:00Z',
    next: ['2025-03-09T07:30:00Z'],
  },
  {
    source: `${CR_TZ}: OCPS 1.4 compliance: DST Overlap (Fall Back) - first occurrence`,
    cron: '0 30 1 * * *',
    tz: 'America/New_York',
    from: '2025-11-02T04:00:00Z',
    next: ['2025-11-02T05:30:00Z'],
  },
  {
    source: `${CR_TZ}: OCPS 1.4 compliance: DST Overlap (Fall Back) - after the first occurrence, the next day`,
    cron: '0 30 1 * * *',
    tz: 'America/New_York',
    from: '2025-11-02T05:31:00Z',
    next: ['2025-11-03T06:30:00Z'],
  },
  {
    source: `${CR_TZ}: OCPS 1.4 compliance: Europe/London DST transitions (spring forward)`,
    cron: '0 30 1 * * *',
    tz: 'Europe/London',
    from: '2025-03-30T00:00:00Z',
    next: ['2025-03-30T01:30:00Z'],
  },
  {
    source: `${CR_TZ}: OCPS 1.4 compliance: Europe/London DST transitions (fall back, first occurrence)`,
    cron: '0 30 1 * * *',
    tz: 'Europe/London',
    from: '2025-10-26T00:00:00Z',
    next: ['2025-10-26T00:30:00Z'],
  },
  {
    source: `${CR_TZ}: OCPS 1.4 compliance: Europe/London DST transitions (fall back, after the first occurrence)`,
    cron: '0 30 1 * * *',
    tz: 'Europe/London',
    from: '2025-10-26T00:31:00Z',
    next: ['2025-10-27T01:30:00Z'],
  },
  {
    source: `${CR_TZ}: Issue #286: Starting from DST gap should not cause rapid-fire execution (one minute apart)`,
    cron: '* * * * *',
    tz: 'America/Los_Angeles',
    from: '2025-11-02T08:00:00Z',
    next: ['2025-11-02T08:01:00Z', '2025-11-02T08:02:00Z'],
  },
  // --- croner test/ocps-1.0.test.ts … ocps-1.3.test.ts (properties, from a fixed start)
  {
    source: `${OCPS10}: List separator (,) should specify multiple values`,
    cron: '0,15,30,45 * * * *',
    from: '2025-01-01T10:59:00Z',
    next: ['2025-01-01 11:00:00', '2025-01-01 11:15:00', '2025-01-01 11:30:00', '2025-01-01 11:45:00'],
  },
  {
    source: `${OCPS10}: Step (/) should specify intervals`,
    cron: '0 0-20/5 * * *',
    from: '2025-01-01T00:00:00Z',
    next: [
      '2025-01-01 05:00:00',
      '2025-01-01 10:00:00',
      '2025-01-01 15:00:00',
      '2025-01-01 20:00:00',
      '2025-01-02 00:00:00',
    ],
  },
  {
    source: `${OCPS10}: Should accept valid day of week values (0-7, where 0 and 7 are Sunday): 0`,
    cron: '0 0 * * 0',
    from: '2025-01-01T00:00:00Z',
    next: ['2025-01-05 00:00:00'],
  },
  {
    source: `${OCPS10}: Should accept valid day of week values (0-7, where 0 and 7 are Sunday): 7`,
    cron: '0 0 * * 7',
    from: '2025-01-01T00:00:00Z',
    next: ['2025-01-05 00:00:00'],
  },
  {
    source: `${OCPS10}: Day of month and day of week should use OR logic by default (legacy mode)`,
    cron: '0 12 1 * MON',
    from: '2025-01-01T00:00:00Z',
    next: [
      '2025-01-01 12:00:00',
      '2025-01-06 12:00:00',
      '2025-01-13 12:00:00',
      '2025-01-20 12:00:00',
      '2025-01-27 12:00:00',
      '2025-02-01 12:00:00',
    ],
  },
  {
    source: `${OCPS11}: @yearly should run once a year`,
    cron: '@yearly',
    from: '2025-01-01T00:00:00Z',
    next: ['2026-01-01 00:00:00', '2027-01-01 00:00:00'],
  },
  {
    source: `${OCPS11}: @annually should be equivalent to @yearly`,
    cron: '@annually',
    from: '2025-01-01T00:00:00Z',
    next: ['2026-01-01 00:00:00', '2027-01-01 00:00:00', '2028-01-01 00:00:00'],
  },
  {
    source: `${OCPS11}: @monthly should run once a month`,
    cron: '@monthly',
    from: '2025-01-01T00:00:00Z',
    next: ['2025-02-01 00:00:00', '2025-03-01 00:00:00', '2025-04-01 00:00:00'],
  },
  {
    source: `${OCPS11}: @weekly should run once a week`,
    cron: '@weekly',
    from: '2025-01-01T00:00:00Z',
    next: ['2025-01-05 00:00:00', '2025-01-12 00:00:00', '2025-01-19 00:00:00'],
  },
  {
    source: `${OCPS11}: @daily should run once a day`,
    cron: '@daily',
    from: '2025-01-01T00:00:00Z',
    next: ['2025-01-02 00:00:00', '2025-01-03 00:00:00', '2025-01-04 00:00:00'],
  },
  {
    source: `${OCPS11}: @midnight should be equivalent to @daily`,
    cron: '@midnight',
    from: '2025-01-01T00:00:00Z',
    next: ['2025-01-02 00:00:00', '2025-01-03 00:00:00', '2025-01-04 00:00:00'],
  },
  {
    source: `${OCPS11}: @hourly should run once an hour`,
    cron: '@hourly',
    from: '2025-01-01T00:00:00Z',
    next: ['2025-01-01 01:00:00', '2025-01-01 02:00:00', '2025-01-01 03:00:00'],
  },
  ...['@YEARLY', '@Yearly', '  @yearly  '].map((cron) => ({
    source: `${OCPS11}: Nicknames should be case-insensitive / Nickname with whitespace should work (${JSON.stringify(cron)})`,
    cron,
    from: '2025-01-01T00:00:00Z',
    next: ['2026-01-01 00:00:00'],
  })),
  {
    source: `${OCPS12}: 6-field pattern with seconds should work`,
    cron: '30 0 0 * * *',
    from: '2025-01-01T00:00:00Z',
    next: ['2025-01-01 00:00:30', '2025-01-02 00:00:30'],
  },
  {
    source: `${OCPS12}: Seconds field should support all special characters (list)`,
    cron: '0,15,30,45 * * * * *',
    from: '2025-01-01T00:00:00Z',
    next: ['2025-01-01 00:00:15', '2025-01-01 00:00:30', '2025-01-01 00:00:45', '2025-01-01 00:01:00'],
  },
  {
    source: `${OCPS13}: L in day-of-month should match last day of month`,
    cron: '0 0 L * *',
    from: '2025-01-01T00:00:00Z',
    next: ['2025-01-31 00:00:00', '2025-02-28 00:00:00', '2025-03-31 00:00:00', '2025-04-30 00:00:00'],
  },
  {
    source: `${OCPS13}: L in day-of-month should handle February correctly`,
    cron: '0 0 L 2 *',
    from: '2027-01-01T00:00:00Z',
    next: ['2027-02-28 00:00:00', '2028-02-29 00:00:00'],
  },
  {
    source: `${OCPS13}: # should match nth occurrence of weekday`,
    cron: '0 0 * * TUE#2',
    from: '2025-01-01T00:00:00Z',
    next: ['2025-01-14 00:00:00', '2025-02-11 00:00:00', '2025-03-11 00:00:00'],
  },
  {
    source: `${OCPS13}: # should work with numbers (0-7)`,
    cron: '0 0 * * 0#1',
    from: '2025-01-01T00:00:00Z',
    next: ['2025-01-05 00:00:00', '2025-02-02 00:00:00'],
  },
  ...(
    [
      ['MON#1', '2025-01-06'],
      ['1#1', '2025-01-06'],
      ['MON#2', '2025-01-13'],
      ['MON#3', '2025-01-20'],
      ['MON#4', '2025-01-27'],
      ['MON#5', '2025-03-31'],
    ] as const
  ).map(([dow, day]) => ({
    source: `${OCPS13}: # should support range of occurrences 1-5 / # can be combined with day names (${dow})`,
    cron: `0 0 * * ${dow}`,
    from: '2025-01-01T00:00:00Z',
    next: [`${day} 00:00:00`],
  })),
];

export const SYNTAX_VECTORS: SyntaxVector[] = [
  ...[
    ['61 * * * * *', 'value out of the range'],
    ['-1 * * * * *', 'second value out of the range'],
    ['30-20 * * * * *', 'range order is invalid'],
    ['- * * * * *', 'invalid range'],
    ['* 32,72 * * * *', 'minute value out of the range'],
    ['* * 12-36 * * *', 'hour value out of the range'],
    ['* * * 10-15,40 * *', 'day of the month value out of the range'],
    ['* * * * */10,12-13 *', 'month value out of the range'],
    ['* * * * * 9', 'day of the week value out of the range'],
    ['* * * * * * * *ASD', 'invalid expression that contains too many fields'],
    ['0 0 31 4 *', 'invalid explicit day of month definition'],
    ['10 ! 12 8 0', 'invalid characters test - symbol'],
    ['10 x 12 8 0', 'invalid characters test - letter'],
    ['10 ) 12 8 0', 'invalid characters test - parentheses'],
    ['10 */A 12 8 0', 'interval with invalid characters test'],
    ['10 0-z 12 8 0', 'range with invalid characters test'],
    ['10 0,1,z 12 8 0', 'group with invalid characters test'],
    ['0 */0 * * *', 'invalid expression which has repeat 0 times'],
    ['0 */-5 * * *', 'invalid expression which has repeat negative number times'],
    ['0 5/5/5 * * *', 'invalid expression which has multiple combined repeat cycles'],
    ['15 10 * * MON-TUR', 'invalid days of week strings - wrong alias'],
    ['*/10 * * * * ,', 'invalid list value without value'],
    ['*/10 * * * * ,2', 'invalid list value with right-side value'],
    ['0 0 0 ? * 2-4#2', 'cannot combine `-` range and # occurrence special characters'],
    ['0 0 0 ? * 1/2#3', 'cannot combine `/` repeat interval and # occurrence special characters'],
    ['0 0 0 ? * 0,6#4', 'cannot combine `,` list and # occurrence special characters'],
    ['0 0 0 ? * 1#', 'invalid occurrence value'],
    ['0 0 0 ? * 1#0', 'invalid occurrence value'],
    ['0 0 0 ? * 4#6', 'invalid occurrence value'],
    ['0 0 0 ? * 0##4', 'invalid occurrence value'],
  ].map(([cron, name]) => ({ source: `${CP}: invalid expression / ${name}`, cron: cron as string, accepted: false })),
  ...[
    ['*\t*\t*\t*\t*', 'default expression (tab as field separator)'],
    ['* \t    *\t \t  *   *  \t \t  *', 'default expression (mixed tab and space usage)'],
    ['*/10 2-2 * * *', 'range with the same start and end value'],
    ['15 10 * jAn-FeB mOn-tUE', 'using mixed days of week strings'],
  ].map(([cron, name]) => ({ source: `${CP}: ${name}`, cron: cron as string, accepted: true })),
  ...[
    ['0 0 * * *', 'Should accept 5-field pattern'],
    ['  0 0 * * *  ', 'Should accept 5-field pattern with leading/trailing whitespace'],
    ['0  0   *    *     *', 'Should accept pattern with multiple consecutive whitespace'],
    ['0\t0\t*\t*\t*', 'Should accept pattern with tab delimiters'],
    ['0,30,59 * * * *', 'Should accept valid minute values (0-59)'],
    ['0 0,12,23 * * *', 'Should accept valid hour values (0-23)'],
    ['0 0 1,15,31 * *', 'Should accept valid day of month values (1-31)'],
    ['0 0 1 1,6,12 *', 'Should accept valid month values (1-12)'],
    ['0 0 1 JAN *', 'Should accept month names (case-insensitive)'],
    ['0 0 1 jan *', 'Should accept month names (case-insensitive)'],
    ['0 0 1 DEC *', 'Should accept month names (case-insensitive)'],
    ['0 0 * * SUN', 'Should accept day of week names (case-insensitive)'],
    ['0 0 * * sat', 'Should accept day of week names (case-insensitive)'],
    ['0 1-3,10-12 * * *', 'Should combine comma and range'],
    ['0 10-20/2 * * *', 'Should combine range and step'],
  ].map(([cron, name]) => ({ source: `${OCPS10}: ${name}`, cron: cron as string, accepted: true })),
  ...[
    ['60 * * * *', 'Should reject out-of-range minute value'],
    ['0 24 * * *', 'Should reject out-of-range hour value'],
    ['0 0 32 * *', 'Should reject out-of-range day of month value'],
    ['0 0 1 13 *', 'Should reject out-of-range month value'],
    ['0 0 * * 8', 'Should reject out-of-range day of week value'],
    ['0 17-9 * * *', 'Should reject invalid range (start > end)'],
    ['0 */0 * * *', 'Should reject step value of 0'],
  ].map(([cron, name]) => ({ source: `${OCPS10}: ${name}`, cron: cron as string, accepted: false })),
  { source: `${OCPS11}: @reboot should be recognized but throw error`, cron: '@reboot', accepted: false },
  { source: `${OCPS11}: Unknown nickname should throw error`, cron: '@unknown', accepted: false },
  {
    source: `${OCPS12}: Seconds field should support all special characters (range)`,
    cron: '0-30 * * * * *',
    accepted: true,
  },
  {
    source: `${OCPS12}: Seconds field should support all special characters (step)`,
    cron: '*/15 * * * * *',
    accepted: true,
  },
  { source: `${OCPS13}: W should not be used with ranges`, cron: '0 12 10-15W * *', accepted: false },
];

export const DIFFERENCE_VECTORS: DifferenceVector[] = [
  {
    source: `${OCPS10}: Should accept impossible date combinations without parsing error`,
    cron: '0 0 31 2 *',
    reference: 'croner parses it and nextRun() returns null (a schedule that never fires)',
    ours: 'refused',
    why: 'a schedule that can never fire is a mistake: refused when declared (as cron-parser does), not kept silently',
  },
  ...['0 0 * * FRI#L', '0 0 * * 5#L', '0 0 L 2 FRI#L'].map((cron) => ({
    source: `${OCPS13}: L in day-of-week should match last occurrence of weekday (${cron})`,
    cron,
    reference: 'croner: last Friday of the month',
    ours: 'refused' as const,
    why: 'cron-parser spells the last weekday of a month `5L`; `#L` is refused (use `0 0 * * 5L`)',
  })),
  ...['0 12 15W * *', '0 12 19W 3 *', '0 12 1W * *', '0 12 31W * *'].map((cron) => ({
    source: `${OCPS13}: W (closest weekday) modifier (${cron})`,
    cron,
    reference: 'croner: the weekday nearest that day of the month',
    ours: 'refused' as const,
    why: 'cron-parser has no `W` modifier; refused when declared rather than misread',
  })),
  ...['0 0 0 1 1 * 2030', '30 0 0 1 1 * 2030', '0 0 0 1 1 * *', '0 0 0 1 1 * 2030-2032'].map((cron) => ({
    source: `${OCPS12}: 7-field pattern with year (${cron})`,
    cron,
    reference: 'croner: a seventh field restricts the year',
    ours: 'refused' as const,
    why: 'cron-parser reads 5 or 6 fields; a year field is refused (BullMQ schedules share the same syntax)',
  })),
  {
    source: `${CPTZ}: It works on DST start (*/20 3 * * *)`,
    cron: '*/20 3 * * *',
    tz: 'Europe/Athens',
    from: '2016-03-27T02:00:01+02:00',
    reference:
      "cron-parser's iterator: 04:00, 04:20, 04:40 on the 27th (each 03:xx moved past the gap), then 03:00 on the 28th",
    ours: ['2016-03-27 04:00:00', '2016-03-28 03:00:00', '2016-03-28 03:20:00', '2016-03-28 03:40:00'],
    why: 'each tick is computed from the previous fire time alone (what any worker process can repeat after a restart), so an hour skipped by DST fires once, at its end, not once per time it held',
  },
  {
    source: `${CR_TZ}: OCPS 1.4 compliance: DST Overlap (Fall Back) - during the second occurrence window`,
    cron: '0 30 1 * * *',
    tz: 'America/New_York',
    from: '2025-11-02T06:00:00Z',
    reference: 'croner: 2025-11-02T05:30:00Z, an instant before the start',
    ours: ['2025-11-02T06:30:00Z'],
    why: 'a next fire time is always after the start; the repeated 01:30 fires',
  },
  {
    source: `${CR_TZ}: Issue #286: … spanning the DST transition`,
    cron: '* * * * *',
    tz: 'America/Los_Angeles',
    from: '2025-11-02T08:58:01Z',
    reference: 'croner: 08:59Z then 10:00Z (the repeated hour 01:00-01:59 PST gets no ticks)',
    ours: ['2025-11-02T08:59:00Z', '2025-11-02T09:00:00Z', '2025-11-02T09:01:00Z'],
    why: 'an every-minute schedule keeps ticking every minute through the repeated hour',
  },
];
