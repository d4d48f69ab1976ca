#!/usr/bin/env node
// README doc tests: every ```ts / ```js / ```sh block of a package README runs as a new user
// would run it. One temporary project per README: the README's own `npm install …` line(s) run
// first (each `@adv/*` name mapped to its packed tarball, everything else a fresh registry
// resolve, no lockfile), then every ts block is type-checked by tsc (strict, NodeNext,
// skipLibCheck false) and, compiled to JS, run with node; sh blocks run with `sh -e`.
//
//   node scripts/doc-tests.mjs <package-dir> <tarball-dir> [--keep] [--timeout <s>]
//
// Blocks are marked with HTML comments (invisible on GitHub and npm) before them:
//   <!-- doctest: skip <reason> -->           not run; the reason is required and reported
//   <!-- doctest: compile-only [reason] -->   type-checked, not run
//   <!-- doctest: setup <name> -->            this block is also setup <name> (still run itself)
//   <!-- doctest: setup <name>                hidden setup code (in the comment's body)
//   code… -->
//   <!-- doctest: use <name> [<name>…] -->    the setups' code runs before the block (imports merged)
//   <!-- doctest: file <path> -->             this block (any language, e.g. json) is written to <path>
//   <!-- doctest: file <path>                 a hidden file with the comment's body
//   content… -->
//   <!-- doctest: stdout                      each body line must appear in the block's output
//   text… -->
//   <!-- doctest: server                      the block starts a server: it is run with a hook that
//   GET /pt-br/ accept-language:pt -> 200 "Olá"   forces port 0, sends these requests once it listens,
//   POST /x form:a=1&b=2 -> 302 location:/y -->   checks status, body text and headers, and exits
//
// A block that does not exit within the bound (default 120 s: CI runs this beside the test
// suites on 2 busy cores, where a block of four CLI runs measured 31 s) fails with that message. The
// report gives README.md:<line>, ok / FAIL / skip, and the error; the exit code is 1 on a failure.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const RUNNABLE = {
  ts: 'ts',
  typescript: 'ts',
  tsx: 'ts',
  js: 'js',
  javascript: 'js',
  mjs: 'js',
  sh: 'sh',
  bash: 'sh',
  shell: 'sh',
};
const INSTALL = /^\s*(?:npm\s+(?:install|i|add)|pnpm\s+(?:add|install|i)|yarn\s+add)\b/;
const DIRECTIVE = /^<!--\s*doctest:\s*([a-z-]+)\s*([^\n]*?)\s*(?:-->\s*$|$)/;

/**
 * Parses a README into its fenced blocks with the doctest directives that precede each, and
 * the hidden setups and files defined in comments. Throws on a malformed directive.
 */
