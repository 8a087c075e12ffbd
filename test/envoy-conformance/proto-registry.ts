// Loads the Envoy v3 API protos that @grpc/grpc-js-xds ships (envoy-api, xds, googleapis,
// protoc-gen-validate) into one protobufjs Root, once per process: parsing them takes a few hundred
// milliseconds, checking a config against the loaded types takes well under one.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';
import protobuf from 'protobufjs';
import type { Root, Type } from 'protobufjs';

/**
 * Entry files: the bootstrap and every extension an emitted config may name in a `typed_config`.
 * An `@type` resolves only to a message these files (or their imports) define, so an extension
 * missing from this list fails the check: add its proto here when the emitter starts using it.
 */
export const ENTRY_PROTOS: readonly string[] = [
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/network/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/retry/host/previous_hosts/v3/previous_hosts.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/access_loggers/stream/v3/stream.proto',
  'envoy/extensions/access_loggers/file/v3/file.proto',
  'envoy/config/trace/v3/opentelemetry.proto',
];

/** The include path, in lookup order; protobufjs's own copy of descriptor.proto comes last. */
function includeDirs(): string[] {
  const require = createRequire(import.meta.url);
  const xds = dirname(require.resolve('@grpc/grpc-js-xds/package.json'));
  const deps = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => join(xds, 'deps', d));
  return [...deps, dirname(require.resolve('protobufjs/package.json'))];
}

let cached: Root | undefined;

/** The loaded, resolved Root (field names kept in proto case: `connect_timeout`). */
export function loadEnvoyProtos(): Root {
  if (cached) return cached;
  const dirs = includeDirs();
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    if (isAbsolute(target)) return target;
    for (const dir of dirs) {
      const candidate = join(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    return target;
  };
  root.loadSync([...ENTRY_PROTOS], { keepCase: true });
  root.resolveAll();
  cached = root;
  return root;
}

const byUrl = new Map<string, Type | undefined>();

/**
 * The message type a `type.googleapis.com/<full.name>` URL names, or undefined. Only that prefix:
 * the JSON parser Envoy uses resolves Any types with it and rejects others.
 */
export function lookupTypeUrl(root: Root, typeUrl: string): Type | undefined {
  if (byUrl.has(typeUrl)) return byUrl.get(typeUrl);
  const prefix = 'type.googleapis.com/';
  const type = typeUrl.startsWith(prefix) ? lookupMessage(root, typeUrl.slice(prefix.length)) : undefined;
  byUrl.set(typeUrl, type);
  return type;
}

const names = new WeakMap<Type, string>();

/** `envoy.config.cluster.v3.Cluster`, without the leading dot; cached (protobufjs recomputes it). */
export function typeName(type: Type): string {
  let name = names.get(type);
  if (name === undefined) {
    name = type.fullName.slice(1);
    names.set(type, name);
  }
  return name;
}

export function lookupMessage(root: Root, fullName: string): Type | undefined {
  if (fullName === '' || fullName.startsWith('.')) return undefined;
  const found = root.lookup(fullName);
  return found instanceof protobuf.Type ? found : undefined;
}
