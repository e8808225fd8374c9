import type { LinkedDevice } from '#protocol';
import { t } from './i18n.js';

/** A linked browser as the person knows it: browser and system, and the label they gave it. */
export function deviceName(device: Pick<LinkedDevice, 'browser' | 'os' | 'label'>): string {
  return device.label === null
    ? t('deviceName', device.browser, device.os)
    : t('deviceNameLabelled', device.browser, device.os, device.label);
}
