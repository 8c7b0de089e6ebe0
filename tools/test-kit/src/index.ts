// Test support shared by every package's tests (development only, like tools/bench).
export { killAllPeers, startPeer, trackChild, type Peer, type PeerOptions, type Readiness } from './peer.ts';
export { freePort, waitForPort } from './ports.ts';
