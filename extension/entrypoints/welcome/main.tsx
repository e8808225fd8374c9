import { render } from 'preact';
import '../../components/theme.css';
import './welcome.css';
import { WelcomeApp } from './welcome-app.js';

const root = document.getElementById('app');
if (root !== null) render(<WelcomeApp />, root);
