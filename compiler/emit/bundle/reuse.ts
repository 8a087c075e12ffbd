// Keeps a service's published version when only the commit differs: a merge that does not touch a
// service must not make its proxies reload. The published bundle is reused as is, so its `commit`
// names the commit that first produced that exact content (docs/decisions/0001-bundle-format.md).
import type { Bundle } from '../../../schema/bundle.types.generated.js';
import { serializeCanonical } from '../../../schema/store-format.js';

/**
 * Pure: the published bundle when it equals `planned` in everything but `commit` (byte for byte,
 * once the commits are made equal); otherwise `planned`.
 */
export function reuseIfOnlyCommitDiffers(planned: Bundle, published: Uint8Array | undefined): Bundle {
  if (!published) return planned;
  const text = Buffer.from(published).toString('utf8');
  let previous: Bundle;
  try {
    previous = JSON.parse(text) as Bundle;
  } catch {
    return planned;
  }
  if (previous.commit === planned.commit || previous.service !== planned.service) return planned;
  return serializeCanonical({ ...planned, commit: previous.commit }) === text ? previous : planned;
}
