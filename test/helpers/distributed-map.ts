/**
 * aws-local-stepfunctions 3 runs Map states inline: it reads no items from
 * S3 (ItemReader), batches nothing (ItemBatcher), writes no results
 * (ResultWriter) and tolerates no failure. To run the synthesized
 * evaluation definition as it is, this swaps, in a copy, only the item
 * source and sink of each Distributed Map:
 *
 * - the items come from the execution input, `$.input.localItems.<state>`,
 *   already cut into the batches ItemBatcher would make (MaxItemsPerBatch);
 * - each child gets `{ Items, BatchInput }` as under ItemBatcher, BatchInput
 *   evaluated from the definition's own template;
 * - ResultWriter, Label and the tolerance are dropped: a failed batch fails
 *   the map, as a run beyond its tolerance does.
 *
 * Everything else (the child's states, retries, catches, the states after
 * the map) runs as synthesized.
 */
export function withLocalItems(definition: Record<string, any>): Record<string, any> {
  const copy = JSON.parse(JSON.stringify(definition));
  for (const [name, state] of Object.entries<Record<string, any>>(copy.States)) {
    if (state.Type !== 'Map' || state.ItemReader === undefined) continue;
    const batcher = state.ItemBatcher ?? {};
    delete state.ItemReader;
    delete state.ItemBatcher;
    delete state.ResultWriter;
    delete state.ToleratedFailurePercentage;
    delete state.ToleratedFailureCount;
    delete state.Label;
    state.ItemsPath = `$.input.localItems.${name}`;
    state.ItemSelector = { 'Items.$': '$$.Map.Item.Value', BatchInput: batcher.BatchInput ?? {} };
  }
  return copy;
}

/** Items cut into batches of `size`, as ItemBatcher's MaxItemsPerBatch does. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}
