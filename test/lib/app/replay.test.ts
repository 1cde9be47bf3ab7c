import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../lib/adapters/memory/store';
import { ingest } from '../../../lib/app/ingest';
import { replay } from '../../../lib/app/replay';
import { MAPPING } from '../../support/mapping';
import { request, SECRET, zendeskEvent } from '../../support/webhooks';

describe('replay', () => {
  it('applies a fixed mapping to archived requests, once', async () => {
    const store = new MemoryStore();
    const secrets = { zendesk: [SECRET] };
    const start = Date.now();
    const first = await ingest('zendesk', request('zendesk', zendeskEvent('ticket.created')), {
      store,
      mapping: {},
      secrets,
    });
    expect(first.body).toMatchObject({ accepted: 0, unmapped: ['no zendesk section in the mapping file'] });
    expect(await store.history('ZD-5158')).toEqual([]);

    const fixed = await replay(start - 1000, Date.now() + 1, { store, mapping: MAPPING, secrets: {} });
    expect(fixed).toEqual({ requests: 1, accepted: 1, duplicates: 0, conflicts: 0, unmapped: 0, refused: 0 });
    expect((await store.history('ZD-5158')).map((e) => e.type)).toEqual(['ticket.created']);
    const archived = [];
    for await (const r of store.archived(start - 1000, Date.now() + 1)) archived.push(r);
    expect(archived[0]?.outcome).toEqual({ unmapped: [], conflicts: [] });

    const again = await replay(start - 1000, Date.now() + 1, { store, mapping: MAPPING, secrets: {} });
    expect(again).toMatchObject({ requests: 1, accepted: 0, duplicates: 1 });
  });
});
