export * from './category-items.js';
export * from './link-items.js';
export {
  RECORDING_SETTING_ITEMS,
  readRecordingSettings,
  sameRecordingSettings,
  watchRecordingSettings,
} from './recording-settings.js';
export * from './storage-items.js';
