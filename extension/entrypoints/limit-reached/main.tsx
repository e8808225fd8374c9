import { render } from 'preact';
import '../../components/theme.css';
import './limit-reached.css';
import { applyTheme } from '../../components/apply-theme.js';
import { localizePage, messagesReady } from '../../components/i18n.js';
import { LimitReachedApp } from './limit-reached-app.js';

applyTheme();
void messagesReady().then(() => {
  localizePage('limitReachedTitle');
  const root = document.getElementById('app');
  if (root !== null) render(<LimitReachedApp search={location.search} />, root);
});
