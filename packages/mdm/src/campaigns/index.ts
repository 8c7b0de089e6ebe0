// @phasewire/mdm/campaigns: firmware campaigns (docs/firmware.md, "Campaigns"): the rules (pure) and
// the service that runs them against the campaign store and the devices. A subpath of mdm, as the
// repository is, so that it loads neither the signing code nor the meter-data side.
export {
  applyProgress, assignWaves, checkCampaignSpec, isFinal, modelOfTarget, nextStep, selectDevices, tally, windowAt, type CampaignSpec,
  type CampaignStep, type CampaignTally, type FleetDevice,
} from './campaign-engine.ts';
export {
  CampaignService, type CampaignAudit, type CampaignServiceOptions, type CampaignView, type OfferOutcome,
} from './campaign-service.ts';
