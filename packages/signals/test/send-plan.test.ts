import { describe, expect, it } from 'vitest';
import { SignalError, signal } from '../src/index.js';

// `send` and `emit` call a per-sender plan (the matching strong receivers, built once per
// change of the connections) instead of filtering every connection on every send. These
// tests pin what the plan must keep: connection order across filtered and unfiltered
// receivers, invalidation on connect/disconnect, async receivers refused before any runs,
// weak receivers still weak, and no sender kept alive.

const gc = (globalThis as { gc?: () => void }).gc;

class Article {}
class Comment {}
type Args = { sender: unknown; val: string };

describe('send plans (sender filter precomputed)', () => {
  // Ported from django/django tests/dispatch/tests.py, DispatcherTests.test_exact.
  it('a receiver connected for a sender gets that sender’s sends (Django test_exact)', () => {
    const aSignal = signal<Args, string>();
    const receiver1Arg = ({ val }: Args) => val;
    aSignal.connect(receiver1Arg, { sender: Article });
    expect(aSignal.send(Article, { val: 'test' })).toEqual([[receiver1Arg, 'test']]);
    expect(aSignal.disconnect(receiver1Arg, { sender: Article })).toBe(true);
    expect(aSignal.hasListeners()).toBe(false);
    expect(aSignal.send(Article, { val: 'test' })).toEqual([]);
  });

  // Ported from django/django tests/dispatch/tests.py, DispatcherTests.test_ignored_sender.
  it('a receiver connected without a sender gets every sender’s sends (Django test_ignored_sender)', () => {
    const aSignal = signal<Args, string>();
    const receiver1Arg = ({ val }: Args) => val;
    aSignal.connect(receiver1Arg);
    expect(aSignal.send(Article, { val: 'test' })).toEqual([[receiver1Arg, 'test']]);
    expect(aSignal.send({}, { val: 'other' })).toEqual([[receiver1Arg, 'other']]);
    expect(aSignal.disconnect(receiver1Arg)).toBe(true);
    expect(aSignal.hasListeners()).toBe(false);
  });

  it('keeps connection order across filtered and unfiltered receivers, per sender', () => {
    const saved = signal<Args, string>();
    const all1 = () => 'all1';
    const article = () => 'article';
    const comment = () => 'comment';
    const all2 = () => 'all2';
    saved.connect(all1);
    saved.connect(article, { sender: Article });
    saved.connect(comment, { sender: Comment });
    saved.connect(all2);
    const names = (results: [unknown, string][]) => results.map(([, result]) => result);
    // Alternate senders: each gets its own plan, none leaks into another.
    for (let round = 0; round < 3; round++) {
      expect(names(saved.send(Article, { val: '' }))).toEqual(['all1', 'article', 'all2']);
      expect(names(saved.send(Comment, { val: '' }))).toEqual(['all1', 'comment', 'all2']);
      expect(names(saved.send(undefined, { val: '' }))).toEqual(['all1', 'all2']);
      expect(names(saved.send({}, { val: '' }))).toEqual(['all1', 'all2']);
      expect(saved.emit(Article, { val: '' })).toBe(3);
      expect(saved.emit(undefined, { val: '' })).toBe(2);
    }
    // NaN never equals itself, so a receiver filtered on NaN never receives (as before plans).
    saved.connect(() => 'nan', { sender: Number.NaN });
    expect(names(saved.send(Number.NaN, { val: '' }))).toEqual(['all1', 'all2']);
  });

  it('a connect or disconnect after a send takes effect from the next send', () => {
    const saved = signal<Args, number>();
    const first = () => 1;
    const second = () => 2;
    saved.connect(first, { sender: Article });
    expect(saved.send(Article, { val: '' })).toEqual([[first, 1]]);
    saved.connect(second, { sender: Article });
    expect(saved.send(Article, { val: '' })).toEqual([
      [first, 1],
      [second, 2],
    ]);
    expect(saved.emit(Article, { val: '' })).toBe(2);
    saved.disconnect(first, { sender: Article });
    expect(saved.send(Article, { val: '' })).toEqual([[second, 2]]);
    expect(saved.emit(Article, { val: '' })).toBe(1);
    // A receiver connected during a send runs from the next send on.
    const late = () => 3;
    const connecting = () => {
      saved.connect(late, { sender: Article });
      return 0;
    };
    saved.connect(connecting, { sender: Article });
    expect(saved.send(Article, { val: '' }).map(([, result]) => result)).toEqual([2, 0]);
    expect(saved.send(Article, { val: '' }).map(([, result]) => result)).toEqual([2, 0, 3]);
  });

  it('an async receiver for another sender does not block a sync send; one for this sender does, before any receiver runs', () => {
    const saved = signal<Args>();
    const calls: string[] = [];
    saved.connect(() => void calls.push('sync'));
    saved.connect(async () => void calls.push('async'), { sender: Comment });
    expect(saved.send(Article, { val: '' })).toHaveLength(1);
    expect(saved.emit(Article, { val: '' })).toBe(1);
    expect(calls).toEqual(['sync', 'sync']);
    calls.length = 0;
    for (const send of [() => saved.send(Comment, { val: '' }), () => saved.emit(Comment, { val: '' })]) {
      expect(send).toThrow(SignalError);
      expect(send).toThrow(/ERR_ASYNC_RECEIVER|is async/);
    }
    expect(calls).toEqual([]);
  });

  it('a weak receiver matching the sender is not held by the plan and is still collected', async () => {
    expect(typeof gc).toBe('function');
    const saved = signal<Args, string>();
    const strong = () => 'strong';
    saved.connect(strong, { sender: Article });
    (function connectTemporary() {
      saved.connect(() => 'weak', { sender: Article, weak: true });
    })();
    expect(saved.send(Article, { val: '' }).map(([, result]) => result)).toEqual(['strong', 'weak']);
    expect(saved.emit(Article, { val: '' })).toBe(2);
    for (let attempt = 0; attempt < 50 && saved.emit(Article, { val: '' }) === 2; attempt++) {
      await new Promise((resolve) => setImmediate(resolve));
      gc!();
    }
    expect(saved.send(Article, { val: '' })).toEqual([[strong, 'strong']]);
  });

  // Ported from django/django tests/dispatch/tests.py, DispatcherTests.test_cached_garbaged_collected:
  // caching receivers per sender must not keep the sender alive.
  it('a sender sent from once is not kept alive by the plans (Django test_cached_garbaged_collected)', async () => {
    expect(typeof gc).toBe('function');
    const dSignal = signal<Args, string>();
    const receiver1Arg = ({ val }: Args) => val;
    dSignal.connect(receiver1Arg);
    const ref = (() => {
      const sender = class {};
      expect(dSignal.send(sender, { val: 'garbage' })).toEqual([[receiver1Arg, 'garbage']]);
      return new WeakRef(sender);
    })();
    for (let attempt = 0; attempt < 50 && ref.deref() !== undefined; attempt++) {
      await new Promise((resolve) => setImmediate(resolve));
      gc!();
    }
    expect(ref.deref()).toBeUndefined();
    expect(dSignal.disconnect(receiver1Arg)).toBe(true);
  });
});
