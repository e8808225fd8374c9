import { render } from 'preact';
import '../../components/theme.css';
import './options.css';
import { applyTheme } from '../../components/apply-theme.js';
import { localizePage, messagesReady } from '../../components/i18n.js';
import { OptionsApp } from './options-app.js';

applyTheme();
void messagesReady().then(() => {
  localizePage('optionsTitle');
  const root = document.getElementById('app');
  if (root !== null) render(<OptionsApp />, root);
});
