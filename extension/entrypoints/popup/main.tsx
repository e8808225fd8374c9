import { render } from 'preact';
import '../../components/theme.css';
import './popup.css';
import { PopupApp } from './popup-app.js';

const root = document.getElementById('app');
if (root !== null) render(<PopupApp />, root);
