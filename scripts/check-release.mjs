#!/usr/bin/env node
// Release dry run: `changeset version` on a scratch copy of the workspace manifests and the
// pending changesets, as a release would run it. It fails when a changeset is malformed or names
// an unknown package, and checks that every public package with changes gets a CHANGELOG.md entry
// and a higher version. Nothing in the work tree changes.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'adv-release-'));
const git = (...args) =>
  execFileSync('git', ['-c', 'user.name=release', '-c', 'user.email=release@localhost', ...args], {
    cwd: scratch,
    stdio: 'pipe',
  });

const workspaces = ['packages', 'apps'].flatMap((group) =>
  readdirSync(join(root, group)).map((name) => join(group, name)),
);
workspaces.push('bench');
for (const file of ['package.json', '.changeset', ...workspaces.map((dir) => join(dir, 'package.json'))]) {
  if (!existsSync(join(root, file))) continue;
  mkdirSync(dirname(join(scratch, file)), { recursive: true });
  cpSync(join(root, file), join(scratch, file), { recursive: true });
}
git('init', '-q', '-b', 'main');
git('add', '-A');
git('commit', '-qm', 'scratch');

const manifest = (dir) => JSON.parse(readFileSync(join(scratch, dir, 'package.json'), 'utf8'));
const before = Object.fromEntries(workspaces.map((dir) => [dir, manifest(dir).version]));
const pending = readdirSync(join(scratch, '.changeset')).filter((name) => name.endsWith('.md') && name !== 'README.md');
execFileSync(join(root, 'node_modules', '.bin', 'changeset'), ['version'], { cwd: scratch, stdio: 'pipe' });

const problems = [];
const released = [];
for (const dir of workspaces.filter((d) => d.startsWith('packages/'))) {
  const after = manifest(dir);
  if (after.private) continue;
  const changed = after.version !== before[dir];
  const changelog = join(scratch, dir, 'CHANGELOG.md');
  if (changed && !existsSync(changelog)) problems.push(`${after.name}: version moved but no CHANGELOG.md was written`);
  if (changed) released.push(`${after.name} ${before[dir]} -> ${after.version}`);
}
if (pending.length > 0 && released.length === 0) problems.push(`${pending.length} changesets released no package`);
const left = readdirSync(join(scratch, '.changeset')).filter((name) => name.endsWith('.md') && name !== 'README.md');
if (left.length > 0) problems.push(`changesets not consumed: ${left.join(', ')}`);
rmSync(scratch, { recursive: true, force: true });

if (problems.length > 0) {
  console.error(`check:release failed:\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log(`check:release: ${pending.length} changesets would release:\n  ${released.join('\n  ')}`);
