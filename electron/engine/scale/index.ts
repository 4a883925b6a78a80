/**
 * Past one machine: plan → independent shards → merge. `rcf plan` writes a manifest of work items (one per raster),
 * any batch engine runs the shards by index (`rcf featurize --manifest`), and `rcf merge` writes one output identical
 * to a single run's. See docs/scale.md.
 */
export { readManifest, partPath, donePath, ManifestError, type Manifest, type ManifestItem, type ManifestHeader } from './manifest.js';
export { planManifest, discoverInputs, type PlanSpec, type PlanResult } from './plan.js';
export { INDEX_VARIABLES, runShard, runItem, shardIndex, shardItems, ShardError, type DoneMarker, type ItemOutcome } from './shard.js';
export { MERGE_WRITERS, mergeManifest, MergeError, type MergeLayout, type MergeResult, type MergeSpec, type MergeWriter } from './merge.js';
