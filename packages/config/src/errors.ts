/**
 * A config that cannot be used: the message names the file or flag, the key
 * at fault and what to write instead, so the CLI prints it without a stack.
 */
export class ConfigError extends Error {
  override name = 'ConfigError'
  constructor(
    message: string,
    readonly code: string
  ) {
    super(message)
  }
}
