import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { TicketRefusal } from './ticket.tokens.ts'

/** The waiting room's Prometheus metrics; labelled by event id at most, which events bound. */
export class QueueMetrics {
  readonly waiting: Gauge<'event_id'>
  readonly admissionRate: Gauge<'event_id'>
  readonly admitted: Counter<'event_id'>
  readonly skipped: Counter<'event_id'>
  readonly joined: Counter<'event_id'>
  readonly entered: Counter<'event_id'>
  readonly enterRejected: Counter<'reason'>
  readonly ticketRejected: Counter<'reason'>
  readonly powChecked: Counter<'outcome'>
  readonly statusDuration: Histogram
  readonly frontierAge: Gauge

  constructor(registry: Registry, frontierAgeSeconds: () => number) {
    const registers = [registry]
    this.waiting = new Gauge({
      name: 'breakwater_queue_waiting',
      help: 'People in line who have not been called yet, as this process last saw it',
      labelNames: ['event_id'],
      // Every worker of a cluster reads the same line: their figures are one figure, not a sum.
      aggregator: 'max',
      registers,
    })
    this.admissionRate = new Gauge({
      name: 'breakwater_queue_admission_rate_per_second',
      help: 'The admission rate set for the event',
      labelNames: ['event_id'],
      aggregator: 'max',
      registers,
    })
    this.admitted = new Counter({
      name: 'breakwater_queue_admitted_total',
      help: 'Numbers called by the admission ticker',
      labelNames: ['event_id'],
      registers,
    })
    this.skipped = new Counter({
      name: 'breakwater_queue_skipped_total',
      help: 'Numbers passed over because their holders stopped polling',
      labelNames: ['event_id'],
      registers,
    })
    this.joined = new Counter({
      name: 'breakwater_queue_joined_total',
      help: 'New places handed out',
      labelNames: ['event_id'],
      registers,
    })
    this.entered = new Counter({
      name: 'breakwater_queue_entered_total',
      help: 'Admission tokens handed out',
      labelNames: ['event_id'],
      registers,
    })
    this.enterRejected = new Counter({
      name: 'breakwater_queue_enter_rejected_total',
      help: 'Refused enters by reason',
      labelNames: ['reason'],
      registers,
    })
    this.ticketRejected = new Counter({
      name: 'breakwater_queue_ticket_rejected_total',
      help: 'Refused queue tickets by reason (malformed, signature, expired, foreign, reset: of a line lost and started again)',
      labelNames: ['reason'],
      registers,
    })
    this.powChecked = new Counter({
      name: 'breakwater_queue_pow_total',
      help: 'Proof-of-work checks at join by outcome (accepted; required: none sent; malformed, foreign, expired, wrong, replayed)',
      labelNames: ['outcome'],
      registers,
    })
    this.statusDuration = new Histogram({
      name: 'breakwater_queue_status_duration_seconds',
      help: 'Time to answer a status poll',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1],
      registers,
    })
    this.frontierAge = new Gauge({
      name: 'breakwater_queue_frontier_age_seconds',
      help: 'Age of the oldest frontier this process answers from',
      registers,
      aggregator: 'max',
      collect() {
        this.set(frontierAgeSeconds())
      },
    })
  }

  refusedTicket(reason: TicketRefusal): void {
    this.ticketRejected.inc({ reason })
  }
}
