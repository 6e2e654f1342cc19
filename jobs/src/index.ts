/** Queues, job payloads and processors for duplication runs (BullMQ). */
export const QUEUE_PREFIX = 'tower';
