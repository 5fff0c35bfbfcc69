// Generated from docs/openapi.json by `npm run web:types` (openapi-typescript). Do not edit.

export interface paths {
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness: the process is up */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            status: "ok";
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness: dependencies answer and the process is not draining */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            status: "ready" | "not_ready" | "draining";
                            checks: {
                                [key: string]: "ok" | "unavailable";
                            };
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            status: "ready" | "not_ready" | "draining";
                            checks: {
                                [key: string]: "ok" | "unavailable";
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/guest": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A cheap guest identity (no password, no account row) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            accessToken: string;
                            /** Format: date-time */
                            expiresAt: string;
                            user: {
                                /** Format: uuid */
                                id: string;
                                email: string | null;
                                role: "customer" | "admin";
                                guest: boolean;
                                displayName: string | null;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/register": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Create a customer account */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** Format: email */
                        email: string;
                        /** @description At least 12 and at most 128 characters, any of them; not one of the commonest passwords, a few characters repeated or counted up, or little more than the email or the name of the service (400 BW_VALIDATION naming the field) */
                        password: string;
                        displayName?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            accessToken: string;
                            /** Format: date-time */
                            expiresAt: string;
                            user: {
                                /** Format: uuid */
                                id: string;
                                email: string | null;
                                role: "customer" | "admin";
                                guest: boolean;
                                displayName: string | null;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/login": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Sign in with email and password
         * @description Limited per client address (RATE_LIMIT_LOGIN_PER_MINUTE) and per account (failed attempts: 5 at once from one address, then one a minute; 20 from all addresses, then one every 5 minutes): 429 BW_RATE_LIMITED with Retry-After. 503 BW_BUSY with Retry-After when too many passwords are being checked at once.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** Format: email */
                        email: string;
                        password: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            accessToken: string;
                            /** Format: date-time */
                            expiresAt: string;
                            user: {
                                /** Format: uuid */
                                id: string;
                                email: string | null;
                                role: "customer" | "admin";
                                guest: boolean;
                                displayName: string | null;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/logout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Sign out: every access token of the account stops working
         * @description Ends all of the account's sessions, on every device. A guest token names no account and cannot be revoked (403 BW_FORBIDDEN): discard it.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The signed-in user */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            id: string;
                            email: string | null;
                            role: "customer" | "admin";
                            guest: boolean;
                            displayName: string | null;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Events by sales opening time */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    offset?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            events: {
                                /** Format: uuid */
                                id: string;
                                name: string;
                                description: string | null;
                                /** Format: date-time */
                                salesOpenAt: string;
                                kind: "general" | "seated";
                                capacity: number;
                                remaining: number;
                                seatMap: {
                                    sections: {
                                        name: string;
                                        rows: {
                                            name: string;
                                            seats: number;
                                        }[];
                                    }[];
                                } | null;
                                priceCents: number;
                                currency: string;
                                perUserLimit: number;
                                queue: {
                                    enabled: boolean;
                                    state: "open" | "paused" | "closed";
                                    admissionRatePerSec: number;
                                    maxActive: number;
                                    shuffleAtOpen: boolean;
                                    /** @description Whether joining needs a solved proof-of-work challenge (X-Queue-Pow): never, always, or once joins per second pass a threshold */
                                    pow: "off" | "on" | "auto";
                                };
                                /** Format: date-time */
                                createdAt: string;
                            }[];
                        };
                    };
                };
            };
        };
        put?: never;
        /** Create an event: general admission (capacity) or seated (seatMap) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                        description?: string;
                        /** Format: date-time */
                        salesOpenAt: string;
                        capacity?: number;
                        seatMap?: {
                            sections: {
                                name: string;
                                rows: {
                                    name: string;
                                    seats: number;
                                }[];
                            }[];
                        };
                        priceCents: number;
                        currency: string;
                        perUserLimit?: number;
                        queue?: {
                            /** @default true */
                            enabled?: boolean;
                            admissionRatePerSec?: number;
                            maxActive?: number;
                            shuffleAtOpen?: boolean;
                            /** @description Whether joining needs a solved proof-of-work challenge (X-Queue-Pow): never, always, or once joins per second pass a threshold */
                            pow?: "off" | "on" | "auto";
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            id: string;
                            name: string;
                            description: string | null;
                            /** Format: date-time */
                            salesOpenAt: string;
                            kind: "general" | "seated";
                            capacity: number;
                            remaining: number;
                            seatMap: {
                                sections: {
                                    name: string;
                                    rows: {
                                        name: string;
                                        seats: number;
                                    }[];
                                }[];
                            } | null;
                            priceCents: number;
                            currency: string;
                            perUserLimit: number;
                            queue: {
                                enabled: boolean;
                                state: "open" | "paused" | "closed";
                                admissionRatePerSec: number;
                                maxActive: number;
                                shuffleAtOpen: boolean;
                                /** @description Whether joining needs a solved proof-of-work challenge (X-Queue-Pow): never, always, or once joins per second pass a threshold */
                                pow: "off" | "on" | "auto";
                            };
                            /** Format: date-time */
                            createdAt: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/events/{eventId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One event with its remaining stock */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    eventId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            id: string;
                            name: string;
                            description: string | null;
                            /** Format: date-time */
                            salesOpenAt: string;
                            kind: "general" | "seated";
                            capacity: number;
                            remaining: number;
                            seatMap: {
                                sections: {
                                    name: string;
                                    rows: {
                                        name: string;
                                        seats: number;
                                    }[];
                                }[];
                            } | null;
                            priceCents: number;
                            currency: string;
                            perUserLimit: number;
                            queue: {
                                enabled: boolean;
                                state: "open" | "paused" | "closed";
                                admissionRatePerSec: number;
                                maxActive: number;
                                shuffleAtOpen: boolean;
                                /** @description Whether joining needs a solved proof-of-work challenge (X-Queue-Pow): never, always, or once joins per second pass a threshold */
                                pow: "off" | "on" | "auto";
                            };
                            /** Format: date-time */
                            createdAt: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/events/{eventId}/seats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A seated event's seats and whether each is available, held or sold */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    eventId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            seats: {
                                /** Format: uuid */
                                id: string;
                                section: string;
                                row: string;
                                number: number;
                                state: "available" | "held" | "sold";
                            }[];
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/events/{eventId}/holds": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Hold a quantity (general admission) or named seats for a limited time
         * @description Needs X-Admission-Token from the waiting room when the event has its queue enabled. Sold out: 409 BW_SOLD_OUT.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    "x-admission-token"?: string;
                };
                path: {
                    eventId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        quantity: number;
                    } | {
                        seatIds: string[];
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            holdId: string;
                            /** Format: uuid */
                            eventId: string;
                            quantity: number;
                            seatIds: string[];
                            /** Format: date-time */
                            expiresAt: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/holds/{holdId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Release a hold; its stock goes back on sale */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    holdId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/orders": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Your orders, newest first */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            orders: {
                                /** Format: uuid */
                                id: string;
                                /** Format: uuid */
                                eventId: string;
                                /** Format: uuid */
                                holdId: string;
                                quantity: number;
                                amountCents: number;
                                currency: string;
                                status: "pending_payment" | "paid" | "payment_failed" | "expired" | "refunded";
                                failureReason: string | null;
                                /** Format: date-time */
                                createdAt: string;
                                /** Format: date-time */
                                updatedAt: string;
                            }[];
                        };
                    };
                };
            };
        };
        put?: never;
        /**
         * Order a hold and pay for it
         * @description Idempotency-Key is required (keys are per user and kept for IDEMPOTENCY_KEY_TTL_SECONDS, 24 h by default): the same key and body replays the first response; while the first is running 409; another body 422.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    "idempotency-key"?: string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** Format: uuid */
                        holdId: string;
                        paymentToken: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            id: string;
                            /** Format: uuid */
                            eventId: string;
                            /** Format: uuid */
                            holdId: string;
                            quantity: number;
                            amountCents: number;
                            currency: string;
                            status: "pending_payment" | "paid" | "payment_failed" | "expired" | "refunded";
                            failureReason: string | null;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/events/{eventId}/orders": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** An event's orders, newest first (admin) */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                };
                header?: never;
                path: {
                    eventId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            orders: {
                                /** Format: uuid */
                                id: string;
                                /** Format: uuid */
                                eventId: string;
                                /** Format: uuid */
                                holdId: string;
                                quantity: number;
                                amountCents: number;
                                currency: string;
                                status: "pending_payment" | "paid" | "payment_failed" | "expired" | "refunded";
                                failureReason: string | null;
                                /** Format: date-time */
                                createdAt: string;
                                /** Format: date-time */
                                updatedAt: string;
                            }[];
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/orders/{orderId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One of your orders */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    orderId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            id: string;
                            /** Format: uuid */
                            eventId: string;
                            /** Format: uuid */
                            holdId: string;
                            quantity: number;
                            amountCents: number;
                            currency: string;
                            status: "pending_payment" | "paid" | "payment_failed" | "expired" | "refunded";
                            failureReason: string | null;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/payments/webhook": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** The payment simulator's signed webhooks (header X-Breakwater-Signature) */
        post: {
            parameters: {
                query?: never;
                header?: {
                    "x-breakwater-signature"?: string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            applied: boolean;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The audit log, newest first, in keyset pages
         * @description Admin actions, sign-ins, failed sign-ins and registrations. Page on with `after` = the `next` of the page before; `action` filters by one action or a prefix (`auth.*`).
         */
        get: {
            parameters: {
                query: {
                    /** @description Entries older than this id */
                    after?: number;
                    limit: number;
                    /** @description One action (queue.paused), or every action under a prefix (queue.*) */
                    action?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            entries: {
                                /** @description Sequence number: the chain runs in this order */
                                id: number;
                                /** Format: date-time */
                                at: string;
                                actor: {
                                    /** @description The account; null for a failed sign-in */
                                    id: string | null;
                                    role: string | null;
                                    ip: string | null;
                                };
                                /** @description A dotted name: event.created, queue.paused, auth.login_failed */
                                action: string;
                                target: string | null;
                                details: {
                                    [key: string]: unknown;
                                };
                                /** @description sha256 of the previous hash and this entry */
                                hash: string;
                            }[];
                            /** @description Pass as `after` for the next (older) page; null on the last one */
                            next: number | null;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/security-log": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One day's security log, in the order written, in keyset pages
         * @description Entries in the shape of AWS WAF logs: one per request the shield refused (`BLOCK`) or would have in detect mode (`COUNT`). Filter by `action`, `rule` (a rule or rule group id) and `ip`; page on with `after` = the `next` of the page before.
         */
        get: {
            parameters: {
                query: {
                    /** @description The day (UTC), YYYY-MM-DD */
                    date: string;
                    action?: "BLOCK" | "COUNT" | "ALLOW";
                    /** @description A rule id or rule group id */
                    rule?: string;
                    /** @description The client address */
                    ip?: string;
                    limit: number;
                    /** @description Entries after this position */
                    after?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                /** @description Line of the day file; pass as `after` to page on */
                                position: number;
                                /** @description Milliseconds since the epoch */
                                timestamp: number;
                                /** @enum {number} */
                                formatVersion: 1;
                                /** @enum {string} */
                                webaclId: "breakwater";
                                /** @description The refusing rule; `Default_Action` for a COUNT */
                                terminatingRuleId: string;
                                terminatingRuleType: "RATE_BASED" | "REGULAR" | "MANAGED_RULE_GROUP";
                                action: "BLOCK" | "COUNT" | "ALLOW";
                                ruleGroupList: {
                                    ruleGroupId: string;
                                    terminatingRule: {
                                        ruleId: string;
                                        action: "BLOCK" | "COUNT" | "ALLOW";
                                    } | null;
                                    nonTerminatingMatchingRules: {
                                        ruleId: string;
                                        action: "BLOCK" | "COUNT" | "ALLOW";
                                    }[];
                                }[];
                                rateBasedRuleList: {
                                    rateBasedRuleId: string;
                                    limitKey: "IP" | "CUSTOMKEYS";
                                    maxRateAllowed: number;
                                }[];
                                labels: {
                                    name: string;
                                }[];
                                httpRequest: {
                                    clientIp: string;
                                    country: string;
                                    uri: string;
                                    /** @description The query string, tickets and tokens redacted */
                                    args: string;
                                    headers: {
                                        name: string;
                                        value: string;
                                    }[];
                                    httpVersion: string;
                                    httpMethod: string;
                                    requestId: string;
                                };
                            }[];
                            /** @description Pass as `after` for the next page; null on the last one */
                            next: number | null;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/events/{eventId}/queue/challenge": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A proof-of-work challenge to join with, when the event or the current pressure asks for one
         * @description `204` when joining needs no proof of work right now. Solve it, then send the solution as `X-Queue-Pow` on join; it expires in two minutes and is good for one join of this event.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    eventId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description An ALTCHA (v1) challenge. Find the number, then join with `X-Queue-Pow: base64(JSON {algorithm, challenge, number, salt, signature})`; one solution buys one join. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            algorithm: "SHA-256";
                            /** @description SHA-256 (hex) of the salt followed by the secret number */
                            challenge: string;
                            /** @description The secret number is below this: the difficulty */
                            maxnumber: number;
                            /** @description Carries the event and the expiry; signed with the challenge */
                            salt: string;
                            signature: string;
                            /** Format: date-time */
                            expiresAt: string;
                        };
                    };
                };
                /** @description No proof of work needed */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/events/{eventId}/queue/join": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Take a place in line; joining again returns the same ticket
         * @description When the event asks for proof of work (see `GET …/queue/challenge`), send the solution as `X-Queue-Pow`: without one the answer is `428 BW_POW_REQUIRED`, with a wrong, expired, spent or foreign one `403 BW_POW_INVALID`; both name the `challengeUrl`.
         */
        post: {
            parameters: {
                query?: {
                    /** @description Without an Authorization header: join as a new guest, whose session comes back with the ticket (one request instead of two for an arriving visitor) */
                    guest?: boolean;
                };
                header?: never;
                path: {
                    eventId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Send it as X-Queue-Ticket */
                            ticket: string;
                            session?: {
                                accessToken: string;
                                /** Format: date-time */
                                expiresAt: string;
                                user: {
                                    /** Format: uuid */
                                    id: string;
                                    email: string | null;
                                    role: "customer" | "admin";
                                    guest: boolean;
                                    displayName: string | null;
                                };
                            };
                            state: "waiting" | "admitted" | "closed";
                            number: number;
                            /** @description Your place in the line: 1 is next (nobody ahead), 0 is called; never goes up. In a pre-queue awaiting its shuffle: how many share it. */
                            position: number;
                            servingNumber: number;
                            etaSeconds: number;
                            /** @description Poll again after this long (jittered) */
                            pollAfterMs: number;
                            /** @description True before the opening of a sale that shuffles its pre-queue: your place is drawn at the opening */
                            preQueue: boolean;
                            /** @description Nothing left to sell right now: nobody is called until stock comes back (a hold expires or is released) */
                            soldOut: boolean;
                            /** @description True when this process could not refresh the frontier lately */
                            stale: boolean;
                        };
                    };
                };
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Send it as X-Queue-Ticket */
                            ticket: string;
                            session?: {
                                accessToken: string;
                                /** Format: date-time */
                                expiresAt: string;
                                user: {
                                    /** Format: uuid */
                                    id: string;
                                    email: string | null;
                                    role: "customer" | "admin";
                                    guest: boolean;
                                    displayName: string | null;
                                };
                            };
                            state: "waiting" | "admitted" | "closed";
                            number: number;
                            /** @description Your place in the line: 1 is next (nobody ahead), 0 is called; never goes up. In a pre-queue awaiting its shuffle: how many share it. */
                            position: number;
                            servingNumber: number;
                            etaSeconds: number;
                            /** @description Poll again after this long (jittered) */
                            pollAfterMs: number;
                            /** @description True before the opening of a sale that shuffles its pre-queue: your place is drawn at the opening */
                            preQueue: boolean;
                            /** @description Nothing left to sell right now: nobody is called until stock comes back (a hold expires or is released) */
                            soldOut: boolean;
                            /** @description True when this process could not refresh the frontier lately */
                            stale: boolean;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/events/{eventId}/queue/status": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Where you stand; answered from memory, poll again after pollAfterMs
         * @description Send the ticket from join as the `X-Queue-Ticket` header. The header is checked by the ticket verifier rather than by a header schema, which would cost more than the answer.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    eventId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            state: "waiting" | "admitted" | "closed";
                            number: number;
                            /** @description Your place in the line: 1 is next (nobody ahead), 0 is called; never goes up. In a pre-queue awaiting its shuffle: how many share it. */
                            position: number;
                            servingNumber: number;
                            etaSeconds: number;
                            /** @description Poll again after this long (jittered) */
                            pollAfterMs: number;
                            /** @description True before the opening of a sale that shuffles its pre-queue: your place is drawn at the opening */
                            preQueue: boolean;
                            /** @description Nothing left to sell right now: nobody is called until stock comes back (a hold expires or is released) */
                            soldOut: boolean;
                            /** @description True when this process could not refresh the frontier lately */
                            stale: boolean;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/events/{eventId}/queue/enter": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Exchange a called ticket for an admission token
         * @description Send the ticket from join as the `X-Queue-Ticket` header; the ticket verifier checks it, as on status.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    eventId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            admissionToken: string;
                            /** Format: date-time */
                            expiresAt: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/events/{eventId}/queue": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The public frontier: who is being served, how many wait; cacheable for 1 s */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    eventId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            state: "open" | "paused" | "closed";
                            servingNumber: number;
                            lastNumber: number;
                            waiting: number;
                            admissionRatePerSec: number;
                            maxActive: number;
                            active: number;
                            /** @description Nothing left to sell: admission waits for stock to come back */
                            soldOut: boolean;
                            stale: boolean;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Open, pause or close the room; change its rate and maxActive */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    eventId: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        state?: "open" | "paused" | "closed";
                        /** @description Proof of work at join: never, always, or once joins per second pass a threshold */
                        pow?: "off" | "on" | "auto";
                        admissionRatePerSec?: number;
                        maxActive?: number;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            state: "open" | "paused" | "closed";
                            servingNumber: number;
                            lastNumber: number;
                            waiting: number;
                            admissionRatePerSec: number;
                            maxActive: number;
                            active: number;
                            /** @description Nothing left to sell: admission waits for stock to come back */
                            soldOut: boolean;
                            stale: boolean;
                        };
                    };
                };
            };
        };
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: never;
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