export function parseReadme(text, file = 'README.md') {
  const lines = text.split('\n');
  const blocks = [];
  const setups = new Map();
  const files = [];
  const problems = [];
  let pending = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const where = `${file}:${i + 1}`;
    if (line.trim() === '') continue;
    const directive = DIRECTIVE.exec(line.trim());
    if (directive) {
      const [, kind, argument] = directive;
      let body;
      if (!line.includes('-->')) {
        const end = lines.findIndex((candidate, j) => j > i && candidate.includes('-->'));
        if (end === -1) {
          problems.push(`${where}: doctest comment is never closed with -->`);
          break;
        }
        body = lines.slice(i + 1, end).join('\n');
        if (lines[end].trim() !== '-->') body += `\n${lines[end].replace(/-->\s*$/, '')}`;
        body = { text: body, line: i + 2 };
        i = end;
      }
      if (kind === 'setup' && body) {
        if (!argument) problems.push(`${where}: doctest: setup needs a name`);
        else setups.set(argument, { name: argument, code: body.text, line: body.line, hidden: true });
      } else if (kind === 'file' && body) {
        if (!argument) problems.push(`${where}: doctest: file needs a path`);
        else files.push({ path: argument, content: `${body.text}\n`, line: body.line, hidden: true });
      } else if (['skip', 'compile-only', 'setup', 'use', 'file', 'stdout', 'server'].includes(kind)) {
        if (kind === 'skip' && !argument)
          problems.push(`${where}: doctest: skip needs a reason (what the block needs that a test cannot give it)`);
        if ((kind === 'use' || kind === 'setup' || kind === 'file') && !argument)
          problems.push(`${where}: doctest: ${kind} needs a name`);
        if ((kind === 'stdout' || kind === 'server') && !body)
          problems.push(`${where}: doctest: ${kind} lists its expectations on the lines after it, up to -->`);
        pending.push({ kind, argument, body, line: i + 1 });
      } else {
        problems.push(
          `${where}: unknown doctest directive "${kind}" (skip, compile-only, setup, use, file, stdout, server)`,
        );
      }
      continue;
    }
    const fence = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/.exec(line);
    if (fence) {
      const [, , marker, info] = fence;
      const start = i;
      let end = i + 1;
      while (end < lines.length && !lines[end].trim().startsWith(marker)) end++;
      const code = lines.slice(start + 1, end).join('\n');
      const lang = info.toLowerCase();
      const block = { lang, kind: RUNNABLE[lang], code, line: start + 1, codeLine: start + 2, directives: pending };
      pending = [];
      i = end;
      const setupName = block.directives.find((d) => d.kind === 'setup')?.argument;
      if (setupName) setups.set(setupName, { name: setupName, code, line: block.codeLine, hidden: false });
      const filePath = block.directives.find((d) => d.kind === 'file')?.argument;
      if (filePath) files.push({ path: filePath, content: `${code}\n`, line: block.codeLine, hidden: false, block });
      blocks.push(block);
      continue;
    }
    if (pending.length > 0 && !line.trim().startsWith('<!--')) {
      problems.push(`${where}: doctest directive(s) at line ${pending[0].line} are not followed by a code block`);
      pending = [];
    }
  }
  return { blocks, setups, files, problems };
}

/** Tokens of a request line, with "double quoted" tokens kept whole (quotes removed). */
function tokens(text) {
  return [...text.matchAll(/"((?:\\.|[^"\\])*)"|(\S+)/g)].map((m) =>
    m[1] !== undefined ? { quoted: true, value: m[1].replace(/\\(.)/g, '$1') } : { quoted: false, value: m[2] },
  );
}

/**
 * Parses a `server` expectation line:
 * `METHOD /path [header:value…] [form:a=1&b=2 | json:{…} | text:…] -> STATUS ["body substring"] [header:value…]`.
 */
export function parseRequestLine(line) {
  const [left, right] = line.split(/\s->\s/);
  if (right === undefined) throw new Error(`expected "METHOD /path … -> STATUS …", got ${JSON.stringify(line)}`);
  const [method, path, ...rest] = tokens(left).map((t) => t.value);
  if (!/^[A-Z]+$/.test(method ?? '') || !path?.startsWith('/'))
    throw new Error(`expected "METHOD /path" at the start of ${JSON.stringify(line)}`);
  const request = { method, path, headers: {}, body: undefined };
  for (const token of rest) {
    const colon = token.indexOf(':');
    if (colon < 1) throw new Error(`expected name:value, got ${JSON.stringify(token)} in ${JSON.stringify(line)}`);
    const name = token.slice(0, colon).toLowerCase();
    const value = token.slice(colon + 1);
    if (name === 'form') [request.body, request.headers['content-type']] = [value, 'application/x-www-form-urlencoded'];
    else if (name === 'json') [request.body, request.headers['content-type']] = [value, 'application/json'];
    else if (name === 'text') [request.body, request.headers['content-type']] = [value, 'text/plain'];
    else request.headers[name] = value;
  }
  const [status, ...checks] = tokens(right);
  const expect = { status: Number(status?.value), contains: [], headers: {} };
  if (!Number.isInteger(expect.status)) throw new Error(`expected a status after -> in ${JSON.stringify(line)}`);
  for (const check of checks) {
    if (check.quoted) expect.contains.push(check.value);
    else {
      const colon = check.value.indexOf(':');
      if (colon < 1)
        throw new Error(`expected "text" or header:value after the status, got ${JSON.stringify(check.value)}`);
      expect.headers[check.value.slice(0, colon).toLowerCase()] = check.value.slice(colon + 1);
    }
  }
  return { request, expect };
}

