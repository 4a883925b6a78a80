/**
 * zod, configured once for every schema in shared/: no eval-based fast paths
 * (the renderer's CSP forbids eval, and both sides must validate alike). zod
 * decides this when a schema is built, so every schema module imports z from
 * here, never from 'zod' itself.
 */
import { z } from 'zod';

z.config({ jitless: true });

export { z };
