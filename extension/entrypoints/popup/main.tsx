import '../../components/theme.css';
import './popup.css';
import { mountPage } from '../../components/mount-page.js';
import { loadPopupData, PopupApp } from './popup-app.js';

// The reads start first (opening the database is the longest wait), before the theme's and
// title's own calls into the extension's API; the page paints its loading line meanwhile.
const data = loadPopupData();
mountPage('extName', () => <PopupApp data={data} />);