/**
 * Joins setup code and a block into one module: import declarations of all parts merged (a name
 * imported by both is imported once), setup statements first, then the block with its own
 * imports blanked so its line numbers stay put. Returns the text and the line the block starts at.
 */
export function assemble(parts, code) {
  const imports = new Map();
  const order = [];
  const split = (text) => {
    const source = ts.createSourceFile('x.ts', text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
    const lines = text.split('\n');
    for (const statement of source.statements) {
      if (!ts.isImportDeclaration(statement)) continue;
      const from = statement.moduleSpecifier.getText(source);
      const attributes = statement.attributes ? ` ${statement.attributes.getText(source)}` : '';
      const clause = statement.importClause;
      const typeOnly = clause?.isTypeOnly ? 'type ' : '';
      const key = `${typeOnly}${from}${attributes}`;
      if (!imports.has(key)) {
        imports.set(key, { typeOnly, from, attributes, named: new Map(), others: new Set() });
        order.push(key);
      }
      const entry = imports.get(key);
      if (!clause) entry.others.add('');
      else {
        if (clause.name) entry.others.add(clause.name.text);
        const bindings = clause.namedBindings;
        if (bindings && ts.isNamespaceImport(bindings)) entry.others.add(`* as ${bindings.name.text}`);
        if (bindings && ts.isNamedImports(bindings)) {
          for (const element of bindings.elements) entry.named.set(element.name.text, element.getText(source));
        }
      }
      const from0 = source.getLineAndCharacterOfPosition(statement.getStart(source)).line;
      const to = source.getLineAndCharacterOfPosition(statement.getEnd()).line;
      for (let l = from0; l <= to; l++) lines[l] = '';
    }
    return lines.join('\n');
  };
  const bodies = parts.map((part) => split(part.code));
  const block = split(code);
  const header = [];
  for (const key of order) {
    const { typeOnly, from, attributes, named, others } = imports.get(key);
    for (const other of others)
      header.push(
        other === '' ? `import ${from}${attributes};` : `import ${typeOnly}${other} from ${from}${attributes};`,
      );
    if (named.size > 0)
      header.push(`import ${typeOnly}{ ${[...named.values()].join(', ')} } from ${from}${attributes};`);
  }
  const head = [...header, ...bodies.map((body, i) => `// doctest setup ${parts[i].name}\n${body}`)].join('\n');
  const text = `${head}\n${block}\nexport {};\n`;
  return { text, blockLine: head.split('\n').length + 1 };
}

function sh(command, cwd, { timeout = 900_000, env } = {}) {
  return execFileSync('sh', ['-ec', command], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout,
    env: {
      ...process.env,
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
      ...env,
    },
  });
}

/** `@adv/x` -> tarball path, read from each tarball's own package.json. */
function tarballNames(dir) {
  const map = new Map();
  for (const entry of readdirSync(dir)) {
    if (!entry.endsWith('.tgz')) continue;
    const file = join(dir, entry);
    const manifest = JSON.parse(execFileSync('tar', ['-xOzf', file, 'package/package.json'], { encoding: 'utf8' }));
    map.set(manifest.name, file);
  }
  return map;
}

/** Runs `node …args` in `cwd`, resolving with its exit code and output, killed after `timeout` ms. */
function runNode(args, cwd, timeout, env) {
  return new Promise((done) => {
    const child = spawn(process.execPath, args, {
      cwd,
      env: { ...process.env, DOCTEST: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let timedOut = false;
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeout);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, out, timedOut });
    });
  });
}

