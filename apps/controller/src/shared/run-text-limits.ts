/**
 * Limits of the text a run carries for its discs (shared/run-text-schemas.ts):
 * kept apart from the schemas so the CLI checks them without loading TypeBox.
 */

/** Most numbered label merge fields (`{{merge.1}}`..`{{merge.99}}`). */
export const MAX_LABEL_MERGE_FIELDS = 99;
/** Longest label merge value, characters. */
export const MAX_LABEL_MERGE_CHARS = 200;
/** Longest CD-TEXT value, characters (PTBurn's limit). */
export const MAX_CD_TEXT_CHARS = 100;
/** Most characters of one CD-TEXT kind (title, performer, composer) over the disc and all its tracks. */
export const MAX_CD_TEXT_TOTAL = 2000;
