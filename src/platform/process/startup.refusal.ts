/**
 * The server will not start, for a reason its operator can fix: the message is one line saying
 * what is wrong and what to do, printed without a stack trace.
 */
export class StartupRefusal extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'StartupRefusal'
  }
}
