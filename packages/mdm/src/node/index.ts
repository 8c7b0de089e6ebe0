// @phasewire/mdm/node: the Node adapters of meter data management: the running MDM service and the alarm notifiers.
export { startMdmService, type MdmService, type MdmServiceOptions, type MdmRunReport, type MdmStatus } from './mdm-service.ts';
export { WebhookNotifier, defaultBackoff, type Backoff, type WebhookOptions } from './webhook-notifier.ts';
export { signWebhook, verifyWebhookSignature, signatureHeader, timestampHeader, deliveryHeader,
  type SignatureCheck } from './webhook-signature.ts';
export { MqttNotifier, type MqttNotifierOptions } from './mqtt-notifier.ts';
export { directoryStorage } from './firmware/directory-storage.ts';
export { startMetadataRenewal, type MetadataRenewal, type MetadataRenewalOptions } from './firmware/metadata-renewal.ts';
export { readSampleTariffs, readTariffFile, sampleTariffNames, sampleTariffsDir } from './tariff-files.ts';