const SERVER_HOOK = `import net from 'node:net';
const requests = JSON.parse(process.env.DOCTEST_REQUESTS);
const listen = net.Server.prototype.listen;
let started = false;
net.Server.prototype.listen = function listenOnAnyPort(...args) {
  if (typeof args[0] === 'number' || /^\\d+$/.test(String(args[0]))) args[0] = 0;
  else if (args[0] !== null && typeof args[0] === 'object' && 'port' in args[0]) args[0] = { ...args[0], port: 0 };
  this.once('listening', () => {
    if (started) return;
    started = true;
    void check(this.address());
  });
  return listen.apply(this, args);
};
async function check(address) {
  const host = !address.address || address.address === '::' || address.address === '0.0.0.0' ? '127.0.0.1'
    : address.family === 'IPv6' ? '[' + address.address + ']' : address.address;
  const results = [];
  for (const { method, path, headers, body } of requests) {
    try {
      const response = await fetch('http://' + host + ':' + address.port + path, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(60000) });
      results.push({ status: response.status, headers: Object.fromEntries(response.headers), text: await response.text() });
    } catch (error) {
      results.push({ error: String(error?.cause ?? error) });
    }
  }
  process.stdout.write('\\nDOCTEST_RESULT ' + JSON.stringify(results) + '\\n', () => process.exit(0));
}
`;

/** Compares server results with the expectations; returns the problems. */
export function serverProblems(checks, results) {
  const problems = [];
  checks.forEach(({ request, expect }, index) => {
    const result = results?.[index];
    const what = `${request.method} ${request.path}`;
    if (!result) problems.push(`${what}: no response`);
    else if (result.error) problems.push(`${what}: ${result.error}`);
    else {
      if (result.status !== expect.status)
        problems.push(
          `${what}: status ${result.status}, expected ${expect.status} (body: ${JSON.stringify(result.text.slice(0, 200))})`,
        );
      for (const text of expect.contains)
        if (!result.text.includes(text))
          problems.push(`${what}: body ${JSON.stringify(result.text.slice(0, 200))} lacks ${JSON.stringify(text)}`);
      for (const [name, value] of Object.entries(expect.headers)) {
        if (!(result.headers[name] ?? '').includes(value))
          problems.push(
            `${what}: header ${name} is ${JSON.stringify(result.headers[name] ?? null)}, expected ${JSON.stringify(value)}`,
          );
      }
    }
  });
  return problems;
}

/**
 * Runs the doc tests of one package README. Resolves with the per-block results and timings;
 * `log` gets one line per block as it finishes.
 */
