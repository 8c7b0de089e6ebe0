// @phasewire/gateway/node: the Node side of the gateway (reading profile files).
export { loadProfile, loadProfiles, builtInProfilesDirectory } from './load-profiles.ts';
