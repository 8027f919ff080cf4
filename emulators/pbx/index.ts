/** PortSIP PBX emulator: see README.md beside this file. */
export { startPbxEmulator, CALLBACK_PATH, SBC_CALLBACK_PATH } from './server';
export type { PbxEmulator, PbxEmulatorOptions } from './server';
export { DEFAULT_BEHAVIOUR, applyBehaviour } from './behaviour';
export type { PbxBehaviour } from './behaviour';
export type { EmulatorState, EmulatorTenantInit, EmulatorUserInit, GoogleSlot, OutboxMail, RequestLogEntry, Violation } from './state';
export { DEFAULT_TENANTS, DEFAULT_USERS } from './state';
export { GOOGLE_SCOPES } from './google';
export type { GoogleEndpoints } from './google';
export { PORTSIP_CLIENT_ID } from './handlers';
export { ms365SlotOf, type MicrosoftEndpoints } from './ms365';
