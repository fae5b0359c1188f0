// The public surface of contracts/: import from here, not from the individual files.
export * from './enums';
export * from './limits';
export * from './bytes';
export * from './uuid';
export * from './backoff';
export * from './paths';
export * from './event';
export * from './unity-ops';
export * from './cv-asr';
export * from './nats-subjects';
export * from './errors';
export * from './unity-results';
export * from './event-catalog';
