// Validation entry point: each document against its kind's JSON Schema (ajv, compiled once) and the
// checks of its own values (DOCUMENT_CHECKS), then the other semantic checks of checks/ over the
// documents that passed the schema. Pure: documents and assets in, diagnostics (and the typed spec
// when there is no error) out.
import { hash } from 'node:crypto';
import type { MeshDocument, ServiceDocument } from '../../schema/mesh.types.generated.js';
import type { ValidationMemo } from '../load/parse-cache.js';
import { type Diagnostic, hasErrors, sortDiagnostics } from '../diagnostics.js';
import { lazyProperties } from '../lazy-property.js';
import { type DocumentOutline, outlineOf, type ServiceOutline } from '../load/outline.js';
import type { SpecDocument } from '../load/types.js';
import type { CheckContext, ServiceCheckContext } from './check-context.js';
import { DOCUMENT_CHECKS, MESH_CHECKS, RELATION_CHECKS, SERVICE_CHECKS } from './checks/index.js';
import { regexRulesText } from './regex-safety.js';
import { makeDiagnostic } from './report.js';
import { validateAgainstSchema } from './schema.js';
import { translateSchemaErrors } from './schema-errors.js';
import type { Located, LocatedService, ValidateInput, ValidateResult } from './types.js';

const API_VERSION = 'meshc/v1';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates a loaded spec: schema and document checks first, then every other registered check. */
export function validateSpec(input: ValidateInput): ValidateResult {
  const diagnostics: Diagnostic[] = [];
  const meshDocuments: SpecDocument[] = [];
  const meshes: Located<MeshDocument>[] = [];
  /** Schema-valid services, each document decoded only if something reads it. */
  const services: LocatedService[] = [];
  const declaredServiceNames = new Set<string>();
  let serviceCount = 0;
  let routeCount = 0;
  const add = (d: Diagnostic) => diagnostics.push(d);
  const memo = input.validationMemo;
  // The schema's own digest is in the memo's stamp; the document checks' code is named here.
  const schemaPrefix = memo && `schema/${checksDigest(DOCUMENT_CHECKS)} `;

  for (const source of input.documents) {
    // Keyed only with a memo: a document's digest hashes its file when no cache did.
    const schemaKey = schemaPrefix && `${schemaPrefix}${documentKey(source)}`;
    const known = source.outline;
    // A service known to pass the schema is read through its outline: the rest of a cached
    // document is never decoded (outline.ts).
    if (known && memo?.has(schemaKey!)) {
      serviceCount++;
      routeCount += known.routes;
      declaredServiceNames.add(known.name);
      services.push(locatedService(source, known));
      continue;
    }
    const value = source.value;
    // Empty documents (a trailing `---`) say nothing. Non-mappings and foreign apiVersion or kind
    // are the loader's to report (MC1008-MC1010): they are not meshc documents to validate.
    if (value === null || value === undefined || !isRecord(value)) continue;
    if (value.apiVersion !== undefined && value.apiVersion !== API_VERSION) continue;
    const kind = value.kind;
    if (kind === undefined) {
      diagnostics.push(
        makeDiagnostic('MC2002', source.locate(''), 'missing required field `kind` in the document', {
          hint: 'add `kind: Mesh` or `kind: Service`',
        }),
      );
      continue;
    }
    if (kind !== 'Mesh' && kind !== 'Service') continue;
    if (kind === 'Mesh') meshDocuments.push(source);
    else {
      serviceCount++;
      const spec = value.spec;
      if (isRecord(spec) && Array.isArray(spec.routes)) routeCount += spec.routes.length;
      const name = isRecord(value.metadata) ? value.metadata.name : undefined;
      if (typeof name === 'string') declaredServiceNames.add(name);
    }
    if (!memo?.has(schemaKey!)) {
      const errors = validateAgainstSchema(kind, value);
      if (errors.length > 0) diagnostics.push(...translateSchemaErrors(errors, source));
      // Whatever the schema found: a value's range does not hang on the rest of its document.
      const reported = diagnostics.length;
      for (const check of DOCUMENT_CHECKS) check({ kind, value, source, add });
      if (errors.length > 0) continue;
      // A document with a value out of range has the right shape: the other checks still read it.
      if (diagnostics.length === reported) memo?.add(schemaKey!);
    }
    if (kind === 'Mesh') meshes.push({ doc: value as unknown as MeshDocument, source });
    else services.push(locatedService(source, (known ?? outlineOf(value))!));
  }

  // The services as the checks comparing them see them: outlines only, whose own fields are decoded
  // only if those checks run.
  const outlines: Located<ServiceOutline>[] = services.map(({ source, outline }) => {
    const located = { source } as Located<ServiceOutline>;
    defineOutlineDoc(located, outline, 'doc');
    return located;
  });
  const serviceByName = new Map<string, Located<ServiceOutline>>();
  // By the names outlines carry: reading an outline's fields would decode them.
  services.forEach(({ outline }, i) => {
    if (!serviceByName.has(outline.name)) serviceByName.set(outline.name, outlines[i]!);
  });
  const ctx: CheckContext = {
    mesh: meshes[0],
    meshDocuments,
    services: outlines,
    serviceByName,
    declaredServiceNames,
    unloadedFiles: input.unloadedFiles ?? [],
    assets: input.assets,
    unreadableAssets: input.unreadableAssets ?? new Map(),
    now: input.now,
    add,
  };
  for (const check of MESH_CHECKS) check(ctx);
  runRelationChecks(ctx, services, services.length === serviceCount ? memo : undefined);
  runServiceChecks(ctx, services, memo);

  const sorted = sortDiagnostics(diagnostics);
  const summary = { services: serviceCount, routes: routeCount };
  const mesh = meshes[0];
  if (hasErrors(sorted) || !mesh) return { diagnostics: sorted, summary };
  const byName = [...services].sort((a, b) =>
    a.outline.name < b.outline.name ? -1 : a.outline.name > b.outline.name ? 1 : 0,
  );
  return {
    diagnostics: sorted,
    summary,
    spec: { mesh, services: byName, assets: input.assets },
  };
}

