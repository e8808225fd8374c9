import { render } from 'preact';
import '../../components/theme.css';
import './popup.css';
import { applyTheme } from '../../components/apply-theme.js';
import { localizePage } from '../../components/i18n.js';
import { loadPopupData, PopupApp } from './popup-app.js';

applyTheme();
localizePage('extName');
const root = document.getElementById('app');
// The reads start before the first render: the page paints its loading line meanwhile.
if (root !== null) render(<PopupApp data={loadPopupData()} />, root);
