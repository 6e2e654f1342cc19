/**
 * A setting the agent cannot work with, named by its configuration field
 * (`agent.changers[0].drives[1].drive`). Same code and wording as the
 * controller's `ConfigError`, so the CLI prints it as one line.
 */
export class AgentConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly field: string, message: string, options?: { cause?: unknown }) {
    super(`config ${field}: ${message}`, options);
    this.name = 'AgentConfigError';
  }
}