/** A schema-valid service whose document is decoded when first read (a compile reads those it emits). */
function locatedService(source: SpecDocument, outline: DocumentOutline): LocatedService {
  const service = { source, outline } as LocatedService;
  defineServiceDoc(service, source, 'doc');
  return service;
}

// Read through, by getters shared by every service (lazy-property.ts: not object literals' getters).
const defineServiceDoc = lazyProperties({ doc: (source: SpecDocument) => source.value as ServiceDocument });
const defineOutlineDoc = lazyProperties({ doc: (outline: DocumentOutline) => outline.service });

/**
 * RELATION_CHECKS over every service. With a memo, a run they found nothing in is remembered by what
 * they read, the mesh document and each service's outline (its digest), and skipped while none of
 * those changed: an edit inside a service's routes or policies changes no outline. Only with every
 * Service document schema-valid (the caller passes no memo otherwise), as names of invalid ones are
 * in the context too.
 */
function runRelationChecks(
  ctx: CheckContext,
  services: readonly LocatedService[],
  memo: ValidationMemo | undefined,
): void {
  rememberClean(memo, memo && relationsKey(ctx, services), ctx.add, (add) => {
    const watched: CheckContext = { ...ctx, add };
    for (const check of RELATION_CHECKS) check(watched);
  });
}

function relationsKey(ctx: CheckContext, services: readonly LocatedService[]): string {
  const outlines = hash('sha256', services.map((s) => s.outline.digest).join(' '), 'hex');
  return `relations/${checksDigest(RELATION_CHECKS)} mesh ${meshKey(ctx)} outlines ${outlines}`;
}

/**
 * SERVICE_CHECKS, one service at a time, in service order. With a memo, a service they found nothing
 * in is remembered by its document and the mesh document (and the checks' own code), and skipped
 * while none of those changed: only what changed is checked again.
 */
function runServiceChecks(
  ctx: CheckContext,
  services: readonly Located<ServiceDocument>[],
  memo: ValidationMemo | undefined,
): void {
  const prefix = memo && `checks/${checksDigest(SERVICE_CHECKS)} mesh ${meshKey(ctx)} service `;
  for (const svc of services) {
    rememberClean(memo, prefix && `${prefix}${documentKey(svc.source)}`, ctx.add, (add) => {
      const one: ServiceCheckContext = {
        mesh: ctx.mesh,
        services: [svc],
        assets: ctx.assets,
        now: ctx.now,
        add,
      };
      for (const check of SERVICE_CHECKS) check(one);
    });
  }
}

/**
 * Runs checks unless `memo` holds `key`, handing them an `add` that reports through `report`; a run
 * that reported nothing is remembered under `key`.
 */
function rememberClean(
  memo: ValidationMemo | undefined,
  key: string | undefined,
  report: (d: Diagnostic) => void,
  run: (add: (d: Diagnostic) => void) => void,
): void {
  if (memo?.has(key!)) return;
  let clean = true;
  run((d) => {
    clean = false;
    report(d);
  });
  if (clean) memo?.add(key!);
}

/** The mesh document's key, or 'none' when the spec has none. */
function meshKey(ctx: CheckContext): string {
  return ctx.mesh ? documentKey(ctx.mesh.source) : 'none';
}

/** A document by its exact input: its file's content hash and its index in the file. */
function documentKey(source: SpecDocument): string {
  return `${source.digest()}#${source.index}`;
}

const digests = new Map<readonly unknown[], string>();

/**
 * The checks' own source text: a meshc whose checks changed (even at the same version, in
 * development) does not trust what older checks found. Helpers they call are covered by meshc's
 * version in the memo's stamp, but for the regex rules, which are named here too.
 */
function checksDigest(checks: readonly ((...args: never[]) => void)[]): string {
  let digest = digests.get(checks);
  if (digest === undefined) {
    // The regex rules are a helper whose verdicts the memo keeps: named too (regex-safety.ts).
    digest = hash('sha256', [...checks.map(String), regexRulesText()].join('\n'), 'hex').slice(0, 16);
    digests.set(checks, digest);
  }
  return digest;
}
