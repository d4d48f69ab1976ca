/**
 * Runs only the async suite and prints its table, without writing bench/RESULTS.md (which
 * the lead generates for all suites at once): `npx tsx async/print.ts [--quick]` from bench/.
 */
import { cpus } from 'node:os';
import { toMarkdown } from '../lib/report.js';
import { run } from './index.js';

const quick = process.argv.includes('--quick');
const rows = await run({ quick });
console.log(
  `${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores), Node ${process.version}${quick ? ', quick mode' : ''}\n`,
);
console.log(toMarkdown(rows));
