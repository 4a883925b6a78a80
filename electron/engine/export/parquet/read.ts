/**
 * Reading rcf's GeoParquet files back (hyparquet underneath): the footer, the provenance, and columns a row group
 * at a time. `--resume` checks a finished file with it, and `rcf fit` / `rcf predict` read features through it.
 */
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { CELL_COLUMNS, PROVENANCE_KEY, featureColumnNames } from './schema.js';

export interface OpenParquet {
  file: AsyncBuffer;
  metadata: FileMetaData;
  /** The rcf provenance (JSON text) in the key-value metadata, or null. */
  provenanceText: string | null;
  /** K, from the columns: `f0…` or the list column `features`; null when the columns are not rcf's. */
  features: number | null;
  /** First row of each row group, and the total at the end. */
  groupStarts: number[];
}

/** Opens a Parquet file's footer; throws (hyparquet's message) when it is not Parquet. */
export async function openParquet(path: string): Promise<OpenParquet> {
  const file = await asyncBufferFromFile(path);
  const metadata = await parquetMetadataAsync(file, { geoparquet: false });
  const provenanceText = metadata.key_value_metadata?.find((kv) => kv.key === PROVENANCE_KEY)?.value ?? null;
  const top = topLevelNames(metadata);
  const groupStarts = [0];
  for (const g of metadata.row_groups) groupStarts.push(groupStarts[groupStarts.length - 1] + Number(g.num_rows));
  return { file, metadata, provenanceText, features: featureCount(top), groupStarts };
}

function topLevelNames(metadata: FileMetaData): string[] {
  const names: string[] = [];
  const schema = metadata.schema;
  // Walk the flattened tree: the root's children, skipping each child's own subtree.
  const skip = (i: number): number => {
    let next = i + 1;
    for (let c = 0; c < (schema[i].num_children ?? 0); c++) next = skip(next);
    return next;
  };
  for (let i = 1; i < schema.length; i = skip(i)) names.push(schema[i].name);
  return names;
}

/** K when the top-level columns are rcf's layout for some K (checked exactly), else null. */
function featureCount(names: string[]): number | null {
  const cells = CELL_COLUMNS.length;
  if (names.slice(0, cells).join(',') !== CELL_COLUMNS.join(',')) return null;
  const rest = names.slice(cells, -2);
  if (names.slice(-2).join(',') !== 'geometry,bbox') return null;
  const listK = rest.length === 1 && rest[0] === 'features';
  if (!listK) return featureColumnNames(rest.length).join(',') === rest.join(',') && rest.length > 0 ? rest.length : null;
  return -1; // a list: its length is read from the rows (listFeatures)
}

/** Columns of one row group, each as an array of the group's rows. */
export async function readGroup(pq: OpenParquet, group: number, columns: string[]): Promise<Map<string, ArrayLike<unknown>>> {
  const start = pq.groupStarts[group];
  const end = pq.groupStarts[group + 1];
  const out = new Map<string, unknown[]>();
  for (const c of columns) out.set(c, new Array(end - start));
  await parquetRead({
    file: pq.file,
    metadata: pq.metadata,
    columns,
    rowStart: start,
    rowEnd: end,
    utf8: true,
    onChunk: ({ columnName, columnData, rowStart }) => {
      const target = out.get(columnName);
      if (!target) return;
      for (let i = 0; i < columnData.length; i++) {
        const at = rowStart + i - start;
        if (at >= 0 && at < target.length) target[at] = columnData[i];
      }
    },
  });
  return out;
}
