import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/*
 * Prometheus metrics (prom-client), one registry per process so tests can build as many apps as they like.
 * Every name starts with sms2fa_; see the README's "Operating it" for what to alert on.
 */

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
const DELIVERY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300]

export function createApiMetrics() {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'sms2fa_api_' })
  return {
    registry,
    httpRequests: new Counter({
      name: 'sms2fa_http_requests_total',
      help: 'HTTP requests by route pattern, method and status',
      labelNames: ['route', 'method', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'sms2fa_http_request_duration_seconds',
      help: 'HTTP request latency by route pattern and method',
      labelNames: ['route', 'method'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    verifications: new Counter({
      name: 'sms2fa_verifications_total',
      help: 'Verification lifecycle events (started, resent, approved, canceled, expired, max_attempts_reached) by channel and country',
      labelNames: ['event', 'channel', 'country'] as const,
      registers: [registry],
    }),
    checks: new Counter({
      name: 'sms2fa_checks_total',
      help: 'Code checks by result (approved, wrong, not_found, not_pending, malformed, limited)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    limitRefusals: new Counter({
      name: 'sms2fa_limit_refusals_total',
      help: 'Requests refused by an abuse limit, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    fraudBlocks: new Counter({
      name: 'sms2fa_fraud_blocks_total',
      help: 'Prefixes the fraud guard blocked (mode enforce) or would have blocked (mode monitor)',
      labelNames: ['mode'] as const,
      registers: [registry],
    }),
    fraudRefusals: new Counter({
      name: 'sms2fa_fraud_refusals_total',
      help: 'New codes refused because their prefix is blocked',
      registers: [registry],
    }),
    fraudLifts: new Counter({
      name: 'sms2fa_fraud_lifts_total',
      help: 'Blocks lifted, by time (seen at the next send after the block ended) or by an operator (admin)',
      labelNames: ['by'] as const,
      registers: [registry],
    }),
  }
}

export type ApiMetrics = ReturnType<typeof createApiMetrics>

export function createWorkerMetrics() {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'sms2fa_worker_' })
  return {
    registry,
    jobs: new Counter({
      name: 'sms2fa_jobs_total',
      help: 'Send jobs finished, by channel (sms, call) and outcome (sent, skipped, expired, superseded, already_sent, delivered, gone, retry, failed)',
      labelNames: ['channel', 'outcome'] as const,
      registers: [registry],
    }),
    calls: new Counter({
      name: 'sms2fa_calls_total',
      help: 'Calls placed, by outcome: spoken (the code was said to the end), or why not (busy, no_answer, hung_up, play_error, …)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    sends: new Counter({
      name: 'sms2fa_sms_sends_total',
      help: 'Provider send attempts by outcome (accepted, failed) and error code',
      labelNames: ['outcome', 'error_code'] as const,
      registers: [registry],
    }),
    receipts: new Counter({
      name: 'sms2fa_delivery_receipts_total',
      help: 'Delivery receipts (RELAY messaging.state) by status',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
    timeToAccept: new Histogram({
      name: 'sms2fa_sms_accept_seconds',
      help: 'Time from the API queuing a send to the provider accepting it',
      buckets: DELIVERY_BUCKETS,
      registers: [registry],
    }),
    providerConnected: new Gauge({
      name: 'sms2fa_provider_connected',
      help: '1 while the SMS provider connection is up; 0 while it is down or not up yet (the worker takes no jobs then)',
      registers: [registry],
    }),
    timeToDelivery: new Histogram({
      name: 'sms2fa_sms_delivery_seconds',
      help: 'Time from the verification request to the delivered receipt',
      buckets: DELIVERY_BUCKETS,
      registers: [registry],
    }),
    webhookEvents: new Counter({
      name: 'sms2fa_webhook_events_total',
      help: 'Webhook events delivered (a receiver answered 2xx), by type',
      labelNames: ['type'] as const,
      registers: [registry],
    }),
    webhookAttempts: new Counter({
      name: 'sms2fa_webhook_attempts_total',
      help: 'Webhook attempts by outcome (delivered, rejected: non-2xx, gone: 410, timeout, unreachable, refused: private address)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    webhookFailures: new Counter({
      name: 'sms2fa_webhook_failures_total',
      help: 'Webhook events given up (410, or the retry schedule ran out), by type',
      labelNames: ['type'] as const,
      registers: [registry],
    }),
    webhookLatency: new Histogram({
      name: 'sms2fa_webhook_latency_seconds',
      help: 'Time from an event to its delivery to a receiver, retries included',
      buckets: DELIVERY_BUCKETS,
      registers: [registry],
    }),
    webhookAttemptSeconds: new Histogram({
      name: 'sms2fa_webhook_attempt_seconds',
      help: 'Duration of one webhook attempt',
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
  }
}

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>
