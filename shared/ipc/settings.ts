/**
 * The featurizer's option values as tuples the schemas can enumerate. Each is
 * checked against the type it mirrors, so the contract cannot drift from the
 * engine (the backend names are checked where the service binds them).
 */
import type { Convention } from '../rcf/conventions.js';
import type { NodataPolicy } from '../rcf/cell-sums.js';
import type { EdgePolicy } from '../grid/cells.js';

type Exactly<T extends readonly string[], U extends string> = [T[number]] extends [U] ? ([U] extends [T[number]] ? T : never) : never;

export const CONVENTIONS = ['torchgeo', 'paper'] as const satisfies Exactly<readonly ['torchgeo', 'paper'], Convention>;
export const NODATA_POLICIES = ['mask', 'propagate'] as const satisfies Exactly<readonly ['mask', 'propagate'], NodataPolicy>;
export const EDGE_POLICIES = ['drop', 'keep'] as const satisfies Exactly<readonly ['drop', 'keep'], EdgePolicy>;
export const BACKENDS = ['auto', 'cpu', 'webgpu', 'reference'] as const;
