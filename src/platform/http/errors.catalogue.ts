/** Every error the API answers with: a stable code, its HTTP status and a human title. */
export const errorCatalogue = {
  BW_VALIDATION: { status: 400, title: 'The request is not valid' },
  BW_MALFORMED_BODY: { status: 400, title: 'The request body could not be parsed' },
  BW_BAD_URL: { status: 400, title: 'The URL could not be decoded' },
  BW_BAD_REQUEST: { status: 400, title: 'The request is not valid HTTP' },
  BW_IDEMPOTENCY_KEY_MISSING: { status: 400, title: 'An Idempotency-Key header is required' },
  BW_UNAUTHENTICATED: { status: 401, title: 'Authentication is required' },
  BW_TOKEN_INVALID: { status: 401, title: 'The access token is invalid or expired' },
  BW_BAD_CREDENTIALS: { status: 401, title: 'The email or password is wrong' },
  BW_ADMISSION_REQUIRED: { status: 401, title: 'An admission token from the waiting room is required' },
  BW_ADMISSION_INVALID: { status: 401, title: 'The admission token is invalid or expired' },
  BW_TICKET_INVALID: { status: 401, title: 'The queue ticket is invalid or expired' },
  BW_TICKET_RESET: {
    status: 401,
    title: 'The line this ticket was for was lost and started again; join again for a new place',
  },
  BW_FORBIDDEN: { status: 403, title: 'This action is not allowed for this account' },
  BW_ADMISSION_FOREIGN: { status: 403, title: 'The admission token belongs to another user or event' },
  BW_TICKET_FOREIGN: { status: 403, title: 'The queue ticket belongs to another user or event' },
  BW_POW_INVALID: {
    status: 403,
    title: 'The proof-of-work solution is wrong, expired, spent or for another event',
  },
  BW_REQUEST_BLOCKED: { status: 403, title: 'The request was refused by request inspection' },
  BW_NOT_FOUND: { status: 404, title: 'No such resource' },
  BW_ROUTE_NOT_FOUND: { status: 404, title: 'No such route' },
  BW_EVENT_NOT_FOUND: { status: 404, title: 'No such event' },
  BW_HOLD_NOT_FOUND: { status: 404, title: 'No such hold' },
  BW_ORDER_NOT_FOUND: { status: 404, title: 'No such order' },
  BW_SEAT_NOT_FOUND: { status: 400, title: 'One or more seats do not exist for this event' },
  BW_PAYMENT_TOKEN_UNKNOWN: { status: 400, title: 'The payment token is not known' },
  BW_WEBHOOK_SIGNATURE: { status: 401, title: 'The webhook signature is missing or wrong' },
  BW_PAYMENT_REQUIRED: { status: 402, title: 'The payment was declined' },
  BW_METHOD_NOT_ALLOWED: { status: 405, title: 'This method is not allowed here' },
  BW_CONFLICT: { status: 409, title: 'The request conflicts with the current state' },
  BW_SOLD_OUT: { status: 409, title: 'Not enough stock left for this request' },
  BW_SALES_NOT_OPEN: { status: 409, title: 'Sales for this event have not opened yet' },
  BW_HOLD_EXPIRED: { status: 409, title: 'The hold has expired or was released' },
  BW_HOLD_USED: { status: 409, title: 'The hold already has an order' },
  BW_LIMIT_EXCEEDED: { status: 409, title: 'This would exceed the per-user ticket limit' },
  BW_IDEMPOTENCY_CONFLICT: { status: 409, title: 'A request with this Idempotency-Key is still in progress' },
  BW_IDEMPOTENCY_MISMATCH: {
    status: 422,
    title: 'This Idempotency-Key was used with a different request body',
  },
  BW_PAYMENT_MISMATCH: {
    status: 422,
    title: "The payment's amount or currency does not match the order's",
  },
  BW_NOT_YET_ADMITTED: { status: 409, title: 'Your number has not been called yet' },
  BW_QUEUE_CLOSED: { status: 409, title: 'The waiting room for this event is closed' },
  BW_QUEUE_FULL: { status: 409, title: 'The shop is full; try again in a moment' },
  BW_EMAIL_TAKEN: { status: 409, title: 'An account with this email already exists' },
  BW_REQUEST_TIMEOUT: { status: 408, title: 'The request took too long to arrive' },
  BW_BODY_TOO_LARGE: { status: 413, title: 'The request body is too large' },
  BW_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'This content type is not supported' },
  BW_POW_REQUIRED: {
    status: 428,
    title: 'Joining this line needs a solved proof-of-work challenge (X-Queue-Pow)',
  },
  BW_HEADERS_TOO_LARGE: { status: 431, title: 'The request headers are too large' },
  BW_RATE_LIMITED: { status: 429, title: 'Too many requests' },
  BW_INTERNAL: { status: 500, title: 'Something went wrong on our side' },
  BW_UNAVAILABLE: { status: 503, title: 'A service this request needs is unavailable' },
  BW_BUSY: { status: 503, title: 'The server is too busy to do this right now; try again shortly' },
  BW_SHUTTING_DOWN: { status: 503, title: 'The server is shutting down' },
} as const satisfies Record<string, { status: number; title: string }>

export type ErrorCode = keyof typeof errorCatalogue

/** A coded error from the catalogue; the error handler answers it as RFC 9457 problem details. */
export class AppError extends Error {
  readonly status: number
  constructor(
    readonly code: ErrorCode,
    detail?: string,
    /** Extra members of the problem document, e.g. `{ position }` or `{ retryAfterSeconds }`. */
    readonly extensions: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(detail ?? errorCatalogue[code].title, options)
    this.name = 'AppError'
    this.status = errorCatalogue[code].status
  }
}

/** A backing service (PostgreSQL, Redis) could not answer; maps to 503 with `Retry-After`. */
export class DependencyUnavailableError extends AppError {
  constructor(
    readonly dependency: 'database' | 'redis',
    cause: unknown,
    readonly retryAfterSeconds = 1,
  ) {
    super('BW_UNAVAILABLE', `The ${dependency} is unavailable; try again shortly`, {}, { cause })
  }
}
