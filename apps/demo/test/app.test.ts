import { describe, expect, it } from 'vitest';
import { app } from '../src/app.js';

describe('demo app', () => {
  it('serves the home page through the composed middleware', async () => {
    const response = await app(new Request('http://localhost/'));
    expect(response.status).toBe(200);
    expect(response.headers.get('x-powered-by')).toBe('adv');
    expect(await response.text()).toContain('adv demo');
  });
});
