export * from './server';
export { GoogleEmulatorState } from './state';
export type * from './state';
