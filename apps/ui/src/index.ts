/** Operator UI (Next.js) lives here. */
export const UI_NAME = 'tower-ui';
