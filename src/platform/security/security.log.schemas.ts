import { Type } from 'typebox'

const actionSchema = () => Type.Union([Type.Literal('BLOCK'), Type.Literal('COUNT'), Type.Literal('ALLOW')])
const ruleAction = Type.Object({
  ruleId: Type.String(),
  action: actionSchema(),
})

/** One entry, with AWS WAF's log field names, and its position in the day's log. */
export const SecurityLogEntrySchema = Type.Object({
  position: Type.Integer({ description: 'Line of the day file; pass as `after` to page on' }),
  timestamp: Type.Integer({ description: 'Milliseconds since the epoch' }),
  formatVersion: Type.Literal(1),
  webaclId: Type.Literal('breakwater'),
  terminatingRuleId: Type.String({ description: 'The refusing rule; `Default_Action` for a COUNT' }),
  terminatingRuleType: Type.Union([
    Type.Literal('RATE_BASED'),
    Type.Literal('REGULAR'),
    Type.Literal('MANAGED_RULE_GROUP'),
  ]),
  action: actionSchema(),
  ruleGroupList: Type.Array(
    Type.Object({
      ruleGroupId: Type.String(),
      terminatingRule: Type.Union([ruleAction, Type.Null()]),
      nonTerminatingMatchingRules: Type.Array(ruleAction),
    }),
  ),
  rateBasedRuleList: Type.Array(
    Type.Object({
      rateBasedRuleId: Type.String(),
      limitKey: Type.Union([Type.Literal('IP'), Type.Literal('CUSTOMKEYS')]),
      maxRateAllowed: Type.Integer(),
    }),
  ),
  labels: Type.Array(Type.Object({ name: Type.String() })),
  httpRequest: Type.Object({
    clientIp: Type.String(),
    country: Type.String(),
    uri: Type.String(),
    args: Type.String({ description: 'The query string, tickets and tokens redacted' }),
    headers: Type.Array(
      Type.Object(
        { name: Type.String(), value: Type.String() },
        { description: 'Secrets read `[redacted]`' },
      ),
    ),
    httpVersion: Type.String(),
    httpMethod: Type.String(),
    requestId: Type.String(),
  }),
})

export const SecurityLogPageSchema = Type.Object({
  items: Type.Array(SecurityLogEntrySchema),
  next: Type.Union([Type.Integer(), Type.Null()], {
    description: 'Pass as `after` for the next page; null on the last one',
  }),
})

export const SecurityLogQuerySchema = Type.Object(
  {
    date: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'The day (UTC), YYYY-MM-DD' }),
    action: Type.Optional(actionSchema()),
    rule: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'A rule id or rule group id' }),
    ),
    ip: Type.Optional(Type.String({ minLength: 2, maxLength: 64, description: 'The client address' })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
    after: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: Number.MAX_SAFE_INTEGER,
        description: 'Entries after this position',
      }),
    ),
  },
  { additionalProperties: false },
)
