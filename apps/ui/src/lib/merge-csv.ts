/**
 * The merge CSV reader the controller and the CLI use
 * (apps/controller/src/shared/merge-csv.ts), re-exported for the new-run
 * form, which counts a CSV's rows (one per disc) before it sends it.
 */
export * from '../../../controller/src/shared/merge-csv';
