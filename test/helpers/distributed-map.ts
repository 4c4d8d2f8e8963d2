/**
 * aws-local-stepfunctions 3 runs Map states inline: it reads no items from
 * S3 (ItemReader), batches nothing (ItemBatcher), writes no results
 * (ResultWriter) and knows no failure tolerance. To run the synthesized
 * evaluation definition as it is, this swaps, in a copy, the item source
 * and sink of each Distributed Map, and nothing else of its behaviour:
 *
 * - the items come from the execution input, `$.input.localItems.<state>`,
 *   cut by `localItems` into the batches ItemBatcher would make (the
 *   definition's own MaxItemsPerBatch);
 * - each child gets `{ Items, BatchInput }` as under ItemBatcher, BatchInput
 *   evaluated from the definition's own template;
 * - ResultWriter and Label are dropped;
 * - a failed child fails the map with States.ExceedToleratedFailureThreshold,
 *   as a Distributed Map whose failures exceed its tolerance does (the local
 *   run tolerates none; the definition's tolerance is left out).
 *
 * Everything else (the child's states, retries, catches, the states after
 * the map) runs as synthesized.
 */
export function withLocalItems(definition: Record<string, any>): Record<string, any> {
  const copy = JSON.parse(JSON.stringify(definition));
  for (const [name, state] of Object.entries<Record<string, any>>(copy.States)) {
    if (state.Type !== 'Map' || state.ItemReader === undefined) continue;
    const batcher = state.ItemBatcher ?? {};
    for (const field of ['ItemReader', 'ItemBatcher', 'ResultWriter', 'ToleratedFailurePercentage', 'ToleratedFailureCount', 'Label']) delete state[field];
    state.ItemsPath = `$.input.localItems.${name}`;
    state.ItemSelector = { 'Items.$': '$$.Map.Item.Value', BatchInput: batcher.BatchInput ?? {} };
    const processor = state.ItemProcessor;
    for (const child of Object.values<Record<string, any>>(processor.States)) {
      if (child.Type === 'Task') child.Catch = [...(child.Catch ?? []), { ErrorEquals: ['States.ALL'], Next: 'LocalToleranceExceeded' }];
    }
    processor.States.LocalToleranceExceeded = {
      Type: 'Fail',
      Error: 'States.ExceedToleratedFailureThreshold',
      Cause: 'The specified tolerated failure threshold was exceeded (local run: a batch failed)',
    };
  }
  return copy;
}

/** The records as the batches a Distributed Map state of `definition` would make (its MaxItemsPerBatch). */
export function localItems<T>(definition: Record<string, any>, state: string, records: readonly T[]): T[][] {
  const size: number = definition.States[state].ItemBatcher?.MaxItemsPerBatch ?? 1;
  const result: T[][] = [];
  for (let start = 0; start < records.length; start += size) result.push(records.slice(start, start + size));
  return result;
}
