// The reusable Envoy conformance check: a bootstrap YAML parsed, then checked strictly against
// the Envoy v3 API protos (proto3 JSON mapping + protoc-gen-validate rules) and for the
// cross-resource rules Envoy enforces at load time. Usable from any test: no I/O but the protos.
import jsyaml from 'js-yaml';
import { MessageChecker } from './check-message.js';
import { CrossRefs } from './cross-refs.js';
import { loadEnvoyProtos, lookupMessage } from './proto-registry.js';

export interface EnvoyCheckResult {
  /** One line per problem, `<field path>: <what is wrong>`; empty when the config conforms. */
  readonly errors: string[];
}

const BOOTSTRAP = 'envoy.config.bootstrap.v3.Bootstrap';

/**
 * Parses a bootstrap YAML and checks it; YAML syntax errors and duplicate keys are errors too.
 * js-yaml (YAML 1.2 core schema, as Envoy reads scalars) rather than `yaml`, which the emitter
 * writes with: an independent parser, and ten times faster, which a 1,000-config test needs.
 */
export function checkEnvoyBootstrap(yamlText: string): EnvoyCheckResult {
  let value: unknown;
  try {
    value = jsyaml.load(yamlText, { schema: jsyaml.CORE_SCHEMA });
  } catch (err) {
    return { errors: [`<yaml>: ${(err as Error).message.split('\n')[0]}`] };
  }
  return checkEnvoyMessage(value, BOOTSTRAP);
}

/** Checks an already parsed JSON value as the named message (default: the bootstrap). */
export function checkEnvoyMessage(value: unknown, typeName: string = BOOTSTRAP): EnvoyCheckResult {
  const root = loadEnvoyProtos();
  const type = lookupMessage(root, typeName);
  if (!type) return { errors: [`<root>: unknown message type ${typeName}`] };
  const errors: string[] = [];
  const refs = new CrossRefs(errors);
  new MessageChecker(root, errors, refs.visit).checkMessage(value, type, '');
  // References and names are bootstrap-wide: a lone message cannot know the clusters defined.
  if (typeName === BOOTSTRAP) refs.finish();
  return { errors };
}
