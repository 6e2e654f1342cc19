/**
 * Units and dates: the module the CLI uses too (apps/controller/src/shared/units.ts),
 * re-exported for the screens. Nothing is formatted here.
 */
export * from '../../../controller/src/shared/units';
