// Where lavapipe (Mesa's software Vulkan driver) is, so GPU tests can make it
// the only driver Vulkan sees, as on CI.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** lavapipe's Vulkan driver manifest (.ci/install-lavapipe installs it). */
export function lavapipeIcd(): string {
  for (const dir of ['/usr/share/vulkan/icd.d', '/usr/local/share/vulkan/icd.d', '/etc/vulkan/icd.d']) {
    const name = existsSync(dir) ? readdirSync(dir).find((n) => /^lvp_icd.*\.json$/.test(n)) : undefined;
    if (name) return join(dir, name);
  }
  throw new Error("lavapipe's Vulkan manifest (lvp_icd*.json) is missing: run .ci/install-lavapipe (as root) first");
}
