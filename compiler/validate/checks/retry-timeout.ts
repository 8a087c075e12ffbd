// `timeout` bounds the whole request, retries included. When perTryTimeout × (attempts + 1) exceeds
// it, the later tries can never run to their own timeout: the retry policy promises more than the
// timeout lets it do (MC3015, a warning). Values are the effective ones (route > service > mesh
// defaults > built-in); a service is only warned about values it sets itself, and values that come
// from the mesh defaults alone are reported once, at the mesh.
import type { Diagnostic, RelatedLocation, SourceLocation } from '../../diagnostics.js';
import { formatDuration as formatMs } from '../../duration.js';
import type { SpecDocument } from '../../load/types.js';
import type { Check, ServiceCheck } from '../check-context.js';
import { type EffectiveRetryTiming, effectiveRetryTiming, locateSourced } from '../effective.js';
import { makeDiagnostic, relatedAt } from '../report.js';
import { IDEMPOTENT_METHODS } from '../../../schema/idempotent-methods.js';

/** The mesh defaults on their own. */
export const checkMeshRetryTimeout: Check = (ctx) => {
  const mesh = ctx.mesh;
  if (mesh) report(ctx, effectiveRetryTiming(mesh), 'mesh defaults', ['mesh defaults'], mesh.source, '/spec');
};

/** Each service's own values (a service check: see checks/index.ts). */
export const checkRetryTimeout: ServiceCheck = (ctx) => {
  const mesh = ctx.mesh;
  // No valid Mesh document (an error is reported): its defaults are unknown, and a warning resting
  // on built-in ones in their place could be about retries the mesh turns off.
  if (!mesh) return;
  for (const svc of ctx.services) {
    if (svc.doc.spec.protocol === 'tcp') continue; // no requests, so no retries
    const name = svc.doc.metadata.name;
    const routes = svc.doc.spec.routes ?? [];
    if (routes.length === 0) {
      report(ctx, effectiveRetryTiming(mesh, svc), `service \`${name}\``, OWN_LEVELS, svc.source, '/spec');
    }
    // One cause, several routes: values set once on the service give every route that inherits them
    // the same warning at the same place (three GitHub annotations on one line); said once, naming them.
    const found: { route: string; diagnostic: Diagnostic }[] = [];
    routes.forEach((route, r) => {
      const t = effectiveRetryTiming(mesh, svc, r);
      // A route only for methods never retried (POST with idempotentOnly) has no retries to outlast.
      const method = route.match?.method;
      if (t.idempotentOnly.value && method !== undefined && !IDEMPOTENT_METHODS.has(method)) return;
      const sink = { add: (diagnostic: Diagnostic) => found.push({ route: route.name, diagnostic }) };
      report(sink, t, routeWhat(route.name, name), OWN_LEVELS, svc.source, `/spec/routes/${r}`);
    });
    const groups = new Map<string, { routes: string[]; diagnostic: Diagnostic }>();
    for (const { route, diagnostic: d } of found) {
      const cause = d.message.slice(routeWhat(route, name).length);
      const key = `${d.file}:${d.line}:${d.col}${cause}`;
      const group = groups.get(key);
      if (group) group.routes.push(route);
      else groups.set(key, { routes: [route], diagnostic: d });
    }
    for (const { routes: names, diagnostic: d } of groups.values()) {
      if (names.length === 1) ctx.add(d);
      else {
        const list = names.map((n) => `\`${n}\``);
        const what = `routes ${list.slice(0, -1).join(', ')} and ${list.at(-1)} of \`${name}\``;
        ctx.add({ ...d, message: what + d.message.slice(routeWhat(names[0]!, name).length) });
      }
    }
  }
};

function routeWhat(route: string, service: string): string {
  return `route \`${route}\` of \`${service}\``;
}

const OWN_LEVELS = ['route', 'service'];

function report(
  ctx: { add(diagnostic: Diagnostic): void },
  t: EffectiveRetryTiming,
  what: string,
  ownLevels: readonly string[],
  source: SpecDocument,
  pointer: string,
): void {
  const attempts = t.attempts.value;
  const total = t.perTryTimeoutMs.value * (attempts + 1);
  // A timeout of 0 is none (the proxy and Envoy both read it so): nothing for retries to outlast.
  // No condition in `retries.on` (`on: []`): nothing is ever retried.
  if (attempts === 0 || t.on.value.length === 0 || t.timeoutMs.value === 0 || total <= t.timeoutMs.value)
    return;
  // Only values set at this level make it this place's problem; inherited ones are reported where set.
  const own = [t.perTryTimeoutMs, t.attempts, t.timeoutMs].filter((v) => ownLevels.includes(v.level));
  if (own.length === 0) return;
  const at = locateSourced(own[0]!) ?? source.locate(pointer);
  const perTry = Math.floor(t.timeoutMs.value / (attempts + 1));
  ctx.add(
    makeDiagnostic(
      'MC3015',
      at,
      `${what}: retries may take up to ${formatMs(total)} (perTryTimeout ${formatMs(t.perTryTimeoutMs.value)} × ` +
        `(attempts ${attempts} + 1)), beyond the timeout of ${formatMs(t.timeoutMs.value)}`,
      {
        // Under 1ms a try has no time at all, and 0ms would mean no per-try timeout (MC2005).
        hint:
          perTry >= 1
            ? `lower retries.perTryTimeout to ${formatMs(perTry)} or less, lower retries.attempts, or raise timeout`
            : `lower retries.attempts, or raise timeout: ${formatMs(t.timeoutMs.value)} leaves no time for ${attempts + 1} tries`,
        related: relatedValues(t, at),
      },
    ),
  );
}

function relatedValues(t: EffectiveRetryTiming, primary: SourceLocation): RelatedLocation[] {
  const named = [
    ['timeout', t.timeoutMs],
    ['retries.perTryTimeout', t.perTryTimeoutMs],
    ['retries.attempts', t.attempts],
  ] as const;
  const out: RelatedLocation[] = [];
  for (const [name, v] of named) {
    const at = locateSourced(v);
    if (!at || (at.file === primary.file && at.line === primary.line && at.col === primary.col)) continue;
    out.push(relatedAt(at, `${name} set here (${v.level})`));
  }
  return out;
}
