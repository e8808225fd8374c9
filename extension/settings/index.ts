export * from './category-items.js';
export * from './link-items.js';
export { type ItemValues, readItems } from './read-items.js';
export {
  RECORDING_SETTING_ITEMS,
  readRecordingSettings,
  readRecordingSettingsAnd,
  sameRecordingSettings,
  watchRecordingSettings,
} from './recording-settings.js';
export * from './storage-items.js';
