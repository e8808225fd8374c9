export {
  type ActivePageStatus,
  onMessage,
  type ProtocolMap,
  removeAllListeners,
  type SyncNowResult,
  type SyncStatus,
  sendMessage,
  type TrackerStatus,
} from './protocol.js';
