// Node adapters of meter data management: the alarm notifiers.
export { WebhookNotifier, defaultBackoff, type Backoff, type WebhookOptions } from './webhook-notifier.ts';
export { signWebhook, verifyWebhookSignature, signatureHeader, timestampHeader, deliveryHeader, type SignatureCheck } from './webhook-signature.ts';
export { MqttNotifier, type MqttNotifierOptions } from './mqtt-notifier.ts';
