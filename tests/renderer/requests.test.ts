/** Which answers the renderer shows: only the newest answer counts. */
import { describe, expect, it } from 'vitest';
import { LatestRequest } from '../../renderer/src/requests.js';

describe('LatestRequest', () => {
  it('only the newest request is current; superseding makes every request in flight stale', () => {
    const requests = new LatestRequest();
    const first = requests.begin();
    expect(first()).toBe(true);
    const second = requests.begin();
    expect(first()).toBe(false);
    expect(second()).toBe(true);
    requests.supersede();
    expect(second()).toBe(false);
    const third = requests.begin();
    expect(third()).toBe(true);
  });

  it('answers arriving out of order: the older one is dropped', async () => {
    const requests = new LatestRequest();
    const shown: string[] = [];
    const ask = async (answer: string, delay: number) => {
      const isNewest = requests.begin();
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (isNewest()) shown.push(answer);
    };
    await Promise.all([ask('old', 30), ask('new', 5)]);
    expect(shown).toEqual(['new']);
  });
});
