// undici's Agent, loaded on its own. The package's index pulls in fetch, WebSocket, caches and mocks
// (~10 MB of resident memory in a sidecar that uses none of them), so the proxy requires the one
// dispatcher module it needs; the version is pinned exactly in package.json, which keeps this path
// stable. undici parses HTTP with llhttp compiled to WebAssembly: V8's optimising tier for it costs
// ~20 MB of peak RSS under load, while the baseline tier (Liftoff) parses short heads just as well
// for a proxy's purposes (bench/proxy), so the sidecar keeps WebAssembly on Liftoff.
import { createRequire } from 'node:module';
import v8 from 'node:v8';
import type { Agent as UndiciAgent } from 'undici';

v8.setFlagsFromString('--liftoff-only');

const require = createRequire(import.meta.url);

export const Agent = require('undici/lib/dispatcher/agent.js') as typeof UndiciAgent;
export type Agent = UndiciAgent;
