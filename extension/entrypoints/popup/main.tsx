import { render } from 'preact';
import '../../components/theme.css';
import './popup.css';
import { applyTheme } from '../../components/apply-theme.js';
import { localizePage, messagesReady } from '../../components/i18n.js';
import { loadPopupData, PopupApp } from './popup-app.js';

// The reads start first (opening the database is the longest wait), before the theme's and
// title's own calls into the extension's API; the page paints its loading line meanwhile.
const data = loadPopupData();
applyTheme();
void messagesReady().then(() => {
  localizePage('extName');
  const root = document.getElementById('app');
  if (root !== null) render(<PopupApp data={data} />, root);
});
