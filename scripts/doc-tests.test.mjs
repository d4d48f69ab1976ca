// Unit tests of the doc-test harness's parsing (the end-to-end run is `node scripts/doc-tests.mjs
// packages/i18n <tarballs>`, which check:packages runs). Run: node --test scripts/doc-tests.test.mjs
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assemble, parseReadme, parseRequestLine, serverProblems } from './doc-tests.mjs';

const fence = '```';

test('blocks carry the directives before them; blank lines between are fine, text is not', () => {
  const readme = [
    '# x', // 1
    '<!-- doctest: use a b -->', // 2
    '<!-- doctest: compile-only -->', // 3
    '', // 4
    `${fence}ts`, // 5
    'f();', // 6
    fence, // 7
    '<!-- doctest: skip needs a live SMTP server -->', // 8
    `${fence}sh`, // 9
    'npm install x', // 10
    fence, // 11
    `${fence}json`, // 12
    '{}', // 13
    fence, // 14
  ].join('\n');
  const { blocks, problems } = parseReadme(readme);
  assert.deepEqual(problems, []);
  assert.deepEqual(
    blocks.map((b) => [b.line, b.codeLine, b.lang, b.kind, b.directives.map((d) => `${d.kind}:${d.argument}`)]),
    [
      [5, 6, 'ts', 'ts', ['use:a b', 'compile-only:']],
      [9, 10, 'sh', 'sh', ['skip:needs a live SMTP server']],
      [12, 13, 'json', undefined, []],
    ],
  );
});

test('hidden setups and files come from comment bodies; a visible block can be a setup or a file', () => {
  const readme = [
    '<!-- doctest: setup db',
    "import { open } from 'db';",
    'const db = open();',
    '-->',
    '<!-- doctest: file locale/en.json -->',
    `${fence}json`,
    '{ "hi": "Hi" }',
    fence,
    '<!-- doctest: file data.txt',
    'hello',
    '-->',
    '<!-- doctest: setup app -->',
    `${fence}ts`,
    'export const app = 1;',
    fence,
  ].join('\n');
  const { setups, files, problems } = parseReadme(readme);
  assert.deepEqual(problems, []);
  assert.deepEqual(
    [...setups.values()].map((s) => [s.name, s.code, s.line, s.hidden]),
    [
      ['db', "import { open } from 'db';\nconst db = open();", 2, true],
      ['app', 'export const app = 1;', 14, false],
    ],
  );
  assert.deepEqual(
    files.map((f) => [f.path, f.content, f.hidden]),
    [
      ['locale/en.json', '{ "hi": "Hi" }\n', false],
      ['data.txt', 'hello\n', true],
    ],
  );
});

test('malformed directives are reported with file:line, never ignored', () => {
  const readme = [
    '<!-- doctest: skip -->', // 1: no reason
    `${fence}ts`,
    'x;',
    fence,
    '<!-- doctest: frobnicate -->', // 5
    '<!-- doctest: use i18n -->', // 6
    'Some prose.', // 7: the directive has no block
    '<!-- doctest: server -->', // 8: no expectations
    `${fence}ts`,
    fence,
    '<!-- doctest: setup x', // 11: never closed
    'code',
  ].join('\n');
  const { problems } = parseReadme(readme, 'R.md');
  assert.deepEqual(problems, [
    'R.md:1: doctest: skip needs a reason (what the block needs that a test cannot give it)',
    'R.md:5: unknown doctest directive "frobnicate" (skip, compile-only, setup, use, file, stdout, server)',
    'R.md:7: doctest directive(s) at line 6 are not followed by a code block',
    'R.md:8: doctest: server lists its expectations on the lines after it, up to -->',
    'R.md:11: doctest comment is never closed with -->',
  ]);
});

test('request lines: method, path, headers, bodies, expected status, text and headers', () => {
  assert.deepEqual(parseRequestLine('GET /pt-br/ accept-language:pt-BR,pt;q=0.9 -> 200 "Olá, Ana!" vary:Cookie'), {
    request: { method: 'GET', path: '/pt-br/', headers: { 'accept-language': 'pt-BR,pt;q=0.9' }, body: undefined },
    expect: { status: 200, contains: ['Olá, Ana!'], headers: { vary: 'Cookie' } },
  });
  const post = parseRequestLine('POST /x json:{"a":"b"} -> 415');
  assert.deepEqual(post.request.headers, { 'content-type': 'application/json' });
  assert.equal(post.request.body, '{"a":"b"}');
  assert.equal(parseRequestLine('POST /x form:a=1&b=2 -> 302').request.body, 'a=1&b=2');
  assert.throws(() => parseRequestLine('GET /x'), /expected "METHOD \/path … -> STATUS …"/);
  assert.throws(() => parseRequestLine('get x -> 200'), /expected "METHOD \/path"/);
  assert.throws(() => parseRequestLine('GET /x -> ok'), /expected a status/);
});

