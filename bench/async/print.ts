/**
 * Runs only the async suite and prints its table, without writing bench/RESULTS.md (which
 * the lead generates for all suites at once): `npx tsx async/print.ts [--quick] [--case http,broadcast-memory,broadcast-redis]
 * [--rounds N]` from bench/ (`--rounds`: interleaved rounds of the HTTP case, default 5).
 */
import { cpus } from 'node:os';
import { toMarkdown } from '../lib/report.js';
import { type AsyncCase, CASES, run } from './index.js';

const quick = process.argv.includes('--quick');
const caseIndex = process.argv.indexOf('--case');
const cases = caseIndex >= 0 ? (process.argv[caseIndex + 1] ?? '').split(',') : [...CASES];
const unknown = cases.filter((name) => !(CASES as readonly string[]).includes(name));
if (unknown.length > 0) {
  console.error(`unknown case ${unknown.join(', ')}; cases: ${CASES.join(', ')}`);
  process.exit(2);
}
const roundsIndex = process.argv.indexOf('--rounds');
const rounds = roundsIndex >= 0 ? Number(process.argv[roundsIndex + 1]) : undefined;
if (rounds !== undefined && !(Number.isInteger(rounds) && rounds > 0)) {
  console.error(`--rounds takes a positive whole number, got ${process.argv[roundsIndex + 1]}`);
  process.exit(2);
}
const rows = await run({ quick, cases: cases as AsyncCase[], rounds });
console.log(
  `${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores), Node ${process.version}${quick ? ', quick mode' : ''}\n`,
);
console.log(toMarkdown(rows));
