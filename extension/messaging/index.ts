export {
  type ActivePageStatus,
  type OpenVisitFigure,
  onMessage,
  type ProtocolMap,
  removeAllListeners,
  type SyncNowResult,
  type SyncSetup,
  sendMessage,
  type TrackerStatus,
} from './protocol.js';
