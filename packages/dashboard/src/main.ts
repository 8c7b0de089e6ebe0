// Browser entry: wires fetch and WebSocket to the app. Everything else is in modules Node can load.
import { html, render } from 'htm/preact';
import { ApiClient } from './api/client.ts';
import { LiveFeed } from './api/live.ts';
import { LiveBus } from './live-bus.ts';
import { App } from './views/app.ts';

const api = new ApiClient((input, init) => fetch(input, init));
const bus = new LiveBus();
const liveUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/live`;
const feed = new LiveFeed({
  connect: () => new WebSocket(liveUrl),
  onMessage: (message) => { bus.emit(message); },
  onStatus: (connected) => { bus.setStatus(connected); },
  onEnded: (reason) => { bus.sessionEnded(reason); },
  schedule: (fn, ms) => {
    const timer = setTimeout(fn, ms);
    return () => { clearTimeout(timer); };
  },
});

const root = document.getElementById('app');
if (root !== null) render(html`<${App} api=${api} bus=${bus} feed=${feed} />`, root);