export async function runDocTests({
  packageDir,
  tarballDir,
  keep = false,
  timeoutMs = 120_000,
  concurrency = 2,
  log = console.log,
}) {
  const started = performance.now();
  const readmePath = join(resolve(packageDir), 'README.md');
  const label = relative(process.cwd(), readmePath) || 'README.md';
  const { blocks, setups, files, problems } = parseReadme(readFileSync(readmePath, 'utf8'), label);
  const results = [];
  const report = (block, status, detail = '', ms = 0) => {
    const where = `${label}:${block.line}`;
    results.push({ where, lang: block.lang, status, detail, ms });
    const time = ms > 0 ? ` (${(ms / 1000).toFixed(1)} s)` : '';
    log(
      `${status === 'ok' ? '  ok  ' : status === 'skip' ? '  skip' : '  FAIL'} ${where} ${block.lang}${time}${detail ? `: ${detail.split('\n').join('\n        ')}` : ''}`,
    );
  };
  for (const problem of problems) {
    results.push({ where: problem.split(': ')[0], status: 'fail', detail: problem });
    log(`  FAIL ${problem}`);
  }
  const project = mkdtempSync(join(tmpdir(), `adv-doctest-${basename(resolve(packageDir))}-`));
  const timings = { install: 0, compile: 0, run: 0 };
  try {
    // 1. The project, and the README's own install lines (@adv/* from the tarballs).
    const tarballs = tarballNames(tarballDir);
    // Relative, as npm writes a direct `file:` dependency: an absolute spec "conflicts" with it (EOVERRIDE).
    const overrides = Object.fromEntries(
      [...tarballs].map(([name, file]) => [name, `file:${relative(project, file)}`]),
    );
    writeFileSync(
      join(project, 'package.json'),
      `${JSON.stringify({ name: 'doctest-consumer', private: true, type: 'module', overrides }, null, 2)}\n`,
    );
    const runnable = blocks.filter((block) => block.kind && !block.directives.some((d) => d.kind === 'skip'));
    const installs = runnable
      .filter((b) => b.kind === 'sh')
      .flatMap((b) =>
        b.code
          .split('\n')
          .map((text, i) => ({ text, line: b.codeLine + i, block: b }))
          .filter((l) => INSTALL.test(l.text)),
      );
    const installFailed = new Set();
    let t0 = performance.now();
    if (installs.length === 0) {
      results.push({ where: label, status: 'fail', detail: 'no npm install line in any sh block' });
      log(`  FAIL ${label}: no \`npm install …\` line in any sh block: a new user would not know what to install`);
    }
    for (const install of installs) {
      const mapped = install.text.replace(/(^|\s)(@adv\/[a-z0-9-]+)(@[^\s]+)?(?=\s|$)/g, (_all, space, name) => {
        const file = tarballs.get(name);
        if (!file) throw new Error(`${label}:${install.line}: no tarball for ${name} in ${tarballDir}`);
        return `${space}${file}`;
      });
      try {
        // Lines after the first reuse the metadata the first fetched seconds ago (one registry
        // resolve per README); a package no earlier line installed is still fetched fresh.
        sh(mapped, project, { env: install === installs[0] ? {} : { npm_config_prefer_offline: 'true' } });
        log(`  ok   ${label}:${install.line} ${install.text.trim()}`);
      } catch (error) {
        installFailed.add(install.block);
        results.push({
          where: `${label}:${install.line}`,
          status: 'fail',
          detail: `${install.text.trim()}: ${error.stderr || error.message}`,
        });
        log(
          `  FAIL ${label}:${install.line} ${install.text.trim()}\n        ${String(error.stderr || error.message)
            .trim()
            .split('\n')
            .slice(-5)
            .join('\n        ')}`,
        );
      }
    }
    // The harness's own tools, installed after the README's lines and not saved as the user's.
    sh('npm install --no-save typescript@~6.0 @types/node@20', project);
    timings.install = performance.now() - t0;

    // 2. Files (json catalogs, modules other blocks import), then one module per ts/js block.
    for (const file of files) {
      mkdirSync(dirname(join(project, file.path)), { recursive: true });
      writeFileSync(join(project, file.path), file.content);
    }
    const units = [];
    for (const block of blocks) {
      if (!block.kind) continue;
      const skip = block.directives.find((d) => d.kind === 'skip');
      if (skip) {
        report(block, 'skip', skip.argument);
        continue;
      }
      const uses = block.directives.filter((d) => d.kind === 'use').flatMap((d) => d.argument.split(/[\s,]+/));
      const missing = uses.filter((name) => !setups.has(name));
      if (missing.length > 0) {
        report(
          block,
          'fail',
          `doctest: use names unknown setup(s) ${missing.join(', ')}; defined: ${[...setups.keys()].join(', ') || 'none'}`,
        );
        continue;
      }
      const parts = uses.map((name) => setups.get(name));
      const own = block.directives.find((d) => d.kind === 'file')?.argument;
      const unit = { block, parts, compileOnly: block.directives.some((d) => d.kind === 'compile-only') };
      unit.server = block.directives.find((d) => d.kind === 'server');
      unit.stdout = block.directives.find((d) => d.kind === 'stdout');
      try {
        unit.checks = unit.server?.body.text
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map(parseRequestLine);
      } catch (error) {
        report(block, 'fail', `doctest: server: ${error.message}`);
        continue;
      }
      if (block.kind === 'sh') {
        unit.file = `doctest-${block.line}.sh`;
        const commands = block.code
          .split('\n')
          .map((l) => (INSTALL.test(l) ? '' : l))
          .join('\n');
        unit.text = `${parts.map((p) => p.code).join('\n')}\n${commands}\n`;
        unit.trivial =
          commands.trim() === '' || commands.split('\n').every((l) => l.trim() === '' || l.trim().startsWith('#'));
      } else if (block.kind === 'js') {
        unit.file = own ?? `doctest-${block.line}.mjs`;
        unit.text = `${parts.map((p) => p.code).join('\n')}\n${block.code}\n`;
        unit.blockLine = unit.text.split('\n').length - block.code.split('\n').length;
      } else {
        unit.file = own ?? `doctest-${block.line}.ts`;
        const { text, blockLine } = assemble(parts, block.code);
        unit.text = text;
        unit.blockLine = blockLine;
      }
      writeFileSync(join(project, unit.file), unit.text);
      units.push(unit);
    }

    // 3. One tsc run over every ts file: strict, NodeNext, skipLibCheck false; emits JS in place.
    t0 = performance.now();
    const tsFiles = [
      ...new Set([
        ...units.filter((u) => u.block.kind === 'ts').map((u) => u.file),
        ...files.filter((f) => /\.m?tsx?$/.test(f.path)).map((f) => f.path),
      ]),
    ];
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          lib: ['ES2023', 'DOM'],
          types: ['node'],
          skipLibCheck: false,
          resolveJsonModule: true,
          noEmitOnError: false,
          jsx: 'react-jsx',
        },
        files: tsFiles,
      }),
    );
    const diagnostics = new Map();
    if (tsFiles.length > 0) {
      let output = '';
      try {
        output = sh('node_modules/.bin/tsc -p tsconfig.json --pretty false', project);
      } catch (error) {
        output = `${error.stdout ?? ''}${error.stderr ?? ''}`;
      }
      for (const m of output.matchAll(/^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$/gm)) {
        const [, file, line, , code, message] = m;
        if (!diagnostics.has(file)) diagnostics.set(file, []);
        diagnostics.get(file).push({ line: Number(line), text: `${code}: ${message}` });
      }
      const unplaced = [...diagnostics.keys()].filter((file) => !tsFiles.includes(file));
      for (const file of unplaced) {
        for (const d of diagnostics.get(file)) {
          results.push({ where: file, status: 'fail', detail: d.text });
          log(`  FAIL ${file}:${d.line} (outside the README's blocks): ${d.text}`);
        }
      }
    }
    timings.compile = performance.now() - t0;
    const locate = (unit, line) => {
      if (line >= unit.blockLine) return `${label}:${unit.block.codeLine + line - unit.blockLine}`;
      const setup = unit.parts.find((p) =>
        unit.text
          .split('\n')
          .slice(0, line)
          .some((l) => l === `// doctest setup ${p.name}`),
      );
      return setup ? `setup ${setup.name} (${label}:${setup.line})` : `${unit.file}:${line} (merged imports)`;
    };
    for (const file of files.filter((f) => f.hidden && /\.m?tsx?$/.test(f.path))) {
      for (const d of diagnostics.get(file.path) ?? []) {
        results.push({ where: `${label}:${file.line}`, status: 'fail', detail: d.text });
        log(`  FAIL ${label}:${file.line + d.line - 1} (hidden file ${file.path}): ${d.text}`);
      }
    }

    // 4. Run, one block at a time (the machine is shared; blocks may write the same files).
    t0 = performance.now();
    const hook = join(project, 'doctest-server-hook.mjs');
    writeFileSync(hook, SERVER_HOOK);
    const runUnit = async (unit) => {
      const { block } = unit;
      const begin = performance.now();
      const errors = (diagnostics.get(unit.file) ?? []).map((d) => `${locate(unit, d.line)}: ${d.text}`);
      if (installFailed.has(block)) errors.unshift('its npm install line failed (above)');
      if (errors.length > 0) {
        report(block, 'fail', `compile: ${errors.join('\n')}`);
        return;
      }
      if (block.kind === 'sh' && unit.trivial) {
        report(block, 'ok', 'install lines only');
        return;
      }
      if (unit.compileOnly) {
        report(block, 'ok', block.kind === 'ts' ? 'compiles (compile-only)' : 'compile-only: not run');
        return;
      }
      const runFile = unit.file.replace(/\.ts$/, '.js').replace(/\.mts$/, '.mjs');
      let result;
      if (block.kind === 'sh') {
        result = await new Promise((done) => {
          const child = spawn('sh', ['-e', unit.file], {
            cwd: project,
            env: { ...process.env, DOCTEST: '1', PATH: `${join(project, 'node_modules', '.bin')}:${process.env.PATH}` },
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          let out = '';
          child.stdout.on('data', (c) => (out += c));
          child.stderr.on('data', (c) => (out += c));
          const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
          child.on('close', (code, signal) => {
            clearTimeout(timer);
            done({ code, out, timedOut: signal === 'SIGKILL' });
          });
        });
      } else if (unit.checks) {
        result = await runNode(['--import', hook, runFile], project, timeoutMs, {
          DOCTEST_REQUESTS: JSON.stringify(unit.checks.map((c) => c.request)),
        });
      } else {
        result = await runNode([runFile], project, timeoutMs);
      }
      const ms = performance.now() - begin;
      const tail = result.out.trim().split('\n').slice(-8).join('\n');
      if (result.timedOut) {
        const hint = unit.checks
          ? 'never listened'
          : 'does it start a server or a timer? mark it with <!-- doctest: server … -->';
        report(block, 'fail', `did not exit within ${timeoutMs / 1000} s (${hint})${tail ? `\n${tail}` : ''}`, ms);
      } else if (result.code !== 0) {
        report(block, 'fail', `exit code ${result.code}\n${tail}`, ms);
      } else if (unit.checks) {
        const line = result.out
          .split('\n')
          .reverse()
          .find((l) => l.startsWith('DOCTEST_RESULT '));
        const problems = line
          ? serverProblems(unit.checks, JSON.parse(line.slice('DOCTEST_RESULT '.length)))
          : ['exited without ever listening'];
        report(
          block,
          problems.length === 0 ? 'ok' : 'fail',
          problems.length === 0 ? `server: ${unit.checks.length} request(s) answered as expected` : problems.join('\n'),
          ms,
        );
      } else {
        const wanted =
          unit.stdout?.body.text
            .split('\n')
            .map((l) => l.trim())
            .filter(Boolean) ?? [];
        const lacking = wanted.filter((text) => !result.out.includes(text));
        report(
          block,
          lacking.length === 0 ? 'ok' : 'fail',
          lacking.length === 0 ? '' : `output lacks ${lacking.map((t) => JSON.stringify(t)).join(', ')}; got:\n${tail}`,
          ms,
        );
      }
    };
    // ts/js blocks run `concurrency` at a time (servers listen on port 0); sh blocks, which
    // write files in the project, run after them one by one, in README order.
    const queue = units.filter((unit) => unit.block.kind !== 'sh');
    await Promise.all(
      Array.from({ length: Math.max(1, concurrency) }, async () => {
        while (queue.length > 0) await runUnit(queue.shift());
      }),
    );
    for (const unit of units.filter((u) => u.block.kind === 'sh')) await runUnit(unit);
    timings.run = performance.now() - t0;
  } finally {
    if (keep) log(`  (kept ${project})`);
    else rmSync(project, { recursive: true, force: true });
  }
  const total = performance.now() - started;
  const count = (status) => results.filter((r) => r.status === status).length;
  const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
  const failed = results
    .filter((r) => r.status === 'fail')
    .sort((a, b) => a.where.localeCompare(b.where, 'en', { numeric: true }));
  if (failed.length > 0) log(`Failed:\n${failed.map((r) => `  ${r.where}: ${r.detail.split('\n')[0]}`).join('\n')}`);
  log(
    `${label}: ${count('ok')} ok, ${count('fail')} failed, ${count('skip')} skipped in ${seconds(total)} (install ${seconds(timings.install)}, tsc ${seconds(timings.compile)}, run ${seconds(timings.run)})`,
  );
  return { readme: label, results, ok: count('fail') === 0, timings: { ...timings, total } };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const flag = (name) => {
    const index = args.indexOf(name);
    if (index === -1) return undefined;
    const [, value] = args.splice(index, 2);
    return value;
  };
  const keep = args.includes('--keep');
  if (keep) args.splice(args.indexOf('--keep'), 1);
  const timeout = flag('--timeout');
  const [packageDir, tarballDir] = args;
  if (!packageDir || !tarballDir || !existsSync(join(packageDir, 'README.md')) || !existsSync(tarballDir)) {
    console.error('Usage: node scripts/doc-tests.mjs <package-dir> <tarball-dir> [--keep] [--timeout <seconds>]');
    console.error('  <package-dir> holds README.md; <tarball-dir> holds the npm pack tarballs of the @adv packages.');
    process.exit(2);
  }
  const { ok } = await runDocTests({
    packageDir,
    tarballDir,
    keep,
    timeoutMs: timeout ? Number(timeout) * 1000 : undefined,
  });
  process.exitCode = ok ? 0 : 1;
}
