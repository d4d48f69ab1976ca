import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { sqliteBackend } from '../src/sqlite.js';
import { taskBackendSuite } from './contract.js';

const dir = mkdtempSync(join(tmpdir(), 'adv-tasks-sqlite-'));
let files = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A fresh file per backend, as the BullMQ suite takes a fresh queue per backend.
taskBackendSuite('sqlite', () => sqliteBackend({ filename: join(dir, `contract-${++files}.db`) }));
