import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LiveMessage } from '@phasewire/api';
import { LiveFeed, parseLiveMessage, type SocketLike } from './live.ts';

class FakeSocket implements SocketLike {
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  readyState = 0;
  sent: string[] = [];
  closed = false;
  send(data: string): void {
    this.sent.push(data);
  }
  close(): void {
    this.closed = true;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({} as Event);
  }
  receive(data: string): void {
    this.onmessage?.({ data } as MessageEvent);
  }
  drop(code = 1006, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason } as CloseEvent);
  }
}

function harness() {
  const sockets: FakeSocket[] = [];
  const delays: number[] = [];
  const pending: (() => void)[] = [];
  const messages: LiveMessage[] = [];
  const status: boolean[] = [];
  const ended: string[] = [];
  const feed = new LiveFeed({
    connect: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    onMessage: (m) => messages.push(m),
    onStatus: (up) => status.push(up),
    onEnded: (reason) => ended.push(reason),
    schedule: (fn, ms) => {
      delays.push(ms);
      pending.push(fn);
      return () => undefined;
    },
  });
  return { feed, sockets, delays, pending, messages, status, ended };
}

describe('parseLiveMessage', () => {
  it('accepts the three message types and rejects anything else', () => {
    assert.equal(parseLiveMessage('{"type":"reading","meter":"m","at":"2026-01-01T00:00:00Z","values":{"1-0:32.7.0":230}}')?.type,
      'reading');
    assert.equal(parseLiveMessage('{"type":"meter","meter":"m","online":false,"state":"revoked","lastSeen":null}')?.type, 'meter');
    assert.equal(parseLiveMessage('{"type":"alarm","alarm":{"id":"a1"}}')?.type, 'alarm');
    for (const bad of ['nope', '1', 'null', '{"type":"reading","meter":7}', '{"type":"other"}', '{"type":"alarm","alarm":{}}']) {
      assert.equal(parseLiveMessage(bad), undefined, bad);
    }
    assert.equal(parseLiveMessage(new ArrayBuffer(2)), undefined);
  });
});

describe('LiveFeed', () => {
  it('sends the subscription when the socket opens and passes messages on', () => {
    const h = harness();
    h.feed.subscribe(['m-1']);
    h.feed.start();
    h.sockets[0]!.open();
    assert.deepEqual(h.sockets[0]!.sent, ['{"type":"subscribe","meters":["m-1"]}']);
    h.sockets[0]!.receive('{"type":"meter","meter":"m-1","online":true,"state":"active","lastSeen":null}');
    h.sockets[0]!.receive('garbage');
    assert.deepEqual(h.messages.map((m) => m.type), ['meter']);
    assert.deepEqual(h.status, [true]);
  });
  it('reconnects with a doubling, capped delay and re-subscribes', () => {
    const h = harness();
    h.feed.start();
    for (let k = 0; k < 7; k += 1) {
      h.sockets.at(-1)!.drop();
      h.pending.shift()!();
    }
    assert.deepEqual(h.delays, [500, 1000, 2000, 4000, 8000, 15_000, 15_000]);
    h.feed.subscribe(['m-2']);
    h.sockets.at(-1)!.open();
    assert.deepEqual(h.sockets.at(-1)!.sent, ['{"type":"subscribe","meters":["m-2"]}']);
    h.sockets.at(-1)!.drop();
    assert.equal(h.delays.at(-1), 500, 'a successful open resets the delay');
  });
  it('does not reconnect when the server ends the feed because the session ended, and says why', () => {
    const h = harness();
    h.feed.start();
    h.sockets[0]!.open();
    h.sockets[0]!.drop(4401, 'the session expired');
    assert.deepEqual(h.ended, ['the session expired']);
    assert.deepEqual(h.delays, [], 'no reconnect with a cookie the server refuses');
    assert.deepEqual(h.status, [true, false]);
    // Signing in again starts the feed again.
    h.feed.start();
    assert.equal(h.sockets.length, 2);
  });
  it('stops for good on stop', () => {
    const h = harness();
    h.feed.start();
    h.feed.stop();
    assert.equal(h.sockets[0]!.closed, true);
    h.sockets[0]!.drop();
    assert.deepEqual(h.delays, []);
  });
});
