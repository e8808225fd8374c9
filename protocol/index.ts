export * from './devices.js';
export * from './erase-visits.js';
export * from './errors.js';
export * from './ingest.js';
export * from './limits.js';
export * from './redact.js';
export * from './study.js';
export * from './visit.js';
