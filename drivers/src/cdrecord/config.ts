/**
 * The one place the cdrecord backend reads the process environment.
 */

/** The environment tools run with: the caller's override, else this process's. */
export function toolEnvironment(env?: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return env ?? process.env;
}
