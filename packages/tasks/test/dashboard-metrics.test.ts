import { describe, expect, it } from 'vitest';
import { DashboardMetrics, escapeHtml } from '../src/dashboard/index.js';
import { percentile } from '../src/dashboard/metrics.js';
import { createTaskApp } from '../src/index.js';

const MINUTE = 60_000;

describe('dashboard metrics', () => {
  it('keeps one slot per minute for the last hour and reuses a slot an hour later', () => {
    const app = createTaskApp();
    let now = 10 * MINUTE + 5_000;
    const metrics = new DashboardMetrics(app, () => now);
    app.emit('completed', { id: 'a', name: 't', attempt: 1, result: null, duration: 5 });
    app.emit('failed', { id: 'b', name: 't', attempt: 1, error: new Error('boom') });
    let hour = metrics.lastHour();
    expect(hour).toHaveLength(60);
    expect(hour.at(-1)).toEqual({ minute: 10 * MINUTE, completed: 1, failed: 1 });
    expect(hour[0]).toEqual({ minute: -49 * MINUTE, completed: 0, failed: 0 });
    now += 2 * MINUTE;
    app.emit('completed', { id: 'c', name: 't', attempt: 1, result: null, duration: 7 });
    hour = metrics.lastHour();
    expect(hour.at(-3)).toEqual({ minute: 10 * MINUTE, completed: 1, failed: 1 });
    expect(hour.at(-1)).toEqual({ minute: 12 * MINUTE, completed: 1, failed: 0 });
    // Sixty minutes on, minute 10's slot is minute 70's: the old counts are gone, not added to.
    now = 70 * MINUTE;
    app.emit('completed', { id: 'd', name: 't', attempt: 1, result: null, duration: 9 });
    hour = metrics.lastHour();
    expect(hour.at(-1)).toEqual({ minute: 70 * MINUTE, completed: 1, failed: 0 });
    expect(hour.filter((m) => m.completed + m.failed > 0)).toHaveLength(2); // minutes 12 and 70
    expect(metrics.stack('b')).toContain('Error: boom');
    expect(metrics.tasks()).toEqual([{ name: 't', runs: 0, completed: 3, failures: 1, retries: 0, p50: 7, p95: 9 }]);
    metrics.close();
    app.emit('completed', { id: 'e', name: 't', attempt: 1, result: null, duration: 1 });
    expect(metrics.tasks()[0]!.completed).toBe(3);
    expect(app.listenerCount('completed')).toBe(0);
  });

  it('computes nearest-rank percentiles', () => {
    // Nearest-rank definition: the smallest value with at least p of the values at or below it.
    const values = [15, 20, 35, 40, 50];
    expect(percentile(values, 0.05)).toBe(15);
    expect(percentile(values, 0.3)).toBe(20);
    expect(percentile(values, 0.4)).toBe(20);
    expect(percentile(values, 0.5)).toBe(35);
    expect(percentile(values, 1)).toBe(50);
  });

  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;',
    );
    expect(escapeHtml(42)).toBe('42');
  });
});
