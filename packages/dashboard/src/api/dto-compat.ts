// Fails the type check when the server's DTOs (packages/server/src/api/dto.ts) drift from the
// shapes the dashboard reads in ./types.ts: every server answer must be readable as the dashboard's
// type. Types only: nothing of the server reaches the bundle (the dependency rule allows
// `import type` from server and core, nothing else).
import type {
  AlarmDto, AlarmList, EnrollmentToken as ServerEnrollmentToken, FleetSummary as ServerFleetSummary, Intervals, LiveMessage as ServerLiveMessage,
  MeterDetail as ServerMeterDetail, MeterList, PowerQuality as ServerPowerQuality, QualityDays, Readings as ServerReadings, Rollups, Session as ServerSession,
  CommandResult as ServerCommandResult,
} from '@phasewire/api';
import type {
  Alarm, AlarmPage, CommandResult, EnrollmentToken, FleetSummary, IntervalPoint, LiveMessage, MeterDetail, MeterPage, PowerQuality, QualityDay,
  Readings, RollupPoint, Session,
} from './types.ts';

type Readable<Server, Dashboard> = [Server] extends [Dashboard] ? true : false;
type Check<T extends true> = T;

export type DtoCompatibility = [
  Check<Readable<ServerSession, Session>>,
  Check<Readable<ServerFleetSummary, FleetSummary>>,
  Check<Readable<MeterList, MeterPage>>,
  Check<Readable<ServerMeterDetail, MeterDetail>>,
  Check<Readable<ServerReadings, Readings>>,
  Check<Readable<Rollups['points'][number], RollupPoint>>,
  Check<Readable<Intervals['points'][number], IntervalPoint>>,
  Check<Readable<QualityDays['days'][number], QualityDay>>,
  Check<Readable<ServerPowerQuality, PowerQuality>>,
  Check<Readable<AlarmDto, Alarm>>,
  Check<Readable<AlarmList, AlarmPage>>,
  Check<Readable<ServerCommandResult, CommandResult>>,
  Check<Readable<ServerEnrollmentToken, EnrollmentToken>>,
  Check<Readable<ServerLiveMessage, LiveMessage>>,
];
