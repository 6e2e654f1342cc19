/**
 * Every `tower` command that talks to a running controller over its HTTP
 * API and live feed: drives, images, masters, runs, watch, history, stats,
 * wall screens, blank stock, alerts, run templates, disc labels.
 * Each takes `--url`/`--token` (or TOWER_URL/TOWER_TOKEN) and `--json`.
 */
import type { Command } from 'commander';
import type { ControllerCliContext } from './controller-context.js';
import { registerFleetCommands } from './fleet-commands.js';
import { registerHistoryCommand } from './history-command.js';
import { registerReportCommands } from './report-commands.js';
import { registerImageCommands } from './image-commands.js';
import { registerMasterCommand } from './master-command.js';
import { registerRunCommands } from './run-commands.js';
import { registerScreenCommands } from './screen-commands.js';
import { registerStockCommands } from './stock-commands.js';
import { registerTemplateCommands } from './template-commands.js';
import { registerAlertCommands } from './alert-commands.js';
import { registerLabelCommands } from './label-commands.js';
import { registerWatchCommand } from './watch-command.js';

export type { ControllerCliContext } from './controller-context.js';

/** Register the controller commands on the `tower` program. */
export function registerControllerCommands(program: Command, ctx: ControllerCliContext): void {
  registerFleetCommands(program, ctx);
  registerImageCommands(program, ctx);
  registerMasterCommand(program, ctx);
  registerRunCommands(program, ctx);
  registerTemplateCommands(program, ctx);
  registerWatchCommand(program, ctx);
  registerHistoryCommand(program, ctx);
  registerReportCommands(program, ctx);
  registerScreenCommands(program, ctx);
  registerStockCommands(program, ctx);
  registerAlertCommands(program, ctx);
  registerLabelCommands(program, ctx);
}