test('assemble merges imports of setups and block, and keeps the block on its own lines', () => {
  const setup = { name: 's', code: "import { a } from 'x';\nimport type { T } from 'y';\nconst v: T = a;" };
  const block =
    "import { b, a } from 'x';\nimport json from './d.json' with { type: 'json' };\nconsole.log(v, b, json);";
  const { text, blockLine } = assemble([setup], block);
  const lines = text.split('\n');
  assert.equal(lines.filter((l) => l.includes("from 'x'")).length, 1);
  assert.ok(lines.includes("import { a, b } from 'x';"));
  assert.ok(lines.includes("import type { T } from 'y';"));
  assert.ok(lines.includes("import json from './d.json' with { type: 'json' };"));
  assert.equal(lines[blockLine - 1 + 2], 'console.log(v, b, json);'); // third line of the block
  assert.ok(lines.indexOf('const v: T = a;') < blockLine);
  assert.equal(lines.at(-2), 'export {};');
});

test('server checks fail on a wrong status, a missing text or header, and a failed request', () => {
  const checks = ['GET / -> 200 "Olá" content-language:pt-BR', 'POST /x -> 302', 'GET /y -> 200'].map(parseRequestLine);
  const good = { status: 200, text: 'Olá, Ana!', headers: { 'content-language': 'pt-BR' } };
  assert.deepEqual(serverProblems(checks, [good, { status: 302, text: '', headers: {} }, { ...good }]), []);
  assert.deepEqual(serverProblems(checks, [{ status: 404, text: 'Not Found', headers: {} }, { error: 'ECONNRESET' }]), [
    'GET /: status 404, expected 200 (body: "Not Found")',
    'GET /: body "Not Found" lacks "Olá"',
    'GET /: header content-language is null, expected "pt-BR"',
    'POST /x: ECONNRESET',
    'GET /y: no response',
  ]);
});

// End to end: needs the packed @adv/types tarball and the npm registry (about 20 s), so it runs
// when DOCTEST_TARBALLS names the tarball directory (check:packages has one).
// biome-ignore lint/suspicious/noUndeclaredEnvVars: run by hand or by check:packages, not by a turbo task.
const tarballs = process.env.DOCTEST_TARBALLS;
test('end to end: compile errors, exit codes, output, hangs, server answers and unknown setups all fail', {
  skip: !tarballs && 'set DOCTEST_TARBALLS=<dir with the @adv/types tarball>',
  timeout: 300_000,
}, async () => {
  const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { runDocTests } = await import('./doc-tests.mjs');
  const dir = mkdtempSync(join(tmpdir(), 'doctest-fixture-'));
  const block = (code, before = '') => `${before}${fence}ts\n${code}\n${fence}\n`;
  writeFileSync(
    join(dir, 'README.md'),
    [
      `${fence}sh\nnpm install @adv/types\n${fence}\n`,
      block(
        "import { compose } from '@adv/types';\nconsole.log(typeof compose);",
        '<!-- doctest: stdout\nfunction\n-->\n',
      ),
      block("const n: number = 'text';"),
      block('process.exit(3);'),
      block("console.log('other');", '<!-- doctest: stdout\nexpected\n-->\n'),
      block('setInterval(() => {}, 1000);'),
      block(
        "import { createServer } from 'node:http';\ncreateServer((_q, s) => s.writeHead(500).end('boom')).listen(3000);",
        '<!-- doctest: server\nGET / -> 200 "hello"\n-->\n',
      ),
      block('1;', '<!-- doctest: use nothing -->\n'),
      block('not code', '<!-- doctest: skip a fragment -->\n'),
    ].join('\n'),
  );
  try {
    const { results, ok } = await runDocTests({
      packageDir: dir,
      tarballDir: tarballs,
      timeoutMs: 5_000,
      log: () => {},
    });
    const byLine = Object.fromEntries(results.map((r) => [Number(r.where.split(':').pop()), r.status]));
    assert.equal(ok, false);
    assert.deepEqual(Object.values(byLine).sort(), [
      'fail',
      'fail',
      'fail',
      'fail',
      'fail',
      'fail',
      'ok',
      'ok',
      'skip',
    ]);
    assert.equal(byLine[8], 'ok'); // the one good block, its stdout checked
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
