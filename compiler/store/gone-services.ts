// Services a store still holds but the spec no longer declares (decision 0062). The compile that
// writes a target removes the files that target writes for them; their native files stay (old
// bundles for rollback, the manifest for a proxy still running). Found from the previous compile's
// index.json and from services/, where every service ever compiled into the store has a directory.
import { readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { storePaths } from '../../schema/store-format.js';

export interface GoneService {
  readonly service: string;
  /** Named by the previous compile's index.json: this compile takes it out. */
  readonly listed: boolean;
}

/** What a compile did about one gone service, for its summary. */
export interface GoneReport extends GoneService {
  /** Files this compile's targets write for a service, removed now. */
  readonly removed: readonly string[];
  /** Other files in the directories of those files, left (an earlier template's output). */
  readonly left: readonly string[];
}

/** A service name, as the schema's DnsLabel has it: a gone name becomes part of paths to remove. */
const SERVICE_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The services of the store at `outDir` that are not in `live`, by name. */
export function findGoneServices(outDir: string, live: ReadonlySet<string>): GoneService[] {
  const listed = new Set(indexedServices(outDir));
  const names = new Set([...listed, ...serviceDirs(outDir)]);
  return [...names]
    .filter((name) => !live.has(name) && SERVICE_NAME.test(name))
    .sort()
    .map((service) => ({ service, listed: listed.has(service) }));
}

/**
 * After the store is committed: removes the directories of a gone service's target files that are
 * left empty, and lists the files still in them. Best effort: nothing in the store needs an empty
 * directory gone.
 */
export function tidyGoneDirs(outDir: string, paths: readonly string[]): string[] {
  const left: string[] = [];
  for (const dir of new Set(paths.map((path) => dirname(path)))) {
    const rest = listFiles(join(outDir, dir)).filter((name) => !name.startsWith('.'));
    if (rest.length > 0) left.push(...rest.map((name) => `${dir}/${name}`));
    else
      try {
        rmdirSync(join(outDir, dir));
      } catch {
        // Absent, or holding a dot file this compile does not own: left as it is.
      }
  }
  return left.sort();
}

/** The services index.json names; none when it is missing or unreadable (nothing to take out). */
function indexedServices(outDir: string): string[] {
  try {
    const index = JSON.parse(readFileSync(join(outDir, storePaths.index), 'utf8')) as unknown;
    const services = (index as { services?: unknown } | null)?.services;
    return services !== null && typeof services === 'object' ? Object.keys(services) : [];
  } catch {
    return [];
  }
}

function serviceDirs(outDir: string): string[] {
  try {
    return readdirSync(join(outDir, 'services'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
}

function listFiles(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
