export {
  type ActivePageStatus,
  onMessage,
  type ProtocolMap,
  removeAllListeners,
  type SyncNowResult,
  type SyncSetup,
  sendMessage,
  type TrackerStatus,
} from './protocol.js';
