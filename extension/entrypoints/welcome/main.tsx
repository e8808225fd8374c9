import { render } from 'preact';
import '../../components/theme.css';
import './welcome.css';
import { applyTheme } from '../../components/apply-theme.js';
import { WelcomeApp } from './welcome-app.js';

applyTheme();
const root = document.getElementById('app');
if (root !== null) render(<WelcomeApp />, root);
