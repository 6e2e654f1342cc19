#!/usr/bin/env node
// Launcher for the built CLI (npm links bins at install time, before `npm run build`):
// the bundle rolldown.config.mjs makes of dist/cli/tower.js, a few files instead of dozens.
await import('../dist/bundle/tower.mjs');
