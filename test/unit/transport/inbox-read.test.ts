import { describe, expect, it } from 'vitest';
import { Inbox } from '../../../src/transport/inbox.js';

describe('Inbox.readDone', () => {
  function inboxWith(events: string[]): Inbox {
    const inbox = new Inbox();
    inbox.setHandlers({
      message: (message) => events.push(String(message)),
      read: () => events.push('read'),
      close: () => events.push('close'),
    });
    return inbox;
  }

  it('tells the handlers once the messages they were handed at once are all delivered', async () => {
    const events: string[] = [];
    const inbox = inboxWith(events);
    // Handlers set: the first messages wait for the drain of setHandlers.
    await Promise.resolve();
    inbox.deliver('a');
    inbox.deliver('b');
    inbox.readDone();
    expect(events).toEqual(['a', 'b', 'read']);
  });

  it('says nothing while messages are still buffered, nor once ended', async () => {
    const events: string[] = [];
    const inbox = new Inbox();
    inbox.deliver('early');
    inbox.setHandlers({ message: (m) => events.push(String(m)), read: () => events.push('read'), close: () => events.push('close') });
    inbox.readDone();
    expect(events).toEqual([]);
    await Promise.resolve();
    expect(events).toEqual(['early']);
    inbox.end(undefined, true);
    inbox.readDone();
    await Promise.resolve();
    expect(events).toEqual(['early', 'close']);
  });
});
