#!/usr/bin/env node
// Launcher for the built CLI (npm links bins at install time, before `npm run build`).
await import('../dist/cli/tower.js');
