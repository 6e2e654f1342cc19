#!/usr/bin/env node
// Launcher for the built CLI (npm links bins at install time, before `npm run build`):
// the bundle rolldown.config.mjs makes of dist/cli/tower.js, a few files instead of dozens.
// bin/package.json (type module) is this file's package scope, found at the first lookup; the
// bundle's files are .mjs and need none (each lookup is a round trip on a slow root filesystem).
await import('../dist/bundle/tower.mjs');
