// @phasewire/mdm/firmware: the TUF firmware repository (docs/firmware.md). A subpath of mdm, so
// that what imports mdm's meter-data side (the API's types, and through them the dashboard) does
// not load the signing code of @phasewire/secure.
export { defaultLifetimes, FirmwareRepository, type FirmwareImage, type FirmwareImageInput, type FirmwareRepositoryOptions,
  type RoleLifetimes } from './firmware-repository.ts';
export * from './repository-layout.ts';
export { loadRepositoryState, type RepositoryState } from './repository-state.ts';
