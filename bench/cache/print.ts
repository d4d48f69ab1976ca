import { toMarkdown } from '../lib/report.js';
import { run } from './index.js';

console.log(toMarkdown(await run({ quick: process.argv.includes('--quick') })));
