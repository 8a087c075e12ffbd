// One commit per kind of change to the example shop, each with what `meshc plan` must report for it
// against the commit before: the services listed, one change per listed kind, and the exact risk flags.
import { readFileSync } from 'node:fs';
import type { ChangeKind } from '../../compiler/diff/types.js';
import type { Step } from './plan-repo.js';

export interface Expectation {
  /** Services listed (changed, added, removed), sorted; every other service is only counted. */
  readonly listed: readonly string[];
  readonly added?: readonly string[];
  readonly removed?: readonly string[];
  /** Changes that must appear: service, kind and the exact sentence. */
  readonly changes: readonly { service: string; kind: ChangeKind; text: string }[];
  /** Every risk flag raised, as `kind@service`, sorted. */
  readonly risks: readonly string[];
}

export const SERVICES = 6;

/** A second CA root, not the shop's. */
const OTHER_ROOT = readFileSync(new URL('../validate/fixtures/rsa-root.pem', import.meta.url), 'utf8');

export const STEPS: readonly (Step & { expect: Expectation })[] = [
  {
    tag: 'weights',
    edits: {
      'services/reviews.yaml': [
        ['{ version: v1, weight: 90 }', '{ version: v1, weight: 75 }'],
        ['{ version: v2, weight: 10 }', '{ version: v2, weight: 25 }'],
      ],
    },
    expect: {
      listed: ['productpage'],
      changes: [
        { service: 'productpage', kind: 'route-backends', text: 'route canary: v1 90% → 75%, v2 10% → 25%' },
      ],
      risks: [],
    },
  },
  {
    tag: 'timeout',
    edits: { 'services/reviews.yaml': [['      timeout: 2s', '      timeout: 5s']] },
    expect: {
      listed: ['productpage'],
      changes: [
        { service: 'productpage', kind: 'route-timeout', text: 'route canary: timeout 2s → 5s (raised)' },
      ],
      risks: [],
    },
  },
  {
    tag: 'retries',
    edits: {
      'services/ratings.yaml': [
        ['    attempts: 1\n    perTryTimeout: 1s', '    attempts: 3\n    perTryTimeout: 500ms'],
      ],
    },
    expect: {
      listed: ['reviews'],
      changes: [
        { service: 'reviews', kind: 'route-retries', text: 'route default: retries 1 → 3 (raised)' },
        {
          service: 'reviews',
          kind: 'route-retries',
          text: 'route default: retries.perTryTimeoutMs 1s → 500ms (lowered)',
        },
      ],
      risks: ['retry-storm@reviews'],
    },
  },
  {
    tag: 'authz-widened',
    edits: { 'services/details.yaml': [['from: [productpage]', 'from: [productpage, gateway]']] },
    expect: {
      listed: ['details'],
      changes: [
        {
          service: 'details',
          kind: 'authz-widened',
          text: 'authorization now admits new caller gateway: GET /details/*, HEAD /details/*',
        },
      ],
      risks: ['authz-widened@details'],
    },
  },
  {
    tag: 'authz-narrowed',
    edits: {
      'services/reviews.yaml': [
        ["      - from: ['*']\n        methods: [GET]\n        paths: [/healthz]\n", ''],
      ],
    },
    expect: {
      listed: ['reviews'],
      changes: [
        {
          service: 'reviews',
          kind: 'authz-narrowed',
          text: 'authorization no longer admits any mesh identity: GET /healthz',
        },
      ],
      risks: [],
    },
  },
  {
    tag: 'endpoints',
    edits: {
      'services/details.yaml': [
        ["endpoints: ['dns:localhost:18006']", "endpoints: ['dns:localhost:18006', '127.0.0.1:18007']"],
      ],
    },
    expect: {
      listed: ['productpage'],
      changes: [
        { service: 'productpage', kind: 'endpoints', text: 'version default endpoints: + 127.0.0.1:18007' },
      ],
      risks: [],
    },
  },
  {
    tag: 'dependency',
    edits: { 'services/details.yaml': [['  port: 9081\n', '  port: 9081\n  calls: [ratings]\n']] },
    expect: {
      listed: ['details'],
      changes: [
        {
          service: 'details',
          kind: 'dependency-added',
          text: 'now calls ratings (2 routes, versions v1, v2)',
        },
      ],
      // details waits up to 3s for ratings, productpage only 2s for details.
      risks: ['dependency-not-admitted@details', 'timeout-exceeds-caller@details'],
    },
  },
  {
    tag: 'timeout-caller',
    edits: { 'services/ratings.yaml': [['  timeout: 3s', '  timeout: 12s']] },
    expect: {
      listed: ['details', 'reviews'],
      changes: [
        { service: 'reviews', kind: 'route-timeout', text: 'route default: timeout 3s → 12s (raised)' },
      ],
      risks: ['timeout-exceeds-caller@details', 'timeout-exceeds-caller@reviews'],
    },
  },
  {
    tag: 'default-allow',
    edits: {
      'services/ratings.yaml': [
        [
          "    default: deny\n    allow:\n      - from: [reviews]\n        methods: [GET]\n        paths: ['/ratings/*']\n",
          '    default: allow\n',
        ],
      ],
    },
    expect: {
      // mysql shares ratings.yaml: its lines moved, so its bundle's provenance changed too.
      listed: ['mysql', 'ratings'],
      changes: [
        {
          service: 'mysql',
          kind: 'provenance',
          text: 'only provenance (spec file:line) changed; the proxy behaves the same',
        },
        {
          service: 'ratings',
          kind: 'authz-default',
          text: 'authorization default deny → allow: every request is now admitted',
        },
      ],
      risks: ['authz-widened@ratings'],
    },
  },
  {
    // A request limit on a tcp service: its callers' bundles carry it, but a tcp hop never applies it
    // (runtime/tcp/tcp-outbound.ts). It was reported as "circuitBreaker.maxRequests 1024 → 16".
    tag: 'tcp-unused',
    edits: {
      'services/ratings.yaml': [
        [
          '  connectTimeout: 1s\n  authorization:',
          '  connectTimeout: 1s\n  circuitBreaker: { maxRequests: 16 }\n  authorization:',
        ],
      ],
    },
    expect: {
      listed: ['mysql', 'ratings'],
      changes: [
        {
          service: 'mysql',
          kind: 'provenance',
          text: 'only provenance (spec file:line) changed; the proxy behaves the same',
        },
        {
          service: 'ratings',
          kind: 'provenance',
          text: 'the bundle changed, but nothing the proxy does with requests (an order, a name, or settings it does not use)',
        },
      ],
      risks: [],
    },
  },
  {
    // Methods are a set: another order changes the bundle's bytes, not what is admitted. It was
    // labelled "only provenance (spec file:line) changed", though no file:line moved.
    tag: 'order-only',
    edits: { 'services/details.yaml': [['methods: [GET, HEAD]', 'methods: [HEAD, GET]']] },
    expect: {
      listed: ['details'],
      changes: [
        {
          service: 'details',
          kind: 'provenance',
          text: 'the bundle changed, but nothing the proxy does with requests (an order, a name, or settings it does not use)',
        },
      ],
      risks: [],
    },
  },
  {
    // With no retry, when to retry changes nothing; it was listed ("retries.idempotentOnly true → false").
    tag: 'no-retry-settings',
    edits: {
      'services/productpage.yaml': [
        ['retries: { attempts: 0 }', 'retries: { attempts: 0, idempotentOnly: false }'],
      ],
    },
    expect: {
      listed: ['gateway'],
      changes: [
        {
          service: 'gateway',
          kind: 'provenance',
          text: 'the bundle changed, but nothing the proxy does with requests (an order, a name, or settings it does not use)',
        },
      ],
      risks: [],
    },
  },
  {
    tag: 'routes',
    edits: {
      'services/reviews.yaml': [
        [
          '    - name: testers\n      match:\n        headers:\n          end-user: { exact: jason }\n      backends: [{ version: v2 }]\n',
          '',
        ],
        [
          '    - name: preview\n      match:\n        headers:\n          x-preview: { present: true }\n          x-api-version: { regex: "^3(\\\\.[0-9]+)?$" }\n        query:\n          lang: { prefix: en }\n      backends: [{ version: v3, weight: 100 }]\n',
          '',
        ],
        [
          '    - name: default\n',
          '    - name: testers\n      match:\n        headers:\n          end-user: { exact: jason }\n      backends: [{ version: v2 }]\n    - name: beta\n      match:\n        headers:\n          x-beta: { exact: "on" }\n      backends: [{ version: v3 }]\n    - name: default\n',
        ],
      ],
    },
    expect: {
      // reviews' own authorization rules moved down the file: provenance only.
      listed: ['productpage', 'reviews'],
      changes: [
        {
          service: 'productpage',
          kind: 'route-added',
          text: 'route beta added at position 3: header x-beta = on → v3 100%',
        },
        {
          service: 'productpage',
          kind: 'route-removed',
          text: 'route preview removed (was header x-api-version ~ ^3(\\.[0-9]+)?$, header x-preview present, query lang ^= en → v3 100%)',
        },
        {
          service: 'productpage',
          kind: 'route-moved',
          text: 'route testers moved from position 1 to 2 (first match wins)',
        },
      ],
      risks: [],
    },
  },
  {
    tag: 'services',
    edits: {
      'services/search.yaml': {
        write:
          'apiVersion: meshc/v1\nkind: Service\nmetadata: { name: search }\nspec:\n  port: 9090\n  endpoints: ["127.0.0.1:24006"]\n',
      },
      'services/ratings.yaml': [['  calls: [mysql]\n', '']],
    },
    // mysql is the second document of ratings.yaml: cut it off.
    then: { 'services/ratings.yaml': { cutFrom: '---\n' } },
    expect: {
      // ratings' routes moved up a line, so its callers' bundles cite new lines.
      listed: ['details', 'mysql', 'ratings', 'reviews', 'search'],
      added: ['search'],
      removed: ['mysql'],
      changes: [{ service: 'ratings', kind: 'dependency-removed', text: 'no longer calls mysql' }],
      risks: [],
    },
  },
  {
    tag: 'mtls',
    edits: { 'mesh.yaml': [['  mtls: strict', '  mtls: permissive']] },
    expect: {
      listed: ['details', 'gateway', 'productpage', 'ratings', 'search'],
      changes: [
        { service: 'details', kind: 'mtls', text: 'mTLS strict → permissive (plaintext callers accepted)' },
      ],
      risks: [
        'mtls-permissive@details',
        'mtls-permissive@gateway',
        'mtls-permissive@productpage',
        'mtls-permissive@ratings',
        'mtls-permissive@search',
      ],
    },
  },
  {
    tag: 'trust-root',
    edits: {
      'pki/other-root.pem': { write: OTHER_ROOT },
      'mesh.yaml': [['roots: [pki/root.pem]', 'roots:\n      - pki/root.pem\n      - pki/other-root.pem']],
    },
    expect: {
      listed: ['details', 'gateway', 'productpage', 'ratings', 'reviews', 'search'],
      changes: [{ service: 'details', kind: 'mesh', text: 'trust roots: 1 added, 0 removed (1 → 2)' }],
      risks: ['trust-root-added@details'],
    },
  },
  {
    // Renaming the trust domain changes every id, not who is admitted: it was reported as every
    // caller admitted anew (authz-widened) and refused by its old id. Its real risk is the certificates.
    tag: 'trust-domain',
    edits: { 'mesh.yaml': [['trustDomain: shop.local', 'trustDomain: shop.example']] },
    expect: {
      listed: ['details', 'gateway', 'productpage', 'ratings', 'reviews', 'search'],
      changes: [{ service: 'details', kind: 'mesh', text: 'identity.trustDomain shop.local → shop.example' }],
      risks: ['trust-domain-changed@details'],
    },
  },
];
