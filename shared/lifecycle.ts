import type { Logger } from './logger.js'

export interface ShutdownStep {
  readonly name: string
  readonly run: () => Promise<unknown>
}

/**
 * Stops the process on SIGTERM or SIGINT: runs the steps in order (stop taking work, finish what is in flight,
 * close connections), then exits. A deadline bounds the whole thing, so a hung Redis or provider cannot keep the
 * process alive; a second signal exits at once.
 */
export function handleShutdown(logger: Logger, timeoutMs: number, steps: () => readonly ShutdownStep[]): void {
  let stoppingSince: number | undefined
  const stop = (signal: NodeJS.Signals): void => {
    if (stoppingSince !== undefined) {
      // Ctrl-C reaches `npm start` and its children at once, and the launcher forwards a SIGTERM right after:
      // only a signal that comes later is a person asking to stop *now*.
      if (Date.now() - stoppingSince < 1_000) return
      logger.warn({ signal }, 'second signal: exiting now')
      process.exit(1)
    }
    stoppingSince = Date.now()
    logger.info({ signal, timeoutMs }, 'shutting down')
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown deadline passed: exiting with work unfinished')
      process.exit(1)
    }, timeoutMs)
    deadline.unref()
    void (async () => {
      for (const step of steps()) {
        try {
          await step.run()
        } catch (error) {
          logger.warn({ step: step.name, err: error }, 'shutdown step failed')
        }
      }
      logger.info('stopped')
      // A fatal error may have set a failing exit code before asking for the shutdown.
      process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0)
    })()
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}
