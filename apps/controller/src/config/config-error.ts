/**
 * A setting the tower cannot start with, named by its field (a tower.json
 * path such as `agent.changers[0].device`, or an environment variable).
 */
/** A configuration that cannot be used; `field` is its path (`agent.drives[2].device`). */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly field: string, message: string, options?: { cause?: unknown }) {
    super(field === '' ? message : `config ${field}: ${message}`, options);
    this.name = 'ConfigError';
  }
}
