import { describe, expect, it } from 'vitest';
import { Generation, type MemjsClient } from '../src/drivers/memcached-namespace.js';

/** An in-process stand-in for memjs's generation commands, so races can be staged exactly. */
function fakeClient(initial?: string) {
  const store = new Map<string, string>();
  if (initial !== undefined) store.set('p:generation', initial);
  const client = {
    store,
    reads: 0,
    onRead: undefined as (() => void) | undefined,
    async get(key: string) {
      client.reads++;
      client.onRead?.();
      const value = store.get(key);
      return { value: value === undefined ? null : Buffer.from(value) };
    },
    async add(key: string, value: string) {
      if (store.has(key)) return false;
      store.set(key, value);
      return true;
    },
    async set(key: string, value: string) {
      store.set(key, value);
      return true;
    },
  };
  return client;
}

const asMemjs = (client: ReturnType<typeof fakeClient>) => client as unknown as MemjsClient;

describe('memcached namespace generation', () => {
  it('runs an operation on the current generation', async () => {
    const client = fakeClient('g1');
    const generation = new Generation(asMemjs(client), 'p');
    const seen: string[] = [];
    const result = await generation.run(async (g) => {
      seen.push(g);
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(seen).toEqual(['g1']);
  });

  it('redoes an operation on the new generation when another process cleared meanwhile', async () => {
    const client = fakeClient('g1');
    const generation = new Generation(asMemjs(client), 'p');
    await generation.run(async () => undefined); // this process now knows g1
    client.store.set('p:generation', 'g2'); // another process's clear()
    const seen: string[] = [];
    const result = await generation.run(async (g) => {
      seen.push(g);
      return g;
    });
    expect(result).toBe('g2');
    expect(seen).toEqual(['g1', 'g2']);
  });

  it('an operation that failed on an older generation is redone, not reported', async () => {
    const client = fakeClient('g1');
    const generation = new Generation(asMemjs(client), 'p');
    await generation.run(async () => undefined);
    client.store.set('p:generation', 'g2');
    const result = await generation.run(async (g) => {
      if (g === 'g1') throw new Error('non-numeric value on an orphaned key');
      return g;
    });
    expect(result).toBe('g2');
  });

  it('an operation that fails on the current generation rejects with its own error', async () => {
    const generation = new Generation(asMemjs(fakeClient('g1')), 'p');
    await expect(
      generation.run(async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
  });

  it('gives up with an error when the generation changes on every attempt', async () => {
    const client = fakeClient('g0');
    const generation = new Generation(asMemjs(client), 'p');
    await generation.run(async () => undefined);
    let next = 0;
    client.onRead = () => client.store.set('p:generation', `moved${++next}`);
    await expect(generation.run(async () => undefined)).rejects.toThrow(/changed during 5 attempts/);
  });

  it('creates a missing generation once for concurrent callers, and adopts one another process created', async () => {
    const client = fakeClient();
    const generation = new Generation(asMemjs(client), 'p');
    const seen = await Promise.all(Array.from({ length: 10 }, () => generation.run(async (g) => g)));
    expect(new Set(seen).size).toBe(1);
    expect(seen[0]).toBe(client.store.get('p:generation'));
    // Another process lost the race to create it: `add` fails and it reads the winner's.
    const late = new Generation(asMemjs(client), 'p');
    client.store.delete('p:generation');
    const original = client.add;
    client.add = async (key: string) => {
      client.store.set(key, 'winner');
      return false;
    };
    expect(await late.run(async (g) => g)).toBe('winner');
    client.add = original;
  });

  it('concurrent operations started together share one generation read', async () => {
    const client = fakeClient('g1');
    const generation = new Generation(asMemjs(client), 'p');
    await generation.run(async () => undefined);
    const before = client.reads;
    await Promise.all(Array.from({ length: 20 }, () => generation.run(async (g) => g)));
    expect(client.reads - before).toBe(1);
  });

  it('clear() moves to a new random generation', async () => {
    const client = fakeClient('g1');
    const generation = new Generation(asMemjs(client), 'p');
    await generation.clear();
    const first = client.store.get('p:generation');
    expect(first).not.toBe('g1');
    await generation.clear();
    expect(client.store.get('p:generation')).not.toBe(first);
    expect(await generation.run(async (g) => g)).toBe(client.store.get('p:generation'));
  });

  it('scopes keys to a generation, hashing those memcached would reject', () => {
    const generation = new Generation(asMemjs(fakeClient()), 'p');
    expect(generation.scoped('p:1:a', 'g1')).toBe('g1:p:1:a');
    const long = `p:1:${'k'.repeat(246)}`;
    const scoped = generation.scoped(long, 'g1');
    expect(scoped).toMatch(/^g1:#[0-9a-f]{64}$/);
    expect(generation.scoped(`${long.slice(0, -1)}j`, 'g1')).not.toBe(scoped);
  });
});
