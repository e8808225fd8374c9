import { render } from 'preact';
import '../../components/theme.css';
import './welcome.css';
import { applyTheme } from '../../components/apply-theme.js';
import { localizePage, messagesReady } from '../../components/i18n.js';
import { WelcomeApp } from './welcome-app.js';

applyTheme();
void messagesReady().then(() => {
  localizePage('welcomeTitle');
  const root = document.getElementById('app');
  if (root !== null) render(<WelcomeApp />, root);
});
