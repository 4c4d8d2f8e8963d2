/**
 * The metrics each task is scored on, all on a 0..1 scale, primary first:
 * thresholds may name only these. One list, the metrics module's.
 */
export { TASK_METRICS } from '../../lib/evaluate/metrics';
